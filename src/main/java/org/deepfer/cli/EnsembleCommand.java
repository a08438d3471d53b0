package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.deepfer.config.ConfigException;
import org.deepfer.evaluate.EnsembleJob;
import org.deepfer.evaluate.Evaluation;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer ensemble}: several models' probabilities combined and evaluated as one. */
@Command(name = "ensemble", mixinStandardHelpOptions = true,
        header = "Average several models' probabilities and evaluate.",
        description = {"Average the class probabilities of several trained models (equally, or with weights",
            "fitted on the validation split) and evaluate the mixture like evaluate does. Writes",
            "results/ensemble.json, results/ensemble_final_eval.json, ensemble_ reports and PNGs, and a",
            "row of the Delta table 'evaluations'."})
final class EnsembleCommand extends ModelJobCommand {
    @Option(names = "--models", paramLabel = "DIRS", split = ",", required = false,
            description = "Two or more model directories, comma-separated; required.")
    List<Path> models;

    @Option(names = "--weights", paramLabel = "MODE", defaultValue = "mean",
            description = "mean | fitted (minimum validation NLL). Default: ${DEFAULT-VALUE}.")
    String weights;

    @Option(names = "--split", paramLabel = "SPLIT", description = "test | validation | train.")
    String split;

    @Mixin
    InferenceOptions inference;

    private EnsembleJob.Options options;

    @Override
    String jobName() {
        return "ensemble";
    }

    @Override
    List<String> shortcuts() {
        if (models == null || models.size() < 2) {
            throw new ConfigException("ensemble needs --models <dir1>,<dir2>[,...] (two or more model directories)");
        }
        for (Path m : models) {
            modelDir(m, "--models", "ensemble");
        }
        EnsembleJob.Weighting weighting;
        try {
            weighting = EnsembleJob.Weighting.parse(weights);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        options = new EnsembleJob.Options(models, split(split), inference.tableVersion(), inference.tta(), inference.batchSize(), weighting);
        return super.shortcuts();
    }

    @Override
    void execute(Warehouse warehouse) {
        EnsembleJob.Result r = new EnsembleJob(warehouse, options).run();
        Evaluation e = r.evaluation().evaluation();
        System.out.printf("%nensemble of %d models on the %s split (faces version %d), tta %s%n", r.members().size(),
                r.evaluation().split(), r.evaluation().inputVersion(), r.evaluation().tta());
        for (EnsembleJob.Member m : r.members()) {
            System.out.printf(Locale.ROOT, "  %-28s %-16s weight %.3f  alone: accuracy %.4f, macro-F1 %.4f%n",
                    m.modelId(), m.backbone(), m.weight(), m.accuracy(), m.macroF1());
        }
        System.out.printf(Locale.ROOT, "  ensemble: accuracy %.4f, macro-F1 %.4f, top-2 %.4f, ECE %.4f -> %.4f (T=%.3f)%n",
                e.accuracy(), e.macroAverage().f1(), e.top2Accuracy(), e.calibration().expectedCalibrationError(),
                r.evaluation().calibrated().calibration().expectedCalibrationError(),
                r.evaluation().calibration().temperature());
        if (r.weightsSeenScoredFaces()) {
            System.out.printf("  optimistic: the weights were fitted on these same %s faces (--weights mean, or a"
                    + " labeled test split, gives a fair score)%n", r.evaluation().split());
        }
        System.out.printf("  report %s%n", r.report());
    }
}
