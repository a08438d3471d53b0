package org.deepfer.export;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * Real faces for {@link Int8Quantizer}: a deterministic sample of the training split of the faces
 * table, or of an image folder, the same faces on every run. The first ones calibrate; the ones
 * after them, never seen by the calibration, check the int8 model against fp32.
 */
public final class CalibrationFaces {
    /** Seed of the order an image folder's files are taken in. */
    static final long FOLDER_SEED = 20240601L;

    /**
     * Faces and where they came from.
     *
     * @param faces {@code size x size} gray faces, in sample order
     * @param source the table (and the version read) or folder, and how the sample was drawn
     */
    public record Sample(List<byte[]> faces, String source) {
        public Sample {
            faces = List.copyOf(faces);
        }

        /** The first {@code n} faces (all of them if there are fewer). */
        public List<byte[]> first(int n) {
            return faces.subList(0, Math.min(n, faces.size()));
        }

        /** The faces after the first {@code n}. */
        public List<byte[]> after(int n) {
            return faces.subList(Math.min(n, faces.size()), faces.size());
        }
    }

    private CalibrationFaces() {}

    /**
     * Up to {@code count} faces of the training split of {@code warehouse}'s faces table: those
     * first in the order of {@code xxhash64(id)}, which mixes classes and sources and does not change
     * when rows are added elsewhere. The table version read goes into the run's provenance.
     */
    public static Sample fromTable(Warehouse warehouse, int count, int size) {
        List<Row> rows = warehouse.read(Warehouse.FACES).filter(col("split").equalTo(Splits.TRAIN))
                .orderBy(xxhash64(col("id")), col("id")).limit(count)
                .select("width", "height", "pixels").collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the faces table at " + warehouse.path(Warehouse.FACES)
                    + " has no faces of split '" + Splits.TRAIN + "' to calibrate on");
        }
        List<byte[]> faces = new ArrayList<>(rows.size());
        for (Row r : rows) {
            faces.add(Resize.to(FaceImage.gray(r.getInt(0), r.getInt(1), r.getAs(2)), size, size).pixels());
        }
        return new Sample(faces, String.format(Locale.ROOT, "faces table %s version %d, split %s in xxhash64(id)"
                + " order", warehouse.path(Warehouse.FACES), warehouse.version(Warehouse.FACES), Splits.TRAIN));
    }

    /**
     * Up to {@code count} images of {@code folder} (any depth), in an order shuffled with a fixed
     * seed from their sorted paths, as {@code size x size} gray faces.
     */
    public static Sample fromFolder(Path folder, int count, int size) {
        List<Path> files = new ArrayList<>(FaceFolder.imageFiles(folder));
        Collections.shuffle(files, new Random(FOLDER_SEED));
        List<byte[]> faces = new ArrayList<>();
        for (FaceFolder.Face face : FaceFolder.read(files.subList(0, Math.min(count, files.size())), size)) {
            faces.add(face.pixels());
        }
        return new Sample(faces, String.format(Locale.ROOT, "image folder %s (%d images) in an order shuffled with"
                + " seed %d", folder.toAbsolutePath().normalize(), files.size(), FOLDER_SEED));
    }
}
