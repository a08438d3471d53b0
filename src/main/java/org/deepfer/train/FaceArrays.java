package org.deepfer.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.tables.Labels;

/**
 * One split of the faces table decoded once into compact arrays: all pixels in one byte array
 * (28 709 FER2013 faces are 66 MB), labels and ids beside it. Rows are ordered by source, so the
 * same table version always gives the same arrays.
 */
public final class FaceArrays implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final int size;
    private final byte[] pixels;
    private final int[] labels;
    private final String[] ids;

    FaceArrays(int size, byte[] pixels, int[] labels, String[] ids) {
        this.size = size;
        this.pixels = pixels;
        this.labels = labels;
        this.ids = ids;
    }

    /**
     * Faces already in memory: {@code labels.length} gray {@code size}x{@code size} images packed
     * row-major one after another in {@code pixels} (kept, not copied).
     */
    public static FaceArrays of(int size, byte[] pixels, int[] labels, String[] ids) {
        if (pixels.length != (long) labels.length * size * size || ids.length != labels.length) {
            throw new IllegalArgumentException(labels.length + " labels, " + ids.length + " ids and "
                    + pixels.length + " pixel bytes do not describe the same " + size + "x" + size + " faces");
        }
        return new FaceArrays(size, pixels, labels, ids);
    }

    /**
     * Streams {@code faces} (already filtered to one split) to the driver without holding more than
     * a partition of rows at a time. {@code limit} &gt; 0 keeps {@code limit} rows chosen by a hash
     * of their source: a fixed pseudo-random subset, so its class mix is the table's (the first rows
     * by source would be the first classes' folders only).
     */
    public static FaceArrays load(Dataset<Row> faces, int size, int limit) {
        Dataset<Row> chosen = limit > 0 ? faces.orderBy(xxhash64(col("source"))).limit(limit) : faces;
        Dataset<Row> ordered = chosen.select(col("id"), col("label"), col("width"), col("height"), col("pixels"),
                col("source")).orderBy(col("source"));
        int n = (int) ordered.count();
        byte[] pixels = new byte[n * size * size];
        int[] labels = new int[n];
        String[] ids = new String[n];
        Iterator<Row> rows = ordered.toLocalIterator();
        int i = 0;
        while (rows.hasNext() && i < n) {
            Row r = rows.next();
            if (r.getInt(2) != size || r.getInt(3) != size) {
                throw new IllegalStateException("face " + r.getString(0) + " is " + r.getInt(2) + "x" + r.getInt(3)
                        + ", expected " + size + "x" + size + " (image.size must match the ingested table)");
            }
            System.arraycopy((byte[]) r.getAs(4), 0, pixels, i * size * size, size * size);
            labels[i] = r.getInt(1);
            ids[i] = r.getString(0);
            i++;
        }
        return new FaceArrays(size, pixels, labels, ids);
    }

    public int count() {
        return labels.length;
    }

    public int size() {
        return size;
    }

    public int label(int i) {
        return labels[i];
    }

    public String id(int i) {
        return ids[i];
    }

    /** A copy of face {@code i}'s pixels. */
    public byte[] pixels(int i) {
        int n = size * size;
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /** Images per class index. */
    public long[] classCounts() {
        long[] counts = new long[Labels.count()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** The indices of this split whose label is {@code label}. */
    public int[] indicesOf(int label) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
    }

    /** Subset by row indices (for the kept rows after excluding audit findings). */
    public FaceArrays select(int[] keep) {
        int n = size * size;
        byte[] px = new byte[keep.length * n];
        int[] lb = new int[keep.length];
        String[] id = new String[keep.length];
        for (int k = 0; k < keep.length; k++) {
            System.arraycopy(pixels, keep[k] * n, px, k * n, n);
            lb[k] = labels[keep[k]];
            id[k] = ids[keep[k]];
        }
        return new FaceArrays(size, px, lb, id);
    }

    /** Labels as a list, for metrics. */
    public List<Integer> labelList() {
        return Arrays.stream(labels).boxed().toList();
    }
}
