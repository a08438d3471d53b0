package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.deepfer.config.ConfigException;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.PredictJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer predict}: a trained model run over the faces table, one prediction per face. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        header = "Predict the faces table with a model into 'predictions'.",
        description = {"Predict every face of the Delta table 'faces' (or one --split, at its latest or a",
            "--table-version) with a trained model directory, distributed over all cores (one model per",
            "partition). Appends to the Delta table 'predictions': probabilities per class, prediction,",
            "confidence, the true label, and the model, table version and settings that made each row."})
final class PredictCommand extends ModelJobCommand {
    // Checked in options() rather than by picocli, so that `predict --help` works without it.
    @Option(names = "--model", paramLabel = "MODEL_DIR",
            description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    @Option(names = "--split", paramLabel = "SPLIT", description = "Only this split: train | validation | test.")
    String split;

    @Mixin
    InferenceOptions inference;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Softmax temperature: probabilities = softmax(logits / T). Default: ${DEFAULT-VALUE}.")
    double temperature;

    private PredictJob.Options options;

    @Override
    String jobName() {
        return "predict";
    }

    @Override
    List<String> shortcuts() {
        // Checked before a Spark session starts, so a typo costs nothing.
        options = options();
        return super.shortcuts();
    }

    private PredictJob.Options options() {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new ConfigException("--temperature " + temperature + ": expected a positive number (1 = as trained)");
        }
        return new PredictJob.Options(modelDir(model, "--model", "predict"), split(split), inference.tableVersion(),
                new FacePredictor.Settings(inference.tta(), temperature, inference.batchSize()));
    }

    @Override
    void execute(Warehouse warehouse) {
        PredictJob.Summary s = new PredictJob(warehouse, options).run();
        System.out.printf("%npredict: model %s on faces version %d%s, tta %s, temperature %s%n", s.modelId(),
                s.inputVersion(), options.split() == null ? "" : " (" + options.split() + ")",
                options.settings().tta().label(), options.settings().temperature());
        System.out.printf(Locale.ROOT, "  %,d faces in %.1fs (%.0f images/s)%n", s.rows(), s.seconds(),
                s.imagesPerSecond());
        if (s.labeled() > 0) {
            System.out.printf(Locale.ROOT, "  accuracy    %.4f on %,d labeled faces%n", s.accuracy(), s.labeled());
        }
        System.out.printf("  predictions -> %s (version %d, run_id %s)%n", s.table(), s.tableVersion(), s.runId());
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }
}
