package org.deepfer.train.model;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;

import java.util.Arrays;
import java.util.List;

/**
 * Not a test: prints forward+backward and optimizer-step time per batch of 64 gray 48x48 faces,
 * with parameters and FLOPs per image, for the architectures given as arguments (default: all).
 * Run with the test classpath and {@code -Dai.djl.offline=true}.
 *
 * <p>Reports the fastest and the median of the timed steps. On a shared machine also set {@code
 * OMP_WAIT_POLICY=PASSIVE} (or {@code -Dai.djl.pytorch.num_threads=1}): PyTorch's spinning OpenMP
 * threads otherwise lose 3-10x whenever another process takes a core.
 */
final class ModelStepTiming {

    private static final int BATCH = 64;
    private static final int WARMUP_STEPS = 2;
    private static final int TIMED_STEPS = 8;

    private ModelStepTiming() {}

    public static void main(String[] args) {
        List<String> names = args.length > 0 ? Arrays.asList(args) : Models.NAMES;
        System.out.printf(
                "PyTorch %s, %d cores, batch %d at 1x48x48%n",
                Engine.getInstance().getVersion(),
                Runtime.getRuntime().availableProcessors(),
                BATCH);
        System.out.printf(
                "%-16s %10s %11s %20s %14s %10s%n",
                "model",
                "params",
                "MFLOPs/img",
                "fwd+bwd ms min/med",
                "step ms min/med",
                "images/s");
        for (String name : names) {
            time(ModelSpec.fer(name, 0.3));
        }
    }

    private static void time(ModelSpec spec) {
        FerModel ferModel = Models.build(spec);
        try (Model model = Model.newInstance(spec.name());
                NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(ferModel.block());
            try (Trainer trainer =
                    model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
                trainer.initialize(spec.inputShape(BATCH));
                NDArray images = manager.randomUniform(0f, 1f, spec.inputShape(BATCH));
                NDArray labels =
                        manager.randomInteger(0, spec.classes(), new Shape(BATCH), DataType.INT64);
                long[] forwardBackwardNanos = new long[TIMED_STEPS];
                long[] stepNanos = new long[TIMED_STEPS];
                for (int i = 0; i < WARMUP_STEPS + TIMED_STEPS; i++) {
                    try (NDManager batchScope = manager.newSubManager()) {
                        long start = System.nanoTime();
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList scores = trainer.forward(new NDList(images));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), scores);
                            collector.backward(loss);
                            scores.attach(batchScope);
                            loss.attach(batchScope);
                        }
                        long afterBackward = System.nanoTime();
                        trainer.step();
                        long afterStep = System.nanoTime();
                        if (i >= WARMUP_STEPS) {
                            forwardBackwardNanos[i - WARMUP_STEPS] = afterBackward - start;
                            stepNanos[i - WARMUP_STEPS] = afterStep - afterBackward;
                        }
                    }
                }
                Arrays.sort(forwardBackwardNanos);
                Arrays.sort(stepNanos);
                double fastestMs = (forwardBackwardNanos[0] + stepNanos[0]) / 1e6;
                System.out.printf(
                        "%-16s %10d %11.1f %20s %14s %10.0f%n",
                        spec.name(),
                        ferModel.trainableParameterCount(),
                        Flops.count(ferModel) / 1e6,
                        minAndMedianMs(forwardBackwardNanos),
                        minAndMedianMs(stepNanos),
                        BATCH * 1000 / fastestMs);
            }
        }
    }

    private static String minAndMedianMs(long[] sortedNanos) {
        return String.format(
                "%.0f / %.0f", sortedNanos[0] / 1e6, sortedNanos[sortedNanos.length / 2] / 1e6);
    }
}
