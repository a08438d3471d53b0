package org.deepfer.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import org.deepfer.train.model.ModelSpec;

/**
 * Inference throughput of a trained model where it was trained: images per second at batch 1 (a
 * real-time stream, one face at a time) and at batch 64 (batch scoring). Forward passes only, in
 * inference mode (batch norms use their running statistics), after warm-up passes.
 */
public final class InferenceSpeed {

    /** Images per second at batch 1 and at batch 64. */
    public record Figures(double batch1, double batch64) {
        public static final Figures NONE = new Figures(Double.NaN, Double.NaN);
    }

    private InferenceSpeed() {}

    /** Times {@code trainer}'s model on random inputs of {@code spec}'s shape for about a second per batch size. */
    public static Figures measure(Trainer trainer, ModelSpec spec) {
        return new Figures(imagesPerSecond(trainer, spec, 1, 10, 200), imagesPerSecond(trainer, spec, 64, 2, 8));
    }

    private static double imagesPerSecond(Trainer trainer, ModelSpec spec, int batch, int warmup, int maxPasses) {
        try (NDManager manager = trainer.getManager().newSubManager()) {
            NDList input = new NDList(manager.randomUniform(-1f, 1f, spec.inputShape(batch)));
            for (int i = 0; i < warmup; i++) {
                trainer.evaluate(input).close();
            }
            long start = System.nanoTime();
            int passes = 0;
            // Up to maxPasses, and at most about a second, so big models on slow machines stay quick.
            while (passes < maxPasses && (passes < 3 || System.nanoTime() - start < 1_000_000_000L)) {
                trainer.evaluate(input).close();
                passes++;
            }
            return (double) passes * batch / ((System.nanoTime() - start) / 1e9);
        }
    }
}
