package org.deepfer.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.train.TrainJob;

/**
 * Tiny models trained in seconds on the ingested synthetic sample: the fixture of the tests of jobs
 * that need a model (evaluate, predict, ensemble, robustness, explain).
 */
public final class TinyModels {
    private TinyModels() {}

    /**
     * A config under {@code root} whose sample is generated and ingested, set to train a {@code backbone}
     * of width 0.25 for two epochs on 96 faces, plus {@code overrides}.
     */
    public static DeepFerConfig ingested(Path root, String backbone, String... overrides) {
        DeepFerConfig config = config(root, backbone, overrides);
        Samples.ingest(config);
        return config;
    }

    /** The same settings as {@link #ingested}, without generating or ingesting anything. */
    public static DeepFerConfig config(Path root, String backbone, String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.modelsDir=" + root.resolve("models"),
                "train.excludeFindings=[]", "train.batchSize=32", "train.earlyStoppingPatience=0", "train.epochs=2",
                "train.maxTrainImages=96", "train.backbone=" + backbone, "train.width=0.25"));
        all.addAll(List.of(overrides));
        return TestSpark.config(root, all.toArray(String[]::new));
    }

    /** Trains a model under {@code config}; its model directory. */
    public static Path train(DeepFerConfig config) {
        return new TrainJob(TestSpark.warehouse(config, "train"), null).run().modelDir();
    }
}
