package org.deepfer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds the {@link DeepFerConfig}: built-in defaults (conf/deepfer.yaml as shipped), then the
 * user's YAML file, then {@code key=value} overrides. A key that the defaults do not have is an
 * error wherever it appears, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
    /** Where {@code mvn package} puts conf/deepfer.yaml inside the jar. */
    static final String DEFAULTS_RESOURCE = "/org/deepfer/config/deepfer.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(
                    new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private ConfigLoader() {}

    /** The built-in defaults alone. */
    public static DeepFerConfig defaults() {
        return load(Optional.empty(), List.of());
    }

    /**
     * Defaults, overlaid with {@code file} (if present) and then with {@code overrides}
     * ({@code dotted.key=value}, the value parsed as YAML).
     */
    public static DeepFerConfig load(Optional<Path> file, List<String> overrides) {
        return load(file, overrides, true);
    }

    /**
     * The config a run recorded in its model directory ({@code config.yaml}), read to rebuild that
     * model. Checked as {@link #load(Optional, List)} checks, except that {@code train.teacher} is
     * not opened: a trained model needs its distillation teacher no more, and that directory may
     * since have moved or gone.
     */
    public static DeepFerConfig loadRecorded(Path file) {
        return load(Optional.of(file), List.of(), false);
    }

    private static DeepFerConfig load(Optional<Path> file, List<String> overrides, boolean openTeacher) {
        ObjectNode tree = readDefaults();
        if (file.isPresent()) {
            JsonNode user = readFile(file.get());
            if (user != null && !user.isNull()) {
                if (!user.isObject()) {
                    throw new ConfigException(file.get() + ": expected a YAML mapping at the top level");
                }
                overlay(tree, (ObjectNode) user, "", file.get().toString());
            }
        }
        for (String override : overrides) {
            applyOverride(tree, override);
        }
        DeepFerConfig config = bind(tree);
        validate(config);
        if (openTeacher) {
            validateTeacher(config.train());
        }
        return config;
    }

    /**
     * {@code base} with {@code overrides} applied and checked as for --set: how a sweep or tuning
     * trial derives its config from the job's.
     */
    public static DeepFerConfig load(DeepFerConfig base, List<String> overrides) {
        return load(base, overrides, true);
    }

    /**
     * A recorded config ({@link #loadRecorded}) with {@code overrides} applied, its teacher not
     * opened either: how {@code ship} takes the machine it was trained on out of a model's config.
     */
    public static DeepFerConfig amendRecorded(DeepFerConfig recorded, List<String> overrides) {
        return load(recorded, overrides, false);
    }

    private static DeepFerConfig load(DeepFerConfig base, List<String> overrides, boolean openTeacher) {
        ObjectNode tree = YAML.valueToTree(base);
        for (String override : overrides) {
            applyOverride(tree, override);
        }
        DeepFerConfig config = bind(tree);
        validate(config);
        if (openTeacher) {
            validateTeacher(config.train());
        }
        return config;
    }

    /** The config as YAML, exactly what a run used (written into its run directory). */
    public static String toYaml(DeepFerConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /**
     * Every setting of {@code config} under its dotted key ({@code train.learningRate}), in file
     * order; a value is its YAML scalar as text, a list its JSON text.
     */
    public static Map<String, String> flatten(DeepFerConfig config) {
        Map<String, String> settings = new LinkedHashMap<>();
        flatten(YAML.valueToTree(config), "", settings);
        return settings;
    }

    private static void flatten(JsonNode node, String prefix, Map<String, String> settings) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> flatten(f.getValue(), prefix + f.getKey() + ".", settings));
        } else {
            String key = prefix.substring(0, prefix.length() - 1);
            settings.put(key, node.isValueNode() ? node.asText() : node.toString());
        }
    }

    private static ObjectNode readDefaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath (broken build?)");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in defaults", e);
        }
    }

    private static JsonNode readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file not found: " + file.toAbsolutePath());
        }
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    private static void overlay(ObjectNode target, ObjectNode source, String prefix, String origin) {
        Iterator<String> names = source.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            String key = prefix.isEmpty() ? name : prefix + "." + name;
            JsonNode current = target.get(name);
            if (current == null) {
                throw unknownKey(key, target, prefix, origin);
            }
            JsonNode value = source.get(name);
            if (current.isObject()) {
                if (!value.isObject()) {
                    throw new ConfigException(
                            origin + ": key '" + key + "' is a section; expected a mapping, got '" + value + "'");
                }
                overlay((ObjectNode) current, (ObjectNode) value, key, origin);
            } else {
                target.set(name, value.isNull() ? TextNode.valueOf("") : value);
            }
        }
    }

    private static void applyOverride(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set expects key=value, got '" + override + "'");
        }
        String key = override.substring(0, eq).trim();
        String raw = override.substring(eq + 1);
        String[] parts = key.split("\\.");
        ObjectNode node = tree;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || !child.isObject()) {
                throw unknownKey(key, node, prefix.toString(), "--set");
            }
            node = (ObjectNode) child;
            prefix.append(prefix.length() == 0 ? "" : ".").append(parts[i]);
        }
        String leaf = parts[parts.length - 1];
        JsonNode current = node.get(leaf);
        if (current == null) {
            throw unknownKey(key, node, prefix.toString(), "--set");
        }
        if (current.isObject()) {
            throw new ConfigException("--set " + key + ": '" + key + "' is a section; set one of its keys: "
                    + String.join(", ", names(current)));
        }
        node.set(leaf, parseValue(raw, current));
    }

    /** YAML scalar parsing ("6" is a number, "true" a boolean), but text stays text where text is expected. */
    private static JsonNode parseValue(String raw, JsonNode current) {
        if (current.isTextual() || raw.isEmpty()) {
            return TextNode.valueOf(raw);
        }
        try {
            JsonNode parsed = YAML.readTree(raw);
            return parsed == null || parsed.isMissingNode() ? TextNode.valueOf(raw) : parsed;
        } catch (IOException e) {
            return TextNode.valueOf(raw);
        }
    }

    private static ConfigException unknownKey(String key, JsonNode section, String sectionName, String origin) {
        String where = sectionName.isEmpty() ? "at the top level" : "under '" + sectionName + "'";
        // A file may be newer than the build reading it (a long run on a copied build while conf/
        // gains a key): the defaults, so the known keys, come from the jar.
        String hint = origin.equals("--set") ? "" : " (if the key is new in this file, the build is older than it:"
                + " rebuild, or run with the conf/ of the build's own commit)";
        return new ConfigException(origin + ": unknown config key '" + key + "'; known keys " + where + ": "
                + String.join(", ", names(section)) + hint);
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * Entries of the list-valued sections (sweep.models, tune.space) may leave out their optional
     * fields; they are filled here, since binding insists on every field.
     */
    private static void fillListDefaults(ObjectNode tree) {
        forEachItem(tree, "sweep", "models", item -> {
            item.putIfAbsent("name", TextNode.valueOf(""));
            item.putIfAbsent("set", YAML.createArrayNode());
        });
        forEachItem(tree, "tune", "space", item -> {
            item.putIfAbsent("low", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(0));
            item.putIfAbsent("high", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(0));
            item.putIfAbsent("values", YAML.createArrayNode());
        });
    }

    private static void forEachItem(ObjectNode tree, String section, String list,
            java.util.function.Consumer<ObjectNode> fill) {
        JsonNode items = tree.path(section).path(list);
        for (int i = 0; i < items.size(); i++) {
            if (!items.get(i).isObject()) {
                throw new ConfigException(section + "." + list + "[" + i + "] must be a mapping, got '"
                        + items.get(i) + "'");
            }
            fill.accept((ObjectNode) items.get(i));
        }
    }

    private static DeepFerConfig bind(ObjectNode tree) {
        fillListDefaults(tree);
        try {
            return YAML.treeToValue(tree, DeepFerConfig.class);
        } catch (JsonMappingException e) {
            String key = e.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            String detail = e.getOriginalMessage().split("\n")[0];
            throw new ConfigException("config key '" + key + "' has a wrong value: " + detail, e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    private static void validate(DeepFerConfig c) {
        requireRange("image.size", c.image().size(), 8, 1024);
        requireRange("audit.nearDupHamming", c.audit().nearDupHamming(), 0, 24);
        requireRange("audit.examplesPerFinding", c.audit().examplesPerFinding(), 0, 10_000);
        requireRange("audit.gridGroups", c.audit().gridGroups(), 0, 200);
        if (!(c.audit().effectiveNumberBeta() >= 0 && c.audit().effectiveNumberBeta() < 1)) {
            throw new ConfigException("audit.effectiveNumberBeta must be in [0, 1), got " + c.audit().effectiveNumberBeta());
        }
        requireRange("augment.variantsPerImage", c.augment().variantsPerImage(), 0, 100);
        requireRange("augment.previewImages", c.augment().previewImages(), 0, 100);
        requireRange("sample.trainPerClass", c.sample().trainPerClass(), 3, 100_000);
        requireRange("sample.validationPerClass", c.sample().validationPerClass(), 1, 100_000);
        requireRange("sample.testPerClass", c.sample().testPerClass(), 1, 100_000);
        requireRange("spark.shufflePartitions", c.spark().shufflePartitions(), 1, 100_000);
        List<String> formats = List.of("auto", "fer2013-csv", "folders", "generic");
        if (!formats.contains(c.ingest().format())) {
            throw new ConfigException("ingest.format must be one of " + formats + ", got '" + c.ingest().format() + "'");
        }
        DeepFerConfig.Train t = c.train();
        requireRange("train.inputSize", t.inputSize(), 16, 1024);
        requireRange("train.inputChannels", t.inputChannels(), 1, 3);
        requireRange("train.epochs", t.epochs(), 0, 100_000);
        requireRange("train.epochsHead", t.epochsHead(), 0, 100_000);
        requireRange("train.epochsFt", t.epochsFt(), 0, 100_000);
        requireRange("train.batchSize", t.batchSize(), 1, 65_536);
        requireRange("train.threads", t.threads(), 0, 1024);
        if (!(c.train().gradientClipNorm() >= 0)) {
            throw new ConfigException("train.gradientClipNorm must be 0 (off) or positive, got "
                    + c.train().gradientClipNorm());
        }
        requireRange("predict.partitions", c.predict().partitions(), 0, 1_000_000);
        requireRange("predict.threads", c.predict().threads(), 0, 1024);
        DeepFerConfig.Detect d = c.detect();
        if (!List.of("yunet", "ssd", "haar").contains(d.detector())) {
            throw new ConfigException("detect.detector must be yunet, ssd or haar, got '" + d.detector() + "'");
        }
        if (!(d.scoreThreshold() >= 0 && d.scoreThreshold() <= 1)) {
            throw new ConfigException("detect.scoreThreshold must be in [0, 1], got " + d.scoreThreshold());
        }
        if (!(d.nmsThreshold() > 0 && d.nmsThreshold() <= 1)) {
            throw new ConfigException("detect.nmsThreshold must be in (0, 1], got " + d.nmsThreshold());
        }
        requireRange("detect.minFaceSize", d.minFaceSize(), 1, 10_000);
        if (d.maxWidth() != 0 && d.maxWidth() < 16) {
            throw new ConfigException("detect.maxWidth must be 0 (full size) or at least 16, got " + d.maxWidth());
        }
        DeepFerConfig.Realtime rt = c.realtime();
        requireRange("realtime.detectEvery", rt.detectEvery(), 1, 1000);
        if (!List.of("none", "ema", "median").contains(rt.smoothing())) {
            throw new ConfigException("realtime.smoothing must be none, ema or median, got '" + rt.smoothing() + "'");
        }
        if (!(rt.emaAlpha() > 0 && rt.emaAlpha() <= 1)) {
            throw new ConfigException("realtime.emaAlpha must be in (0, 1], got " + rt.emaAlpha());
        }
        requireRange("realtime.medianWindow", rt.medianWindow(), 1, 1000);
        if (!(rt.trackIou() > 0 && rt.trackIou() <= 1)) {
            throw new ConfigException("realtime.trackIou must be in (0, 1], got " + rt.trackIou());
        }
        requireRange("realtime.maxMissed", rt.maxMissed(), 0, 1000);
        if (!List.of("onnx", "djl").contains(rt.engine())) {
            throw new ConfigException("realtime.engine must be onnx or djl, got '" + rt.engine() + "'");
        }
        requireRange("realtime.threads", rt.threads(), 1, 1024);
        requireOneOf("realtime.tta", rt.tta(), DeepFerConfig.Realtime.TTA_MODES);
        DeepFerConfig.Serve serve = c.serve();
        if (serve.host() == null || serve.host().isBlank()) {
            throw new ConfigException("serve.host must be an address to bind, e.g. 127.0.0.1, got '" + serve.host()
                    + "'");
        }
        requireRange("serve.port", serve.port(), 0, 65_535);
        DeepFerConfig.Pipeline pipeline = c.pipeline();
        for (String stage : pipeline.stages()) {
            try {
                org.deepfer.pipeline.Stage.parse(stage);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("pipeline.stages: " + e.getMessage());
            }
        }
        if (!(pipeline.vacuumRetentionHours() >= 0)) {
            throw new ConfigException("pipeline.vacuumRetentionHours must be 0 or more, got "
                    + pipeline.vacuumRetentionHours());
        }
        requireRange("serve.maxFrameBytes", serve.maxFrameBytes(), 1024, 64 << 20);
        requireRange("serve.maxUploadBytes", serve.maxUploadBytes(), 1024, 256 << 20);
        requireRange("serve.maxSessions", serve.maxSessions(), 1, 10_000);
        if (!(d.cropMargin() >= 0 && d.cropMargin() <= 1)) {
            throw new ConfigException("detect.cropMargin must be in [0, 1], got " + d.cropMargin());
        }
        if (!(t.maxMinutes() >= 0)) {
            throw new ConfigException("train.maxMinutes must be >= 0, got " + t.maxMinutes());
        }
        requireRange("train.earlyStoppingPatience", t.earlyStoppingPatience(), 0, 100_000);
        if (t.averageFrom() < 0 || t.averageFrom() > t.totalEpochs()) {
            throw new ConfigException("train.averageFrom must be 0 (off) or an epoch of the run, 1 to "
                    + t.totalEpochs() + ", got " + t.averageFrom());
        }
        if (t.pretrainedHead() && t.pretrained().isBlank()) {
            throw new ConfigException("train.pretrainedHead takes the head of train.pretrained, which is empty");
        }
        if (t.includeValidation() && t.earlyStoppingPatience() > 0) {
            throw new ConfigException("train.includeValidation trains on the validation split, which then cannot say"
                    + " when to stop: set train.earlyStoppingPatience=0 (the last epoch is kept)");
        }
        requireOneOf("train.optimizer", t.optimizer(), List.of("adamw", "sgd"));
        requireOneOf("train.schedule", t.schedule(), List.of("cosine", "constant"));
        requireOneOf("train.loss", t.loss(), List.of("ce", "focal"));
        requireOneOf("train.classWeights", t.classWeights(), List.of("none", "inverse", "effective"));
        requireOneOf("train.sampler", t.sampler(), List.of("shuffle", "balanced"));
        requireOneOf("train.device", t.device(), List.of("auto", "cpu", "gpu"));
        requireOneOf("train.engine", t.engine(), DeepFerConfig.Train.ENGINES);
        if (t.engine().equals("dl4j-spark")) {
            org.deepfer.train.dl4j.Dl4jSparkTrainJob.checkSupported(t);
        }
        if (!(t.learningRate() > 0)) {
            throw new ConfigException("train.learningRate must be > 0, got " + t.learningRate());
        }
        if (t.dropout() < 0 || t.dropout() >= 1) {
            throw new ConfigException("train.dropout must be in [0, 1), got " + t.dropout());
        }
        if (!(t.width() > 0 && t.width() <= 4)) {
            throw new ConfigException("train.width must be in (0, 4], got " + t.width());
        }
        if (t.width() != 1.0 && !org.deepfer.train.model.ModelSpec.WIDTH_MODELS.contains(t.backbone().trim().toLowerCase(java.util.Locale.ROOT))) {
            throw new ConfigException("train.width " + t.width() + " is not supported by backbone '" + t.backbone()
                    + "'; only " + org.deepfer.train.model.ModelSpec.WIDTH_MODELS + " scale their channels");
        }
        if (t.labelSmoothing() < 0 || t.labelSmoothing() >= 1) {
            throw new ConfigException("train.labelSmoothing must be in [0, 1), got " + t.labelSmoothing());
        }
        if (!(t.distillTemperature() > 0) || !Double.isFinite(t.distillTemperature())) {
            throw new ConfigException("train.distillTemperature must be a number > 0, got " + t.distillTemperature());
        }
        if (!(t.distillAlpha() >= 0 && t.distillAlpha() <= 1)) {
            throw new ConfigException("train.distillAlpha must be in [0, 1] (the soft targets' share of the loss),"
                    + " got " + t.distillAlpha());
        }
        if (t.inputChannels() == 2) {
            throw new ConfigException("train.inputChannels must be 1 or 3, got 2");
        }
        validateSweep(c.sweep());
        validateTune(c.tune());
        if (c.paths().warehouse().isBlank() || c.paths().results().isBlank()) {
            throw new ConfigException("paths.warehouse and paths.results must not be empty");
        }
    }

    /**
     * A distillation teacher must be one or more model directories (an ensemble, separated by
     * commas), each loadable (its files, not yet its parameters) and predicting our classes in our
     * order, or the soft targets would be another model's answers to another question.
     */
    private static void validateTeacher(DeepFerConfig.Train t) {
        if (!t.distills()) {
            return;
        }
        List<String> dirs = t.teachers();
        if (dirs.isEmpty()) {
            throw new ConfigException("train.teacher '" + t.teacher() + "' names no model directory");
        }
        if (new java.util.HashSet<>(dirs).size() < dirs.size()) {
            throw new ConfigException("train.teacher '" + t.teacher() + "' names a model directory twice");
        }
        for (String dir : dirs) {
            org.deepfer.predict.ModelBundle teacher;
            try {
                teacher = org.deepfer.predict.ModelBundle.load(Path.of(dir));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("train.teacher '" + dir + "' is not a usable teacher: " + e.getMessage(), e);
            }
            if (!teacher.classNames().equals(org.deepfer.tables.Labels.NAMES)) {
                throw new ConfigException("train.teacher " + teacher.dir() + " predicts " + teacher.classNames()
                        + "; a teacher must predict " + org.deepfer.tables.Labels.NAMES + " in that order");
            }
        }
    }

    private static void validateSweep(DeepFerConfig.Sweep sweep) {
        if (sweep.models().isEmpty()) {
            throw new ConfigException("sweep.models must list at least one model");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < sweep.models().size(); i++) {
            DeepFerConfig.SweepModel m = sweep.models().get(i);
            if (m.backbone() == null || m.backbone().isBlank()) {
                throw new ConfigException("sweep.models[" + i + "] needs a backbone");
            }
            if (!names.add(m.name())) {
                throw new ConfigException("sweep.models[" + i + "]: name '" + m.name() + "' is used twice; give"
                        + " each entry its own `name`");
            }
            for (String kv : m.set()) {
                if (!kv.contains("=")) {
                    throw new ConfigException("sweep.models[" + i + "].set: expected key=value, got '" + kv + "'");
                }
            }
        }
        requireRange("sweep.epochs", sweep.epochs(), 1, 100_000);
        requireRange("sweep.threadsPerTrial", sweep.threadsPerTrial(), 1, 1024);
        if (!(sweep.maxMinutes() >= 0)) {
            throw new ConfigException("sweep.maxMinutes must be >= 0, got " + sweep.maxMinutes());
        }
    }

    private static void validateTune(DeepFerConfig.Tune tune) {
        requireRange("tune.trials", tune.trials(), 1, 100_000);
        requireRange("tune.eta", tune.eta(), 2, 100);
        requireRange("tune.minEpochs", tune.minEpochs(), 1, 100_000);
        requireRange("tune.maxEpochs", tune.maxEpochs(), tune.minEpochs(), 100_000);
        requireRange("tune.threadsPerTrial", tune.threadsPerTrial(), 1, 1024);
        requireOneOf("tune.sampler", tune.sampler(), List.of("random", "halton"));
        requireOneOf("tune.metric", tune.metric(), List.of("val_macro_f1", "val_accuracy"));
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < tune.space().size(); i++) {
            DeepFerConfig.TuneParam p = tune.space().get(i);
            String where = "tune.space[" + i + "] (" + p.key() + ")";
            if (p.key() == null || p.key().isBlank() || !keys.add(p.key())) {
                throw new ConfigException(where + ": every parameter needs its own key");
            }
            requireOneOf(where + ".type", p.type(), List.of("loguniform", "uniform", "int", "choice"));
            if (p.type().equals("choice")) {
                if (p.values().isEmpty()) {
                    throw new ConfigException(where + ": a choice needs values");
                }
            } else if (!(p.low() < p.high()) || (p.type().equals("loguniform") && !(p.low() > 0))) {
                throw new ConfigException(where + ": needs low < high" + (p.type().equals("loguniform")
                        ? " and low > 0" : "") + ", got low " + p.low() + ", high " + p.high());
            }
        }
    }

    private static void requireOneOf(String key, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ConfigException(key + " must be one of " + allowed + ", got '" + value + "'");
        }
    }

    private static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
