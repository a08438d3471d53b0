package org.deepfer.predict;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.spark.SparkSessions;

/**
 * The baseline the predict job is measured against: one process, one {@link FacePredictor}, a plain
 * loop over the faces of one split in batches, timed from the first to the last batch (the faces
 * are read into memory first, untimed). {@code bench/predict_throughput.sh} runs it beside the job.
 *
 * <p>Usage: {@code PredictLoopBenchmark <warehouse> <model dir> [split] [batch]}
 */
public final class PredictLoopBenchmark {
    private PredictLoopBenchmark() {}

    /** The split argument that takes every face of the table. */
    static final String ALL = "all";

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: PredictLoopBenchmark <warehouse> <model dir> [split=validation|all] [batch=128]");
            System.exit(2);
        }
        String split = args.length > 2 ? args[2] : "validation";
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : FacePredictor.Settings.DEFAULT_BATCH;
        DeepFerConfig config = ConfigLoader.load(Optional.empty(), List.of("paths.warehouse=" + args[0]));
        List<FaceImage> faces = new ArrayList<>();
        SparkSession spark = SparkSessions.create(config, "predict-loop-benchmark");
        try {
            Dataset<Row> table = spark.read().format("delta")
                    .load(Path.of(args[0]).toAbsolutePath().resolve("faces").toString());
            if (!split.equals(ALL)) {
                table = table.filter(col("split").equalTo(split));
            }
            for (Row r : table.select("width", "height", "pixels").collectAsList()) {
                faces.add(FaceImage.gray(r.getInt(0), r.getInt(1), r.getAs(2)));
            }
        } finally {
            spark.stop();
        }
        ModelBundle bundle = ModelBundle.load(Path.of(args[1]));
        FacePredictor.Settings settings = new FacePredictor.Settings(FacePredictor.Tta.NONE, 1.0, batch);
        try (FacePredictor predictor = new FacePredictor(bundle, settings)) {
            predictor.probabilitiesOf(faces.subList(0, Math.min(batch, faces.size()))); // warm-up
            long start = System.nanoTime();
            long correct = 0;
            for (int from = 0; from < faces.size(); from += batch) {
                float[][] p = predictor.probabilitiesOf(faces.subList(from, Math.min(faces.size(), from + batch)));
                correct += p.length; // keep the result alive
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("plain loop: %s (%s) on %d %s faces, batch %d: %.1f s, %.0f images/s%n",
                    bundle.modelId(), bundle.spec().name(), correct, split, batch, seconds, faces.size() / seconds);
        }
    }
}
