package org.deepfer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingRun;
import org.deepfer.train.dl4j.Dl4jSparkTrainJob;
import org.deepfer.train.model.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deepfer train}: a model trained on the faces table with DJL, or with DL4J on Spark. */
@Command(name = "train", mixinStandardHelpOptions = true,
        header = "Train a model with DJL; checkpoints every epoch, --resume.",
        description = {"Train a model on the Delta table 'faces' (train split; validation split for model",
            "selection) with DJL on PyTorch. Plain: --epochs. Transfer learning: --epochs_head N (backbone",
            "frozen) then --epochs_ft M (fine-tuning at a lower rate). Checkpoints every epoch;",
            "--resume models/<id> continues a run exactly. Writes models/<id>/ and Delta 'training_history'.",
            "--engine dl4j-spark trains the baseline data-parallel with Deeplearning4j on Spark instead."})
final class TrainCommand extends SparkJobCommand {
    @Option(names = "--backbone", paramLabel = "NAME",
            description = "baseline | vgg-fer | resnet18 | resnet50 | mobilenetv2 | efficientnet-b0 | efficientnet-b3")
    String backbone;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs of plain training.")
    Integer epochs;

    @Option(names = {"--epochs_head", "--epochs-head"}, paramLabel = "N", description = "Head-only epochs.")
    Integer epochsHead;

    @Option(names = {"--epochs_ft", "--epochs-ft"}, paramLabel = "N", description = "Fine-tuning epochs.")
    Integer epochsFt;

    @Option(names = {"--batch_size", "--batch-size"}, paramLabel = "N", description = "Batch size.")
    Integer batchSize;

    @Option(names = {"--lr", "--learning-rate"}, paramLabel = "RATE", description = "Base learning rate.")
    Double learningRate;

    @Option(names = "--device", paramLabel = "DEVICE", description = "auto | cpu | gpu")
    String device;

    @Option(names = "--pretrained", paramLabel = "PATH", description = "Model directory or .params file to start from.")
    String pretrained;

    @Option(names = "--teacher", paramLabel = "MODEL_DIR[,MODEL_DIR...]",
            description = "Distil from this trained model directory, or from several as an ensemble (the mean of"
                    + " their probabilities) (train.teacher; see train.distillAlpha, train.distillTemperature).")
    String teacher;

    @Option(names = "--engine", paramLabel = "ENGINE",
            description = "djl (one node, GPU when present) | dl4j-spark (DL4J data-parallel Spark training; baseline)")
    String engine;

    @Option(names = "--resume", paramLabel = "MODEL_DIR",
            description = "Continue the run in this model directory from its last checkpoint, with its own config.")
    Path resume;

    @Override
    String jobName() {
        return "train";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        if (resume != null) {
            if (!Files.isRegularFile(resume.resolve("config.yaml"))) {
                throw new ConfigException("--resume " + resume + ": no config.yaml there (not a model directory)");
            }
            // A resumed run uses exactly the config it started with.
            configOptions.file = resume.resolve("config.yaml");
            return s;
        }
        addIfSet(s, "train.backbone", backbone);
        addIfSet(s, "train.epochs", epochs);
        addIfSet(s, "train.epochsHead", epochsHead);
        addIfSet(s, "train.epochsFt", epochsFt);
        addIfSet(s, "train.batchSize", batchSize);
        addIfSet(s, "train.learningRate", learningRate);
        addIfSet(s, "train.device", device);
        addIfSet(s, "train.pretrained", pretrained);
        addIfSet(s, "train.teacher", teacher);
        addIfSet(s, "train.engine", engine);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        String name = warehouse.run().config().train().backbone();
        if (!Models.NAMES.contains(name.toLowerCase(java.util.Locale.ROOT))) {
            throw new ConfigException("train.backbone '" + name + "' is not one of " + Models.NAMES);
        }
        DeepFerConfig config = warehouse.run().config();
        TrainingRun.Result r = train(warehouse, resume);
        System.out.printf("%ntrain: %s (%s), %d epochs in %.0fs%n", config.train().backbone(),
                config.train().engine(), r.epochsDone(), r.trainSeconds());
        if (r.best() != null) {
            System.out.printf("  best validation (epoch %d): accuracy %.4f, macro-F1 %.4f%n", r.bestEpoch(),
                    r.best().valAccuracy(), r.best().valMacroF1());
        }
        System.out.printf("  model       -> %s (MODEL_CARD.md, curves.png, tensorboard/)%n", r.modelDir());
        System.out.printf("  history     -> %s%n", warehouse.path(TrainJob.HISTORY_TABLE));
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }

    /** Trains with the engine train.engine names (also the pipeline's train stage). */
    static TrainingRun.Result train(Warehouse warehouse, Path resume) {
        return warehouse.run().config().train().engine().equals("dl4j-spark")
                ? new Dl4jSparkTrainJob(warehouse, resume).run()
                : new TrainJob(warehouse, resume).run();
    }
}
