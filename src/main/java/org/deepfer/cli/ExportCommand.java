package org.deepfer.cli;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.export.CalibrationFaces;
import org.deepfer.export.ExportedModel;
import org.deepfer.export.Int8Quantizer;
import org.deepfer.export.OnnxExporter;
import org.deepfer.export.OnnxParity;
import org.deepfer.export.OnnxRunner;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.export.OnnxWeights;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.RunContext;
import org.deepfer.spark.SparkSessions;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.model.FerModel;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code deepfer export}: a trained model as an ONNX file for ONNX Runtime, checked against DJL
 * before it is written; with {@code --int8}, also its int8 quantization, calibrated on real faces
 * and checked against the fp32 file. Needs a Spark session only to read calibration faces from the
 * faces table.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        header = "Export a trained model as ONNX (fp32, float16, int8).",
        description = {"Export a trained model directory as ONNX (opset " + OnnxExporter.OPSET + ") for ONNX Runtime:",
            "raw gray faces 0..255 in, class probabilities out; the model's preprocessing,",
            "its batch norms folded into the convolutions and an optional softmax",
            "temperature are in the graph. Random faces go through ONNX Runtime and DJL",
            "first: if any probability differs by more than 1e-4, nothing is written.",
            "Writes <model>/model.onnx (or --out) and model.onnx.json beside it: classes,",
            "input shape, normalization, temperature, the check and provenance.",
            "With --int8, also model.int8.onnx (+ .json): weights int8 per channel, activations",
            "uint8 with ranges measured on real training faces; ONNX Runtime runs its convolutions",
            "as QLinearConv. It is checked against model.onnx on " + ExportCommand.INT8_CHECK_FACES
                    + " other faces and not written",
            "if fewer than " + ExportCommand.INT8_MIN_AGREEMENT_PERCENT + "% of them keep their most probable class.",
            "With --fp16-weights, model.onnx stores its weights as float16 (half the file) and casts",
            "them to float32 as it loads; checked against the float32 export on the same random faces."})
