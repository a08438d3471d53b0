package org.deepfer.augment;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.plot.ImageGrid;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * Preprocessing and augmentation: normalization statistics from the training split
 * ({@code results/normalization.json}), K augmented variants of every training image in the Delta
 * table {@code faces_aug} (each reproducible from its image id, variant number and seed), and a
 * preview sheet {@code results/sample_augs.jpg}.
 */
public final class AugmentJob {
    static final StructType AUG_SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("label_name", DataTypes.StringType, false)
            .add("variant", DataTypes.IntegerType, false)
            .add("seed", DataTypes.LongType, false)
            .add("ops", DataTypes.StringType, false)
            .add("width", DataTypes.IntegerType, false)
            .add("height", DataTypes.IntegerType, false)
            .add("pixels", DataTypes.BinaryType, false);

    /** Pixel statistics of the training split, on the 0..1 scale the models see. */
    public record Normalization(double mean, double std, long images, long facesVersion, String split, int size)
            implements java.io.Serializable {

        /** Adds {@code pixels} (0..255) to running sums: {@code sums[0]} of values, {@code sums[1]} of squares. */
        public static void accumulate(byte[] pixels, double[] sums) {
            for (byte b : pixels) {
                double v = (b & 0xFF) / 255.0;
                sums[0] += v;
                sums[1] += v * v;
            }
        }

        /** The training split's statistics from the sums {@link #accumulate} gathered over {@code pixels} values. */
        public static Normalization fromSums(double sum, double sumSq, long pixels, long images, long facesVersion,
                int size) {
            if (pixels == 0) {
                throw new IllegalStateException("faces has no '" + Splits.TRAIN + "' rows to compute normalization from");
            }
            double mean = sum / pixels;
            double std = Math.sqrt(Math.max(0, sumSq / pixels - mean * mean));
            return new Normalization(mean, std, images, facesVersion, Splits.TRAIN, size);
        }
    }

    /** What one augment run did. */
    public record Result(Normalization normalization, long trainImages, long variants, long augVersion) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final DeepFerConfig config;

    public AugmentJob(Warehouse warehouse) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
    }

    public Result run() {
        Dataset<Row> faces = warehouse.read(Warehouse.FACES);
        long facesVersion = warehouse.version(Warehouse.FACES);
        Dataset<Row> train = faces.filter(col("split").equalTo(Splits.TRAIN))
                .select("id", "source", "split", "label", "label_name", "width", "height", "pixels");

        Normalization norm = run.time("normalization", () -> normalization(train, facesVersion));
        Reports.writeJson(run, Path.of(config.paths().results(), "normalization.json"), norm);

        Augmenter augmenter = new Augmenter(config.augment().policy());
        int variants = config.augment().variantsPerImage();
        long seed = config.seed();
        Dataset<Row> augmented = train.flatMap(
                        (FlatMapFunction<Row, Row>) r -> variantsOf(r, augmenter, variants, seed),
                        Encoders.row(AUG_SCHEMA))
                .withColumn("faces_version", lit(facesVersion))
                .withColumn("augment_run", lit(run.runId()));
        long augVersion = run.time("write faces_aug", () -> warehouse.overwrite(Warehouse.FACES_AUG, augmented));
        long written = warehouse.spark().read().format("delta").load(warehouse.path(Warehouse.FACES_AUG)).count();
        run.time("preview", () -> preview(train, augmenter));
        run.fact("variants", written);
        return new Result(norm, norm.images(), written, augVersion);
    }

    private Normalization normalization(Dataset<Row> train, long facesVersion) {
        Row totals = train.select("pixels").mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            double[] sums = new double[2];
            long pixels = 0;
            long images = 0;
            while (rows.hasNext()) {
                byte[] px = rows.next().getAs(0);
                Normalization.accumulate(px, sums);
                pixels += px.length;
                images++;
            }
            return List.of(RowFactory.create(sums[0], sums[1], pixels, images)).iterator();
        }, Encoders.row(new StructType().add("s", DataTypes.DoubleType).add("ss", DataTypes.DoubleType)
                .add("n", DataTypes.LongType).add("images", DataTypes.LongType)))
                .agg(sum("s"), sum("ss"), sum("n"), sum("images")).head();
        long n = totals.isNullAt(2) ? 0 : totals.getLong(2);
        return n == 0
                ? Normalization.fromSums(0, 0, 0, 0, facesVersion, config.image().size())
                : Normalization.fromSums(totals.getDouble(0), totals.getDouble(1), n, totals.getLong(3), facesVersion,
                        config.image().size());
    }

    private static Iterator<Row> variantsOf(Row r, Augmenter augmenter, int variants, long seed) {
        FaceImage image = FaceImage.gray(r.getInt(5), r.getInt(6), r.getAs(7));
        String id = r.getString(0);
        List<Row> out = new ArrayList<>(variants);
        for (int v = 1; v <= variants; v++) {
            Augmenter.Augmented a = augmenter.apply(image, id, v, seed);
            out.add(RowFactory.create(id, r.getString(1), r.getString(2), r.getInt(3), r.getString(4), v, seed,
                    a.ops(), a.image().width(), a.image().height(), a.image().pixels()));
        }
        return out.iterator();
    }

    /** One original per class (up to augment.previewImages) beside its variants, recomputed here. */
    private void preview(Dataset<Row> train, Augmenter augmenter) {
        int wanted = config.augment().previewImages();
        if (wanted == 0) {
            return;
        }
        List<Object> ids = new ArrayList<>();
        for (Row r : train.groupBy("label").agg(min("id")).orderBy("label").collectAsList()) {
            ids.add(r.get(1));
        }
        Map<String, Row> byId = new LinkedHashMap<>();
        for (Row r : train.filter(col("id").isin(ids.subList(0, Math.min(wanted, ids.size())).toArray()))
                .orderBy("label", "id").collectAsList()) {
            byId.putIfAbsent(r.getString(0), r);
        }
        int variants = Math.max(1, config.augment().variantsPerImage());
        List<ImageGrid.Row> rows = new ArrayList<>();
        for (Row r : byId.values()) {
            FaceImage original = FaceImage.gray(r.getInt(5), r.getInt(6), r.getAs(7));
            List<ImageGrid.Cell> cells = new ArrayList<>();
            cells.add(new ImageGrid.Cell(original, "original"));
            for (int v = 1; v <= Math.min(variants, 6); v++) {
                Augmenter.Augmented a = augmenter.apply(original, r.getString(0), v, config.seed());
                cells.add(new ImageGrid.Cell(a.image(), "v" + v + ": " + a.ops()));
            }
            rows.add(new ImageGrid.Row(r.getString(4), cells));
        }
        if (!rows.isEmpty()) {
            Reports.writeBytes(run, Path.of(config.paths().results(), "sample_augs.jpg"),
                    ImageCodec.encodeJpeg(ImageGrid.render(rows, 3), 0.92f));
        }
    }
}
