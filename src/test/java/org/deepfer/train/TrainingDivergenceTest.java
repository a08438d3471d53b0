package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run whose loss stops being a number ends with an error that says where and what to change. */
class TrainingDivergenceTest {
    @TempDir
    Path root;

    private static FaceArrays faces(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 48 * 48];
        int[] labels = new int[n];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 48 * 48; k++) {
                pixels[i * 48 * 48 + k] = (byte) r.nextInt(256);
            }
            labels[i] = i % 7;
            ids[i] = "f" + i;
        }
        return FaceArrays.of(48, pixels, labels, ids);
    }

    @Test
    void aNonFiniteLossStopsTheRunBeforeTheOptimizerStepWithAClearMessage() {
        DeepFerConfig config = TestSpark.config(root, "train.backbone=baseline", "train.width=0.25",
                "train.epochs=2", "train.batchSize=16", "train.augment=false", "train.threads=1");
        // A zero standard deviation makes every normalized input infinite: the first loss is NaN.
        TrainingRun.Data data = new TrainingRun.Data(faces(64, 1), faces(16, 2),
                new AugmentJob.Normalization(0.5, 0.0, 64, 0, "train", 48), null, 0, "synthetic");
        Path modelDir = root.resolve("models/diverging");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TrainingRun(config, data, modelDir, false, "test", null).run());
        assertTrue(e.getMessage().contains("training diverged: loss NaN at epoch 1, step 1 of 4"), e.getMessage());
        assertTrue(e.getMessage().contains("train.learningRate") && e.getMessage().contains(modelDir.toString()),
                e.getMessage());
        assertFalse(Files.exists(modelDir.resolve("model.params")), "no best model was saved from a diverged run");
    }
}