final class ExportCommand implements Callable<Integer> {
    /** Faces after the calibration sample on which the int8 model is compared with fp32. */
    static final int INT8_CHECK_FACES = 256;
    /** The least share of those faces whose most probable class int8 must keep, in percent. */
    static final int INT8_MIN_AGREEMENT_PERCENT = 90;
    static final int DEFAULT_CALIBRATION_FACES = 512;
    /** Calibration faces the per-layer sensitivity of --int8-keep-float is measured on. */
    static final int SENSITIVITY_FACES = 256;
    /** The largest probability change float16 weights may make on the check's faces. */
    static final double HALF_PRECISION_TOLERANCE = 0.01;

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
            description = "ONNX Runtime threads for the checks and calibration; 0 = its default."
                    + " Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--int8",
            description = "Also write the int8 model (model.int8.onnx beside the fp32 file, and its sidecar).")
    boolean int8;

    @Option(names = "--fp16-weights",
            description = {"Store the weights as float16: half the file, for shipping within a size budget. The graph",
                "still computes in float32 (each weight is cast back as the file loads), and DJL can read the",
                "weights back from it; refused if a probability moves by more than " + HALF_PRECISION_TOLERANCE,
                "from the float32 export's on the check's faces."})
    boolean fp16Weights;

    @Option(names = "--calibration-faces", paramLabel = "N",
            description = "Faces the int8 activation ranges are measured on: the first N of the training split"
                    + " of the faces table at paths.warehouse in xxhash64(id) order (or of --calibration-dir)."
                    + " Default: " + DEFAULT_CALIBRATION_FACES + ".")
    Integer calibrationFaces;

    @Option(names = "--calibration-dir", paramLabel = "DIR",
            description = "Calibrate on the images under DIR (any depth; .jpg, .png, .bmp; a fixed shuffle)"
                    + " instead of the faces table; needs no Spark.")
    Path calibrationDir;

    @Option(names = "--int8-ranges", paramLabel = "METHOD", defaultValue = "min-max",
            description = "How activation ranges are measured: min-max, or percentile (the middle "
                    + Int8Quantizer.DEFAULT_PERCENTILE_TEXT + " of the values). Default: ${DEFAULT-VALUE}.")
    String int8Ranges;

    @Option(names = "--int8-keep-float", paramLabel = "N", defaultValue = "1",
            description = {"Keep the N layers float whose quantization alone moves the probabilities most,",
                "measured by quantizing one layer at a time on " + SENSITIVITY_FACES + " calibration faces; the table is printed.",
                "On FER2013 models that is the first convolution, by far (0 = every Conv and Gemm int8).",
                "Default: ${DEFAULT-VALUE}."})
    int int8KeepFloat;

    @Override
    public Integer call() {
        return run(configOptions.load(new ArrayList<>()));
    }

    /**
     * Exports {@code modelDir} as the pipeline's export stage does: {@code model.onnx} beside its
     * parameters, at the temperature evaluate calibrated (1 if none), checked against DJL.
     *
     * @return the ONNX file
     */
    static Path exportModel(Path modelDir, DeepFerConfig config) {
        ExportCommand command = new ExportCommand();
        new CommandLine(command).parseArgs("--model", modelDir.toString(), "--calibrated");
        command.run(config);
        return modelDir.resolve(ModelBundle.ONNX);
    }

    private int run(DeepFerConfig config) {
        ModelBundle bundle = bundle();
        double temperature = temperature(bundle);
        if (verifyFaces < 1) {
            throw new ConfigException("--verify-faces " + verifyFaces + ": expected 1 or more");
        }
        if (threads < 0) {
            throw new ConfigException("--threads " + threads + ": expected 0 (default) or more");
        }
        Int8Quantizer.Settings int8Settings = int8Settings();
        if (fp16Weights && int8) {
            throw new ConfigException("--fp16-weights and --int8: the int8 model is quantized from float32 weights"
                    + " and checked against the float32 file; export the two separately");
        }
        Path file = out != null ? out.toAbsolutePath() : bundle.dir().resolve(ModelBundle.ONNX);
        RunContext run = RunContext.start("export", config);
        try {
            Checked fp32 = export(bundle, temperature, run);
            ExportedModel chosen = fp16Weights ? halfPrecision(fp32, run) : fp32.exported();
            OnnxSidecar written = chosen.write(file, run, fp32.verification());
            OnnxSidecar int8Written = int8
                    ? exportInt8(fp32.exported(), written, file, int8Settings, config, run) : null;
            run.finish(null);
            print(written, file, run);
            if (int8Written != null) {
                printInt8(int8Written, file);
            }
            return 0;
        } catch (RuntimeException e) {
            run.finish(e);
            throw e;
        }
    }

    /** An fp32 export and how it compared with DJL. */
    private record Checked(ExportedModel exported, OnnxSidecar.Verification verification) {}

    /** The fp32 export, checked against DJL. */
    private Checked export(ModelBundle bundle, double temperature, RunContext run) {
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
        return new Checked(exported, new OnnxSidecar.Verification(check.faces(), seed, check.maxAbsDiff(),
                check.top1Agreements(), OnnxParity.TOLERANCE));
    }

    /**
     * {@code fp32} with float16 weights, compared with it on the faces of its check.
     *
     * @throws IllegalStateException when a probability moves by more than {@link #HALF_PRECISION_TOLERANCE}
     */
    private ExportedModel halfPrecision(Checked fp32, RunContext run) {
        OnnxMl.ModelProto halved = run.time("float16", () -> OnnxWeights.halfPrecision(fp32.exported().model()));
        OnnxSidecar.Verification v = fp32.verification();
        int size = Math.toIntExact(fp32.exported().sidecar().input().shape().get(2));
        OnnxParity.Result check = compare(fp32.exported().bytes(), halved.toByteArray(),
                OnnxParity.randomFaces(v.faces(), size, v.seed()));
        run.fact("float16MaxAbsProbabilityDiff", check.maxAbsDiff());
        run.fact("float16Top1Agreements", check.top1Agreements() + "/" + check.faces());
        if (!(check.maxAbsDiff() <= HALF_PRECISION_TOLERANCE)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "float16 weights move the probabilities of %s by"
                    + " up to %.3g on %d random faces (tolerance %s; top-1 agreed on %d); nothing was written: export"
                    + " without --fp16-weights", fp32.exported().sidecar().modelId(), check.maxAbsDiff(), check.faces(),
                    HALF_PRECISION_TOLERANCE, check.top1Agreements()));
        }
        return fp32.exported().halfPrecision(halved, new OnnxSidecar.HalfPrecision(OnnxWeights.storage(halved),
                check.faces(), check.maxAbsDiff(), check.top1Agreements(), HALF_PRECISION_TOLERANCE));
    }

    /**
     * Quantizes {@code fp32} on real faces, compares it with fp32 on the faces after the
     * calibration sample, and writes it beside {@code fp32File} if it agrees well enough.
     */
    private OnnxSidecar exportInt8(ExportedModel fp32, OnnxSidecar fp32Written, Path fp32File,
            Int8Quantizer.Settings settings, DeepFerConfig config, RunContext run) {
        int size = Math.toIntExact(fp32Written.input().shape().get(2));
        int count = calibrationFaces != null ? calibrationFaces : DEFAULT_CALIBRATION_FACES;
        CalibrationFaces.Sample sample = run.time("calibration-faces",
                () -> calibrationSample(config, run, count + INT8_CHECK_FACES, size));
        List<byte[]> calibration = sample.first(count);
        String calibrationSource = sample.source() + ": the first " + calibration.size();
        List<byte[]> check = sample.after(count);
        String checkSource = sample.source() + ": the " + check.size() + " after the calibration faces";
        if (check.isEmpty()) {
            check = calibration;
            checkSource = calibrationSource + ", the calibration faces themselves (there were no others)";
        }
        Int8Quantizer.Settings chosen = int8KeepFloat == 0 ? settings
                : settings.withFloatLayers(run.time("int8-sensitivity",
                        () -> mostSensitive(settings, fp32, calibration, run)));
        Int8Quantizer.Result quantized = run.time("quantize",
                () -> new Int8Quantizer(chosen).quantizeGray(fp32.model(), calibration));
        List<byte[]> checkFaces = check;
        OnnxParity.Result agreement = run.time("int8-check", () -> compare(fp32.bytes(), quantized.bytes(),
                checkFaces));
        run.fact("int8Top1Agreements", agreement.top1Agreements() + "/" + agreement.faces());
        run.fact("int8MaxAbsProbabilityDiff", agreement.maxAbsDiff());
        run.fact("int8MeanAbsProbabilityDiff", agreement.meanAbsDiff());
        double minAgreement = INT8_MIN_AGREEMENT_PERCENT / 100.0;
        if (agreement.top1Agreements() < minAgreement * agreement.faces()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the int8 model of %s failed its check: its"
                    + " most probable class agreed with fp32 on %d of %d faces (%s), fewer than %d%%; max |p_int8 -"
                    + " p_fp32| = %.3g; %s was written, its int8 model was not", fp32Written.modelId(),
                    agreement.top1Agreements(), agreement.faces(), checkSource, INT8_MIN_AGREEMENT_PERCENT,
                    agreement.maxAbsDiff(), fp32File));
        }
        OnnxSidecar.Quantization how = new OnnxSidecar.Quantization(Int8Quantizer.FORMAT
                + ": weights int8 symmetric per output channel, activations uint8 asymmetric per tensor",
                chosen.describe(), quantized.calibrationFaces(), calibrationSource, quantized.quantizedOps(),
                fp32File.getFileName().toString(), fp32Written.onnxSha256(), new OnnxSidecar.Agreement(
                        agreement.faces(), checkSource, agreement.top1Agreements(), agreement.maxAbsDiff(),
                        agreement.meanAbsDiff(), minAgreement));
        return fp32.int8(quantized.model(), how).write(ExportedModel.int8File(fp32File), run, null);
    }

    /** The {@code --int8-keep-float} layers that quantization disturbs most on {@code faces}, with the table printed. */
    private Set<String> mostSensitive(Int8Quantizer.Settings settings, ExportedModel fp32, List<byte[]> faces,
            RunContext run) {
        List<byte[]> sample = faces.subList(0, Math.min(faces.size(), SENSITIVITY_FACES));
        List<Int8Quantizer.LayerSensitivity> ranked = new Int8Quantizer(settings).sensitivity(fp32.model(), sample);
        if (int8KeepFloat >= ranked.size()) {
            throw new ConfigException("--int8-keep-float " + int8KeepFloat + ": the model has " + ranked.size()
                    + " quantizable layers; keeping them all float leaves nothing to quantize");
        }
        System.out.printf(Locale.ROOT, "%nint8 sensitivity: one layer quantized at a time, on %d calibration faces%n",
                sample.size());
        System.out.printf(Locale.ROOT, "  %-4s %-28s %-5s %14s %10s%n", "rank", "layer", "op", "mean|dp|", "top-1 kept");
        Set<String> keep = new LinkedHashSet<>();
        for (int r = 0; r < ranked.size(); r++) {
            Int8Quantizer.LayerSensitivity l = ranked.get(r);
            if (r < int8KeepFloat) {
                keep.add(l.layer());
            }
            if (r < int8KeepFloat + 5) {
                System.out.printf(Locale.ROOT, "  %-4d %-28s %-5s %14.5f %9.1f%%%s%n", r + 1, l.layer(), l.op(),
                        l.meanAbsDiff(), 100 * l.top1Agreement(), r < int8KeepFloat ? "  kept float" : "");
            }
        }
        run.fact("int8FloatLayers", String.join(",", keep));
        return keep;
    }

    /** {@code count} faces from --calibration-dir, or else from the faces table (through Spark). */
    private CalibrationFaces.Sample calibrationSample(DeepFerConfig config, RunContext run, int count, int size) {
        if (calibrationDir != null) {
            try {
                return CalibrationFaces.fromFolder(calibrationDir, count, size);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--calibration-dir " + calibrationDir + ": " + e.getMessage(), e);
            }
        }
        SparkSession spark;
        try {
            spark = SparkSessions.create(config, "export");
        } catch (IllegalAccessError e) {
            throw new ConfigException("reading calibration faces from the faces table needs Spark, and Spark needs"
                    + " Java's module openings (" + e.getMessage() + "): run export through ./spark-submit.sh,"
                    + " or give --calibration-dir <image folder>", e);
        }
        return CalibrationFaces.fromTable(new Warehouse(spark, config.paths().warehouse(), run), count, size);
    }

    /** Probabilities of both models (the fp32 one, and its int8 or float16 form) on {@code faces}, compared. */
    private OnnxParity.Result compare(byte[] fp32, byte[] candidate, List<byte[]> faces) {
        float[][] reference;
        try (OnnxRunner runner = OnnxRunner.open(fp32, threads)) {
            reference = runner.probabilitiesOfGray(faces);
        }
        try (OnnxRunner runner = OnnxRunner.open(candidate, threads)) {
            return OnnxParity.compare(reference, runner.probabilitiesOfGray(faces));
        }
    }

    /** The quantizer's settings from the options; null without --int8 (whose options then must not be given). */
    private Int8Quantizer.Settings int8Settings() {
        if (int8KeepFloat < 0) {
            throw new ConfigException("--int8-keep-float " + int8KeepFloat + ": expected 0 or more");
        }
        if (!int8) {
            if (calibrationFaces != null || calibrationDir != null) {
                throw new ConfigException((calibrationDir != null ? "--calibration-dir" : "--calibration-faces")
                        + " only applies to the int8 model; add --int8");
            }
            return null;
        }
        if (calibrationFaces != null && calibrationFaces < 1) {
            throw new ConfigException("--calibration-faces " + calibrationFaces + ": expected 1 or more");
        }
        Int8Quantizer.RangeMethod method;
        try {
            method = Int8Quantizer.RangeMethod.parse(int8Ranges);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--int8-ranges: " + e.getMessage(), e);
        }
        Int8Quantizer.Settings defaults = Int8Quantizer.Settings.defaults();
        return new Int8Quantizer.Settings(method, Int8Quantizer.DEFAULT_PERCENTILE, defaults.quantizeAdd(),
                defaults.batchSize(), threads, Set.of());
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
        if (s.halfPrecision() != null) {
            OnnxSidecar.HalfPrecision h = s.halfPrecision();
            System.out.printf(Locale.ROOT, "  weights     %s, %.2f MB: max |p_fp16 - p_fp32| = %.3g, top-1 agreement"
                    + " %d/%d%n", h.storage(), megabytes(file), h.maxAbsDiff(), h.top1Agreements(), h.faces());
        }
        System.out.printf("  sidecar     %s%n", ExportedModel.sidecarFile(file));
        System.out.printf("  run         %s%n", run.dir());
    }

    private static void printInt8(OnnxSidecar s, Path fp32File) {
        Path file = ExportedModel.int8File(fp32File);
        OnnxSidecar.Quantization q = s.quantization();
        OnnxSidecar.Agreement a = q.agreement();
        System.out.printf("%nint8: -> %s (%s)%n", file, q.format());
        System.out.printf(Locale.ROOT, "  size        %.2f MB (fp32 %.2f MB)%n", megabytes(file), megabytes(fp32File));
        System.out.printf(Locale.ROOT, "  quantized   %s%n", new TreeMap<>(q.quantizedOps()));
        System.out.printf(Locale.ROOT, "  calibration %s ranges on %s%n", q.ranges(), q.calibrationSource());
        System.out.printf(Locale.ROOT, "  check       top-1 agreement with fp32 %d/%d (%.1f%%), max |p_int8 - p_fp32| ="
                + " %.3g, mean %.3g, on %s%n", a.top1Agreements(), a.faces(), 100.0 * a.top1Agreements() / a.faces(),
                a.maxAbsDiff(), a.meanAbsDiff(), a.source());
        System.out.printf("  sidecar     %s%n", ExportedModel.sidecarFile(file));
    }

    private static double megabytes(Path file) {
        try {
            return Files.size(file) / 1e6;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file, e);
        }
    }
}
