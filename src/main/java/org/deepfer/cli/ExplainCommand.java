package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import org.deepfer.config.ConfigException;
import org.deepfer.explain.ExplainJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deepfer explain}: Grad-CAM and Score-CAM galleries of a trained model. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        header = "Show where a model looks: Grad-CAM and Score-CAM.",
        description = {"Heat maps of where a trained model looks: Grad-CAM and Score-CAM of the predicted",
            "class, for the --ids given or, per class, the most confident right and wrong predictions on",
            "a labeled split. Writes results/explain/<class>.png galleries and results/explain/explain.json."})
final class ExplainCommand extends ModelJobCommand {
    @Option(names = "--model", paramLabel = "MODEL_DIR", description = "A model directory written by train (models/<id>). Default: the shipped models/default.")
    Path model;

    @Option(names = "--split", paramLabel = "SPLIT", description = "test | validation | train (default: test if labeled, else validation).")
    String split;

    @Option(names = "--ids", paramLabel = "IDS", split = ",", description = "Explain exactly these face ids.")
    List<String> ids;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "4",
            description = "Right and wrong predictions shown per class. Default: ${DEFAULT-VALUE}.")
    int perClass;

    @Option(names = {"--table-version", "--as-of-version"}, paramLabel = "N",
            description = "Read this version of the faces table (Delta time travel).")
    Long version;

    private ExplainJob.Options options;

    @Override
    String jobName() {
        return "explain";
    }

    @Override
    List<String> shortcuts() {
        Path dir = modelDir(model, "--model", "explain");
        if (perClass < 1) {
            throw new ConfigException("--per-class " + perClass + ": expected 1 or more");
        }
        options = new ExplainJob.Options(dir, split(split), tableVersion(version), ids, perClass, 64);
        return super.shortcuts();
    }

    @Override
    void execute(Warehouse warehouse) {
        print(new ExplainJob(warehouse, options).run());
    }

    static void print(ExplainJob.Result r) {
        System.out.printf("%nexplain: model %s, %d faces (%s split, faces version %d)%n", r.modelId(), r.faces().size(),
                r.split(), r.inputVersion());
        for (Path p : r.galleries()) {
            System.out.printf("  %s%n", p);
        }
    }
}
