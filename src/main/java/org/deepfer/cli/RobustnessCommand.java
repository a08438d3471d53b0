package org.deepfer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepfer.config.ConfigException;
import org.deepfer.robustness.Perturbation;
import org.deepfer.robustness.RobustnessJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer robustness}: accuracy of a trained model under perturbations of its input. */
@Command(name = "robustness", mixinStandardHelpOptions = true,
        header = "Score a model on perturbed faces (light, occlusion, blur).",
        description = {"Score a trained model on a labeled split (test if labeled, else validation) clean and",
            "under perturbations at 3 severities each: lighting (brightness, gamma, contrast), occlusion",
            "(random patch, eyes band, mouth band), rotation, blur, noise, JPEG, downscale. Writes",
            "results/robustness.json, results/robustness.png and rows of the Delta table 'robustness'."})
final class RobustnessCommand extends ModelJobCommand {
    @Option(names = "--model", paramLabel = "MODEL_DIR", description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    @Option(names = "--split", paramLabel = "SPLIT", description = "test | validation | train.")
    String split;

    @Option(names = "--perturbations", paramLabel = "NAMES", split = ",",
            description = "Only these (comma-separated), e.g. occlusion_eyes,blur. Default: all.")
    List<String> perturbations;

    @Option(names = "--max-faces", paramLabel = "N", defaultValue = "0",
            description = "Score at most N faces of the split (the first by id); 0 = all. Default: ${DEFAULT-VALUE}.")
    int maxFaces;

    @Mixin
    InferenceOptions inference;

    private RobustnessJob.Options options;

    @Override
    String jobName() {
        return "robustness";
    }

    @Override
    List<String> shortcuts() {
        options = options();
        return super.shortcuts();
    }

    private RobustnessJob.Options options() {
        Path dir = modelDir(model, "--model", "robustness");
        List<Perturbation> kinds = new ArrayList<>();
        for (String name : perturbations == null ? List.<String>of() : perturbations) {
            try {
                kinds.add(Perturbation.parse(name));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--perturbations: " + e.getMessage());
            }
        }
        if (maxFaces < 0) {
            throw new ConfigException("--max-faces " + maxFaces + ": expected 0 (all) or more");
        }
        return new RobustnessJob.Options(dir, split(split), inference.tableVersion(), kinds, inference.tta(),
                inference.batchSize(), maxFaces);
    }

    @Override
    void execute(Warehouse warehouse) {
        print(new RobustnessJob(warehouse, options).run(), warehouse);
    }

    static void print(RobustnessJob.Result r, Warehouse warehouse) {
        System.out.printf(Locale.ROOT, "%nrobustness: model %s on %,d faces of the %s split (faces version %d)%n",
                r.modelId(), r.clean().faces(), r.split(), r.inputVersion());
        System.out.printf(Locale.ROOT, "  %-17s %8s %10s %9s %9s%n", "perturbation", "severity", "level", "accuracy",
                "drop");
        System.out.printf(Locale.ROOT, "  %-17s %8s %10s %9.4f %9s%n", "clean", "-", "-", r.clean().accuracy(), "-");
        for (RobustnessJob.Score s : r.perturbed()) {
            System.out.printf(Locale.ROOT, "  %-17s %8d %10.3g %9.4f %+9.4f%n", s.perturbation(), s.severity(),
                    s.level(), s.accuracy(), -s.accuracyDrop());
        }
        System.out.printf(Locale.ROOT, "  mean accuracy under perturbation %.4f (clean %.4f)%n", r.meanAccuracy(),
                r.clean().accuracy());
        System.out.printf("  report %s (+ robustness.png), table %s%n", r.report(), warehouse.path(RobustnessJob.TABLE));
    }
}
