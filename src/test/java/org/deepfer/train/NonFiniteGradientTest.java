package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.function.Function;
import org.deepfer.train.optim.AdamW;
import org.deepfer.train.optim.FerOptimizer;
import org.deepfer.train.optim.NesterovSgd;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A step whose gradients hold an inf or NaN is skipped: weights and optimizer state stay as they
 * were, and the next finite step trains as if it had not happened.
 */
class NonFiniteGradientTest {

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "sgd"})
    void aStepWithNanGradientsLeavesWeightsAndStateAloneAndTheNextOneTrains(String kind) {
        Engine.getInstance();
        JniUtils.setGradMode(false);
        try (Model model = Model.newInstance("nan"); NDManager state = NDManager.newBaseManager()) {
            Block block = Linear.builder().setUnits(3).build();
            model.setBlock(block);
            FerOptimizer optimizer = kind.equals("adamw") ? new AdamW(block, state, 0.01)
                    : new NesterovSgd(block, state, 0.9, 0.01);
            try (Trainer trainer = model.newTrainer(
                    new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer))) {
                trainer.initialize(new Shape(4, 5));
                NDArray x = trainer.getManager().randomNormal(new Shape(4, 5));
                float[] before = weights(trainer);

                // d sqrt(u)/du is infinite at u = 0, and times the 0 of u = 0 * out it is NaN: a finite
                // loss with NaN gradients, what an overflow inside a network looks like.
                backward(trainer, x, out -> out.mul(0).sqrt().sum());
                double norm = TrainingRun.optimizerStep(trainer, optimizer, 0.1, 0);
                assertTrue(Double.isNaN(norm), "norm " + norm);
                assertArrayEquals(before, weights(trainer), "a skipped step moved the weights");

                backward(trainer, x, out -> out.square().sum());
                double finite = TrainingRun.optimizerStep(trainer, optimizer, 0.1, 0);
                assertTrue(Double.isFinite(finite) && finite > 0, "norm " + finite);
                float[] after = weights(trainer);
                boolean moved = false;
                for (int i = 0; i < after.length; i++) {
                    assertTrue(Float.isFinite(after[i]), "weight " + i + " is " + after[i]);
                    moved |= after[i] != before[i];
                }
                assertTrue(moved, "a finite step must train");
                // Gradients were dropped after each step, the skipped one included.
                assertEquals(0.0, TrainingRun.clipGradients(trainer, 0), 0.0);
            }
            // Optimizer state holds no NaN from the skipped step (moments, step counts).
            state.getManagedArrays().forEach(a -> assertFalse(
                    a.isNaN().any().getBoolean() || a.isInfinite().any().getBoolean(), a.getName() + " not finite"));
        }
    }

    private static void backward(Trainer trainer, NDArray x, Function<NDArray, NDArray> loss) {
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
            collector.backward(loss.apply(out));
        }
    }

    private static float[] weights(Trainer trainer) {
        var parameters = trainer.getModel().getBlock().getParameters();
        int total = 0;
        for (var p : parameters) {
            total += (int) p.getValue().getArray().size();
        }
        float[] all = new float[total];
        int at = 0;
        for (var p : parameters) {
            float[] values = p.getValue().getArray().toFloatArray();
            System.arraycopy(values, 0, all, at, values.length);
            at += values.length;
        }
        return all;
    }
}
