package org.deepfer.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.export.ExportedModel;
import org.deepfer.export.OnnxExporter;
import org.deepfer.export.OnnxParity;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.RunContext;
import org.deepfer.train.model.FerModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code deepfer export}: a trained model as an ONNX file for ONNX Runtime, checked against DJL
 * before it is written. Needs no Spark session.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a trained model directory as ONNX (opset " + OnnxExporter.OPSET + ") for ONNX Runtime:",
            "raw gray faces 0..255 in, class probabilities out; the model's preprocessing,",
            "its batch norms folded into the convolutions and an optional softmax",
            "temperature are in the graph. Random faces go through ONNX Runtime and DJL",
            "first: if any probability differs by more than 1e-4, nothing is written.",
            "Writes <model>/model.onnx (or --out) and model.onnx.json beside it: classes,",
            "input shape, normalization, temperature, the check and provenance."})
final class ExportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    // Checked in call() rather than by picocli, so that `export --help` works without it.
    @Option(names = "--model", paramLabel = "MODEL_DIR",
            description = "A model directory written by train (models/<id>); required.")
    Path model;

    @Option(names = "--out", paramLabel = "FILE", description = "The ONNX file to write (default: <model>/model.onnx).")
    Path out;

    @ArgGroup(exclusive = true)
    TemperatureChoice temperatureChoice;

    /** --temperature or --calibrated, not both. */
    static final class TemperatureChoice {
        @Option(names = "--temperature", paramLabel = "T",
                description = "Softmax temperature in the graph: probabilities = softmax(logits / T). Default: 1.")
        Double temperature;

        @Option(names = "--calibrated",
                description = "Use the temperature in the model's calibration.json (written by evaluate); T = 1"
                        + " if it has none.")
        boolean calibrated;
    }

    @Option(names = "--verify-faces", paramLabel = "N", defaultValue = "32",
            description = "Random faces the export is checked on. Default: ${DEFAULT-VALUE}.")
    int verifyFaces;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "20240601",
            description = "Seed of the random faces. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime threads for the check; 0 = its default. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Override
    public Integer call() {
        ModelBundle bundle = bundle();
        double temperature = temperature(bundle);
        if (verifyFaces < 1) {
            throw new ConfigException("--verify-faces " + verifyFaces + ": expected 1 or more");
        }
        if (threads < 0) {
            throw new ConfigException("--threads " + threads + ": expected 0 (default) or more");
        }
        Path file = out != null ? out.toAbsolutePath() : bundle.dir().resolve("model.onnx");
        DeepFerConfig config = configOptions.load(new ArrayList<>());
        RunContext run = RunContext.start("export", config);
        try {
            OnnxSidecar written = export(bundle, temperature, file, run);
            run.finish(null);
            print(written, file, run);
            return 0;
        } catch (RuntimeException e) {
            run.finish(e);
            throw e;
        }
    }

    private OnnxSidecar export(ModelBundle bundle, double temperature, Path file, RunContext run) {
        OnnxExporter exporter = new OnnxExporter(OnnxExporter.Settings.of(bundle, temperature));
        ExportedModel exported;
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel loaded = bundle.loadModel(manager);
            exported = run.time("export", () -> exporter.export(loaded));
        }
        byte[] bytes = exported.bytes();
        OnnxParity.Result check = run.time("verify",
                () -> OnnxParity.check(bundle, temperature, bytes, verifyFaces, seed, threads));
        run.fact("maxAbsProbabilityDiff", check.maxAbsDiff());
        run.fact("top1Agreements", check.top1Agreements() + "/" + check.faces());
        if (!check.withinTolerance()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "export of %s failed its check: on %d random"
                    + " faces (seed %d) ONNX Runtime and DJL differ by up to %.3g in a class probability (tolerance"
                    + " %.0g; top-1 agreed on %d); nothing was written", bundle.dir(), check.faces(), seed,
                    check.maxAbsDiff(), OnnxParity.TOLERANCE, check.top1Agreements()));
        }
        return exported.write(file, run, new OnnxSidecar.Verification(check.faces(), seed, check.maxAbsDiff(),
                check.top1Agreements(), OnnxParity.TOLERANCE));
    }

    private ModelBundle bundle() {
        if (model == null) {
            throw new ConfigException("export needs --model <model directory>, e.g. --model models/<id>");
        }
        try {
            return ModelBundle.load(model);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--model " + model + ": " + e.getMessage(), e);
        }
    }

    private double temperature(ModelBundle bundle) {
        if (temperatureChoice == null) {
            return 1.0;
        }
        if (temperatureChoice.calibrated) {
            Optional<ModelCalibration> calibration;
            try {
                calibration = ModelCalibration.read(bundle.dir());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--calibrated: " + e.getMessage(), e);
            }
            if (calibration.isEmpty()) {
                System.out.println("export: " + bundle.dir() + " has no " + ModelCalibration.FILE
                        + " (run evaluate to fit one); exporting with temperature 1");
            }
            return calibration.map(ModelCalibration::temperature).orElse(1.0);
        }
        double t = temperatureChoice.temperature;
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new ConfigException("--temperature " + t + ": expected a positive number (1 = as trained)");
        }
        return t;
    }

    private static void print(OnnxSidecar s, Path file, RunContext run) {
        System.out.printf("%nexport: model %s (%s) -> %s%n", s.modelId(), s.architecture(), file);
        System.out.printf(Locale.ROOT, "  input       %s float32 %s, raw gray 0..255%n", s.input().name(),
                s.input().shape());
        System.out.printf(Locale.ROOT, "  output      %s %s, temperature %s%n", s.output().name(), s.output().shape(),
                s.temperature());
        System.out.printf(Locale.ROOT, "  check       %d random faces: max |p_onnx - p_djl| = %.3g, top-1 agreement"
                + " %d/%d%n", s.verification().faces(), s.verification().maxAbsDiff(),
                s.verification().top1Agreements(), s.verification().faces());
        System.out.printf("  sidecar     %s%n", ExportedModel.sidecarFile(file));
        System.out.printf("  run         %s%n", run.dir());
    }
}
