package org.deepfer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepfer.config.ConfigException;
import org.deepfer.ship.DefaultModel;
import org.deepfer.ship.ModelShipper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer ship}: a trained, exported model into the repository as the default model. */
@Command(name = "ship", mixinStandardHelpOptions = true,
        header = "Put an exported model in models/ with card and fixture.",
        description = {"Ship an exported model directory into the repository (default: models/default, which predict,",
            "evaluate, robustness, explain, realtime and serve use when given no --model): the ONNX file and",
            "its sidecar, the DJL parameters (unless --no-djl-params), config, classes, normalization,",
            "calibration, int8 file and training history; a fixture (procedural faces and the probabilities",
            "DJL and ONNX Runtime give them, checked by ShippedModelTest) and MODEL_CARD.md from the",
            "evaluation and robustness reports.",
            "Assembled beside the target and swapped in at the end; refused above --max-mb."})
final class ShipCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--model", paramLabel = "MODEL_DIR", required = true,
            description = "The model directory to ship (exported: model.onnx beside its parameters).")
    Path model;

    @Option(names = "--to", paramLabel = "DIR", description = "Where it goes. Default: models/default.")
    Path to;

    @Option(names = "--title", paramLabel = "TEXT", description = "The model card's heading.")
    String title;

    @Option(names = "--evaluation", paramLabel = "FILE",
            description = "A final_eval.json of this model for the card (repeatable: e.g. plain and --tta flip).")
    List<Path> evaluations = new ArrayList<>();

    @Option(names = "--robustness", paramLabel = "FILE", description = "Its robustness.json for the card.")
    Path robustness;

    @Option(names = "--twin-evaluation", paramLabel = "FILE",
            description = {"For a final fit (train.includeValidation), which has no held-out figure of its own: a",
                "final_eval.json of its twin, the same recipe trained with validation held out (repeatable). The",
                "card leads with these and names the settings in which the twin differs."})
    List<Path> twinEvaluations = new ArrayList<>();

    @Option(names = "--twin-robustness", paramLabel = "FILE", description = "The twin's robustness.json for the card.")
    Path twinRobustness;

    @Option(names = "--no-int8", description = "Leave model.int8.onnx out even when the model has one.")
    boolean noInt8;

    @Option(names = "--no-djl-params",
            description = {"Leave model.params out: DJL then reads the weights from model.onnx, batch norms folded",
                "(it predicts the same but cannot continue training). One copy of the weights, for a model",
                "whose two copies do not fit --max-mb."})
    boolean noDjlParams;

    @Option(names = "--max-mb", paramLabel = "MB", defaultValue = "25",
            description = "Size budget of the shipped directory in MB. Default: ${DEFAULT-VALUE}.")
    double maxMb;

    @Option(names = "--replace", description = "Replace what is at the target.")
    boolean replace;

    @Override
    public Integer call() {
        configOptions.load(new ArrayList<>());
        if (!(maxMb > 0)) {
            throw new ConfigException("--max-mb " + maxMb + ": expected a positive size");
        }
        Path target = to != null ? to : DefaultModel.DIR;
        String heading = title != null ? title : "DeepFER model " + target.getFileName() + " (from "
                + model.toAbsolutePath().normalize().getFileName() + ")";
        ModelShipper.Result r;
        try {
            r = new ModelShipper().ship(new ModelShipper.Options(model, target, heading, evaluations, robustness,
                    twinEvaluations, twinRobustness, !noInt8, !noDjlParams, (long) (maxMb * 1e6), replace));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ship: " + e.getMessage(), e);
        }
        System.out.printf(Locale.ROOT, "%nship: %s -> %s (%.2f MB)%n", model, r.target(), r.bytes() / 1e6);
        for (Map.Entry<String, Long> f : r.files().entrySet()) {
            System.out.printf(Locale.ROOT, "  %-34s %,12d bytes%n", f.getKey(), f.getValue());
        }
        System.out.printf(Locale.ROOT, "  fixture: %d faces recorded (DJL and ONNX Runtime agree); commit %s%n",
                r.fixture().faces().size(), target);
        return 0;
    }
}
