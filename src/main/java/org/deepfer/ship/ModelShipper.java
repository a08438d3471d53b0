package org.deepfer.ship;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.export.ExportedModel;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.train.Checkpoint;

/**
 * Ships a trained model directory into the repository (by default {@code models/default/}): the
 * files inference needs (ONNX file and sidecar, DJL parameters unless DJL is to read the ONNX
 * file's weights, config, classes, normalization, calibration, and the int8 file when there is one),
 * the training history, a fixture of recorded predictions and a model card. Everything is assembled
 * in a sibling folder and swapped in at the end, so a failed ship leaves the old model as it was; the
 * whole directory must fit a size budget.
 */
public final class ModelShipper {
    /** The budget of a shipped directory unless told otherwise. */
    public static final long DEFAULT_MAX_BYTES = 25_000_000L;
    private static final String SIDECAR = ExportedModel.sidecarFile(Path.of(ModelBundle.ONNX)).toString();
    private static final String INT8 = ExportedModel.int8File(Path.of(ModelBundle.ONNX)).toString();
    private static final String INT8_SIDECAR = ExportedModel.sidecarFile(Path.of(INT8)).toString();
    static final List<String> REQUIRED = List.of(ModelBundle.CONFIG, ModelBundle.CLASSES, ModelBundle.NORMALIZATION,
            ModelBundle.ONNX, SIDECAR);
    static final List<String> OPTIONAL = List.of(INT8, INT8_SIDECAR, ModelCalibration.FILE,
            "best_metrics.json", "history.json", "curves.png");
    static final String TRAINING_CARD = "TRAINING_CARD.md";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What to ship.
     *
     * @param source a model directory written by train, exported (model.onnx)
     * @param target where it goes, e.g. models/default
     * @param title the model card's heading
     * @param evaluations final_eval.json reports of the source model to put in the card
     * @param robustness its robustness.json, or null
     * @param twinEvaluations for a final fit ({@code train.includeValidation}), which has no held-out
     *     figure of its own: final_eval.json reports of its twin, the same recipe with validation held out
     * @param twinRobustness the twin's robustness.json, or null
     * @param withInt8 ship model.int8.onnx too when the source has it
     * @param withParams ship the DJL parameters (model.params); without them DJL reads its weights
     *     from model.onnx ({@link ModelBundle#weightsFromOnnx})
     * @param maxBytes the size budget of the whole directory
     * @param replace whether an existing target may be replaced
     */
    public record Options(Path source, Path target, String title, List<Path> evaluations, Path robustness,
            List<Path> twinEvaluations, Path twinRobustness, boolean withInt8, boolean withParams, long maxBytes,
            boolean replace) {
        public Options {
            evaluations = List.copyOf(evaluations);
            twinEvaluations = List.copyOf(twinEvaluations);
        }
    }

    /**
     * The held-out twin of a final fit: its model directory, the model-shaping settings in which the
     * two differ ({@code key: twin → shipped}), and its reports.
     */
    record Twin(Path dir, List<String> differences, List<JsonNode> evaluations, Optional<JsonNode> robustness) {
        /** The twin's id: its run directory's name, as for every model. */
        String modelId() {
            return dir.getFileName().toString();
        }
    }

    /** Settings that do not shape the model: where it was written, how many threads trained it. */
    private static final List<String> NOT_THE_RECIPE = List.of("train.includeValidation", "train.modelsDir",
            "train.threads");

    /** What was shipped: the directory, its files and sizes, the fixture. */
    public record Result(Path target, Map<String, Long> files, long bytes, Fixture fixture) {}

    /**
     * @throws IllegalArgumentException when the source is not an exported model, a report is of
     *     another model, the target exists without {@code replace}, or the result exceeds the budget
     */
    public Result ship(Options o) {
        ModelBundle source = ModelBundle.load(o.source());
        for (String file : REQUIRED) {
            if (!Files.isRegularFile(source.dir().resolve(file))) {
                throw new IllegalArgumentException(source.dir() + " has no " + file + (file.startsWith(ModelBundle.ONNX)
                        ? ": export it first (deepfer export --model " + o.source() + " --calibrated)" : ""));
            }
        }
        if (o.withParams() && source.weightsFromOnnx()) {
            throw new IllegalArgumentException(source.dir() + " has no " + ModelBundle.PARAMS + " to ship; ship it"
                    + " without (--no-djl-params), DJL then reads the weights from " + ModelBundle.ONNX);
        }
        Path target = o.target().toAbsolutePath().normalize();
        if (target.equals(source.dir())) {
            throw new IllegalArgumentException("the model is already at " + target);
        }
        if (Files.exists(target) && !o.replace()) {
            throw new IllegalArgumentException(target + " exists; add --replace to ship over it");
        }
        List<JsonNode> evaluations = new ArrayList<>();
        for (Path e : o.evaluations()) {
            evaluations.add(reportOf(e, source));
        }
        Optional<JsonNode> robustness = Optional.ofNullable(o.robustness()).map(r -> reportOf(r, source));
        Optional<Twin> twin = twinOf(o, source);
        Path onnx = source.dir().resolve(ModelBundle.ONNX);
        OnnxSidecar fp32 = Reports.readJson(ExportedModel.sidecarFile(onnx), OnnxSidecar.class);
        if (!fp32.onnxSha256().equals(sha256(onnx))) {
            throw new IllegalArgumentException(onnx + " is not the file its sidecar"
                    + " describes (SHA-256 differs): export again");
        }

        Result[] shipped = new Result[1];
        try {
            Checkpoint.replaceFolder(target, staging -> shipped[0] = assemble(o, source, staging, target, fp32,
                    evaluations, robustness, twin));
        } catch (RuntimeException e) {
            try {
                Checkpoint.deleteTree(target.resolveSibling(target.getFileName() + ".tmp"));
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return shipped[0];
    }

    /**
     * {@code recorded} as a shipped directory keeps it: {@code train --config models/<id>/config.yaml}
     * repeats the recipe, so {@code train.modelsDir} goes back to the default instead of naming a
     * folder of the machine that trained it.
     */
    static DeepFerConfig portable(DeepFerConfig recorded) {
        return ConfigLoader.amendRecorded(recorded,
                List.of("train.modelsDir=" + ConfigLoader.defaults().train().modelsDir()));
    }

    /** Writes the shipped directory into the empty {@code staging} folder. */
    private static Result assemble(Options o, ModelBundle source, Path staging, Path target, OnnxSidecar fp32,
            List<JsonNode> evaluations, Optional<JsonNode> robustness, Optional<Twin> twin) throws IOException {
        DeepFerConfig config = portable(ConfigLoader.loadRecorded(source.dir().resolve(ModelBundle.CONFIG)));
        for (String file : REQUIRED) {
            if (file.equals(ModelBundle.CONFIG)) {
                Files.writeString(staging.resolve(file), ConfigLoader.toYaml(config));
            } else {
                Files.copy(source.dir().resolve(file), staging.resolve(file));
            }
        }
        if (o.withParams()) {
            Files.copy(source.dir().resolve(ModelBundle.PARAMS), staging.resolve(ModelBundle.PARAMS));
        }
        for (String file : OPTIONAL) {
            boolean int8 = file.equals(INT8) || file.equals(INT8_SIDECAR);
            if (Files.isRegularFile(source.dir().resolve(file)) && (!int8 || o.withInt8())) {
                Files.copy(source.dir().resolve(file), staging.resolve(file));
            }
        }
        Optional<String> trainingCard = Optional.empty();
        if (Files.isRegularFile(source.dir().resolve("MODEL_CARD.md"))) {
            trainingCard = Optional.of(Files.readString(source.dir().resolve("MODEL_CARD.md")));
            Files.writeString(staging.resolve(TRAINING_CARD), trainingCard.get());
        }
        ModelBundle shipped = ModelBundle.load(staging);
        Fixture fixture = Fixture.record(shipped);
        long parameters;
        try (NDManager manager = NDManager.newBaseManager()) {
            parameters = shipped.loadModel(manager).trainableParameterCount();
        }
        JsonNode history = Files.isRegularFile(staging.resolve("history.json"))
                ? JSON.readTree(staging.resolve("history.json").toFile()) : JSON.createArrayNode();
        Optional<OnnxSidecar> int8 = Files.isRegularFile(staging.resolve(INT8_SIDECAR))
                ? Optional.of(Reports.readJson(staging.resolve(INT8_SIDECAR), OnnxSidecar.class))
                : Optional.empty();
        Map<String, Long> files = sizes(staging);
        ModelCard card = new ModelCard(shipped, source.dir(), parameters, config, history, fp32, int8,
                ModelCalibration.read(staging), evaluations, robustness, twin, trainingCard, files, fixture);
        Files.writeString(staging.resolve("MODEL_CARD.md"), card.markdown(o.title(), Instant.now()));
        files = sizes(staging);
        long bytes = files.values().stream().mapToLong(Long::longValue).sum();
        if (bytes > o.maxBytes()) {
            StringBuilder largest = new StringBuilder();
            files.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                    .forEach(f -> largest.append(String.format(Locale.ROOT, "; %s %.2f MB", f.getKey(),
                            f.getValue() / 1e6)));
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the shipped model would take %.2f MB, more"
                    + " than the %.2f MB allowed (largest: %s); nothing was shipped: leave out the int8 file"
                    + " (--no-int8) or the DJL parameters (--no-djl-params: DJL reads model.onnx), export with float16"
                    + " weights (export --fp16-weights), or ship a smaller model", bytes / 1e6, o.maxBytes() / 1e6,
                    largest.substring(2)));
        }
        return new Result(target, files, bytes, fixture);
    }

    /** {@code file} read as a JSON report, which must be about {@code model}. */
    private static JsonNode reportOf(Path file, ModelBundle model) {
        JsonNode report = readReport(file);
        Path dir = modelDirOf(report);
        if (dir == null || !dir.equals(model.dir())) {
            throw new IllegalArgumentException("report " + file + " is of the model " + (dir == null ? "(none named)"
                    : dir) + ", not of " + model.dir());
        }
        return report;
    }

    /**
     * The twin whose reports {@code o} names, checked: only a final fit has one; all its reports are
     * of one model directory, which still exists, is not the shipped model and held validation out.
     */
    private static Optional<Twin> twinOf(Options o, ModelBundle source) {
        if (o.twinEvaluations().isEmpty() && o.twinRobustness() == null) {
            return Optional.empty();
        }
        DeepFerConfig shippedConfig = ConfigLoader.loadRecorded(source.dir().resolve(ModelBundle.CONFIG));
        if (!shippedConfig.train().includeValidation()) {
            throw new IllegalArgumentException(source.dir() + " held validation out, so its own --evaluation is its"
                    + " held-out figure: a twin is for a final fit (train.includeValidation)");
        }
        List<Path> files = new ArrayList<>(o.twinEvaluations());
        if (o.twinRobustness() != null) {
            files.add(o.twinRobustness());
        }
        List<JsonNode> reports = new ArrayList<>();
        Path twinDir = null;
        for (Path file : files) {
            JsonNode report = readReport(file);
            Path dir = modelDirOf(report);
            if (dir == null) {
                throw new IllegalArgumentException("twin report " + file + " names no model (modelDir)");
            }
            if (dir.equals(source.dir())) {
                throw new IllegalArgumentException("twin report " + file + " is of the shipped model itself; the twin"
                        + " is the same recipe trained with validation held out");
            }
            if (twinDir != null && !dir.equals(twinDir)) {
                throw new IllegalArgumentException("twin reports are of two models: " + twinDir + " and " + dir
                        + " (" + file + ")");
            }
            twinDir = dir;
            reports.add(report);
        }
        Path twinConfig = twinDir.resolve(ModelBundle.CONFIG);
        if (!Files.isRegularFile(twinConfig)) {
            throw new IllegalArgumentException("the twin " + twinDir + " has no " + ModelBundle.CONFIG
                    + ": its recipe cannot be compared with the shipped model's");
        }
        DeepFerConfig twinRecipe = ConfigLoader.loadRecorded(twinConfig);
        if (twinRecipe.train().includeValidation()) {
            throw new IllegalArgumentException("the twin " + twinDir + " was trained on validation too"
                    + " (train.includeValidation), so its figures are not held out");
        }
        List<String> differences = new ArrayList<>();
        Map<String, String> shipped = ConfigLoader.flatten(shippedConfig);
        ConfigLoader.flatten(twinRecipe).forEach((key, value) -> {
            boolean shapesTheModel = key.equals("seed") || key.startsWith("image.") || key.startsWith("augment.")
                    || key.startsWith("train.");
            if (shapesTheModel && !NOT_THE_RECIPE.contains(key) && !value.equals(shipped.get(key))) {
                differences.add(key + ": " + value + " → " + shipped.get(key));
            }
        });
        int evaluations = o.twinEvaluations().size();
        return Optional.of(new Twin(twinDir, differences, reports.subList(0, evaluations),
                o.twinRobustness() == null ? Optional.empty() : Optional.of(reports.get(evaluations))));
    }

    private static JsonNode readReport(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("report " + file + " does not exist");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("report " + file + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** The model directory a report names, absolute; null when it names none. */
    private static Path modelDirOf(JsonNode report) {
        String dir = report.path("modelDir").asText("");
        return dir.isEmpty() ? null : Path.of(dir).toAbsolutePath().normalize();
    }

    /** Every file under {@code dir} and its size, the fixture faces summed into one entry. */
    private static Map<String, Long> sizes(Path dir) throws IOException {
        Map<String, Long> sizes = new LinkedHashMap<>();
        long faces = 0;
        int count = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (name.startsWith(Fixture.DIR + "/")) {
                    faces += Files.size(p);
                    count++;
                } else {
                    sizes.put(name, Files.size(p));
                }
            }
        }
        if (count > 0) {
            sizes.put(Fixture.DIR + "/ (" + count + " PNG faces)", faces);
        }
        return sizes;
    }

    private static String sha256(Path file) {
        try {
            return ExportedModel.sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
