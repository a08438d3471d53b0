package org.deepfer.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.List;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.Flops;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.deepfer.train.optim.AdamW;

/**
 * Training throughput per model (bench/train_throughput.sh): forward, backward and an AdamW step
 * on random batches, with FLOPs per image and the achieved GFLOP/s (training ≈ 3× forward FLOPs).
 * Each step also computes the global gradient norm, as {@link TrainingRun#optimizerStep} does on every
 * training step; the last two columns are its time per step and its share of the whole step.
 *
 * <p>Arguments: {@code [batch] [steps] [model:channels:size[:width] ...]}; defaults cover every model at
 * its usual input.
 */
public final class ThroughputBenchmark {
    private ThroughputBenchmark() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<String> models = args.length > 2 ? List.of(args).subList(2, args.length) : List.of(
                "baseline:1:48", "vgg-fer:1:48", "resnet18:1:48", "mobilenetv2:1:48", "efficientnet-b0:1:48",
                "resnet50:1:48", "efficientnet-b3:1:48");
        Engine engine = Engine.getInstance();
        System.out.printf("engine %s %s, device %s, batch %d, %d timed steps after 2 warm-up steps%n",
                engine.getEngineName(), engine.getVersion(), engine.defaultDevice(), batch, steps);
        System.out.printf("%-16s %6s %12s %10s %10s %10s %10s %8s%n", "model", "input", "params", "MFLOP/img",
                "img/s", "GFLOP/s", "norm ms", "norm %");
        for (String m : models) {
            String[] parts = m.split(":");
            ModelSpec spec = new ModelSpec(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), 7, 0.5,
                    parts.length > 3 ? Double.parseDouble(parts[3]) : 1.0);
            measure(spec, batch, steps);
        }
    }

    private static void measure(ModelSpec spec, int batch, int steps) {
        FerModel ferModel = Models.build(spec);
        Device device = Engine.getInstance().defaultDevice();
        try (Model model = Model.newInstance("bench", device); NDManager state = NDManager.newBaseManager(device)) {
            model.setBlock(ferModel.block());
            AdamW optimizer = new AdamW(ferModel.block(), state, 1e-4);
            optimizer.setLearningRate(1e-3);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(optimizer).optDevices(new Device[] {device}))) {
                trainer.initialize(spec.inputShape(batch));
                long flops = Flops.count(ferModel, spec);
                FerLoss loss = new FerLoss(7, 0, false, 0, null);
                long start = 0;
                long normNanos = 0;
                for (int s = 0; s < steps + 2; s++) {
                    if (s == 2) {
                        start = System.nanoTime();
                        normNanos = 0;
                    }
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        NDArray x = m.randomNormal(spec.inputShape(batch));
                        NDArray y = m.randomInteger(0, 7, new Shape(batch), ai.djl.ndarray.types.DataType.INT32);
                        try (GradientCollector c = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                            c.backward(loss.compute(logits, loss.targets(y)));
                        }
                        long normStart = System.nanoTime();
                        double norm = TrainingRun.clipGradients(trainer, 0);
                        normNanos += System.nanoTime() - normStart;
                        if (!Double.isFinite(norm)) {
                            throw new IllegalStateException(spec.name() + ": gradient norm " + norm);
                        }
                        trainer.step();
                    }
                }
                long nanos = System.nanoTime() - start;
                double imagesPerSecond = (double) batch * steps / (nanos / 1e9);
                System.out.printf("%-16s %6s %12d %10.1f %10.1f %10.2f %10.2f %8.2f%n",
                        spec.width() == 1.0 ? spec.name() : spec.name() + "@" + spec.width(),
                        spec.inputChannels() + "x" + spec.inputSize(), ferModel.trainableParameterCount(), flops / 1e6,
                        imagesPerSecond, 3.0 * flops * imagesPerSecond / 1e9, normNanos / 1e6 / steps,
                        100.0 * normNanos / nanos);
            }
        }
    }
}
