package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.deepfer.evaluate.EvaluateJob;
import org.deepfer.evaluate.Evaluation;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer evaluate}: the plan's evaluation of a trained model on a labeled split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        header = "Score a model: metrics, confusion matrix, calibration.",
        description = {"Evaluate a trained model on a labeled split of the faces table (test when it has",
            "labels, else validation): accuracy, top-2, per-class precision/recall/F1, macro and",
            "weighted F1, ROC-AUC and PR-AUC, confusion matrix, ECE/MCE. Fits a temperature on the",
            "validation split and saves it with the model (calibration.json). Writes",
            "results/final_eval.json, results/classification_report.txt, PNGs (confusion matrix, ROC",
            "curves, reliability diagrams) and a row of the Delta table 'evaluations'; the predictions",
            "are appended to 'predictions'."})
final class EvaluateCommand extends ModelJobCommand {
    @Option(names = "--model", paramLabel = "MODEL_DIR",
            description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    @Option(names = "--split", paramLabel = "SPLIT",
            description = "The split to measure: test | validation | train. Default: test if labeled, else validation.")
    String split;

    @Mixin
    InferenceOptions inference;

    private EvaluateJob.Options options;

    @Override
    String jobName() {
        return "evaluate";
    }

    @Override
    List<String> shortcuts() {
        options = options();
        return super.shortcuts();
    }

    private EvaluateJob.Options options() {
        return new EvaluateJob.Options(modelDir(model, "--model", "evaluate"), split(split), inference.tableVersion(),
                inference.tta(), inference.batchSize());
    }

    @Override
    void execute(Warehouse warehouse) {
        print(new EvaluateJob(warehouse, options).run(), warehouse);
    }

    static void print(EvaluateJob.Result r, Warehouse warehouse) {
        Evaluation e = r.evaluation();
        System.out.printf("%nevaluate: model %s on the %s split of faces version %d, tta %s%n%n", r.modelId(),
                r.split(), r.inputVersion(), r.tta());
        System.out.print(e.classificationReport());
        System.out.printf(Locale.ROOT, "%n  top-2 accuracy   %.4f%n", e.top2Accuracy());
        System.out.printf(Locale.ROOT, "  macro ROC-AUC    %.4f   macro PR-AUC %.4f%n", e.macroRocAuc(),
                e.macroAveragePrecision());
        System.out.printf(Locale.ROOT, "  ECE / MCE        %.4f / %.4f at T=1%n",
                e.calibration().expectedCalibrationError(), e.calibration().maximumCalibrationError());
        if (r.calibration() == null) {
            System.out.println("  temperature      none (no held-out validation faces to fit one, and the model has no"
                    + " calibration.json)");
        } else {
            System.out.printf(Locale.ROOT, "  temperature      %.3f (fitted on %s of faces v%d) -> ECE %.4f, NLL %.4f -> %.4f%n",
                    r.calibration().temperature(), r.calibration().split(), r.calibration().tableVersion(),
                    r.calibrated().calibration().expectedCalibrationError(), e.negativeLogLikelihood(),
                    r.calibrated().negativeLogLikelihood());
        }
        System.out.printf("  report           %s (+ classification_report.txt, PNGs)%n", r.report());
        System.out.printf("  table            %s (version %d)%n", warehouse.path(EvaluateJob.TABLE), r.tableVersion());
        System.out.printf("  run              %s%n", warehouse.run().dir());
    }
}
