package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

/** train.gradientClipNorm: the global gradient norm is brought down to the limit, never up. */
class GradientClippingTest {

    private static double norm(Trainer trainer) {
        double sum = 0;
        for (var p : trainer.getModel().getBlock().getParameters()) {
            try (NDArray g = p.getValue().getArray().getGradient(); NDArray sq = g.square(); NDArray s = sq.sum()) {
                sum += s.getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    @Test
    void largeGradientsAreScaledToTheLimitAndSmallOnesLeftAlone() {
        try (Model model = Model.newInstance("clip")) {
            model.setBlock(Linear.builder().setUnits(3).build());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(4, 5));
                NDArray x = trainer.getManager().randomNormal(new Shape(4, 5));
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                    collector.backward(out.mul(1000).square().sum());
                }
                double before = norm(trainer);
                assertTrue(before > 10, "a loss scaled by 1000 gives a large gradient: " + before);
                assertEquals(before, TrainingRun.clipGradients(trainer, 1.0), before * 1e-5);
                assertEquals(1.0, norm(trainer), 1e-4);
                // Under the limit: untouched.
                assertEquals(1.0, TrainingRun.clipGradients(trainer, 5.0), 1e-4);
                assertEquals(1.0, norm(trainer), 1e-4);
            }
        }
    }
}
