package org.deepfer.predict;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.export.OnnxWeights;
import org.deepfer.run.Reports;
import org.deepfer.train.OneDnnProbe;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;

/**
 * A trained model directory ({@code models/<id>/}) read back: the architecture from its
 * {@code config.yaml}, its class names and the training split's normalization, and the parameters
 * of its best epoch: {@code model.params} as training wrote them or, in a shipped directory that
 * holds its weights once, the weights of its ONNX export ({@link OnnxWeights#load}). Everything that
 * predicts starts here, so a model is rebuilt from the same files in every stage.
 *
 * @param dir the model directory, absolute
 * @param modelId the directory's name, which is the training run's model id
 * @param spec the architecture, input and head the parameters belong to
 * @param classNames class index to name, the order of the model's outputs (from {@code classes.json})
 * @param normalization the mean and std (0..1 scale) training normalized its input with
 */
public record ModelBundle(Path dir, String modelId, ModelSpec spec, List<String> classNames,
        AugmentJob.Normalization normalization) {
    /** The best epoch's parameters, as training saves them. */
    public static final String PARAMS = "model.params";
    /** The ONNX export, whose weights stand in for {@link #PARAMS} when a directory has only them. */
    public static final String ONNX = "model.onnx";
    public static final String CONFIG = "config.yaml";
    public static final String CLASSES = "classes.json";
    public static final String NORMALIZATION = "normalization.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelBundle {
        classNames = List.copyOf(classNames);
    }

    /**
     * Reads the model directory {@code dir}: checks that every file is there and describes a model
     * that can be built, without loading the parameters yet (cheap enough to validate a command
     * line with).
     *
     * @throws IllegalArgumentException naming the directory or file that is missing or wrong
     */
    public static ModelBundle load(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new IllegalArgumentException("model directory " + abs + " does not exist"
                    + (Files.exists(abs) ? " (it is a file)" : "") + "; expected models/<id>/ written by `train`");
        }
        for (String file : List.of(CONFIG, CLASSES, NORMALIZATION)) {
            if (!Files.isRegularFile(abs.resolve(file))) {
                throw new IllegalArgumentException("model directory " + abs + " has no " + file
                        + " (expected config.yaml, classes.json, normalization.json and model.params from `train`)");
            }
        }
        if (!Files.isRegularFile(abs.resolve(PARAMS)) && !Files.isRegularFile(abs.resolve(ONNX))) {
            throw new IllegalArgumentException("model directory " + abs + " has no weights: neither " + PARAMS
                    + " (from `train`) nor " + ONNX + " (from `export`)");
        }
        List<String> classes = classNames(abs.resolve(CLASSES));
        ModelSpec spec = spec(abs.resolve(CONFIG), classes.size());
        AugmentJob.Normalization norm = normalization(abs.resolve(NORMALIZATION));
        return new ModelBundle(abs, abs.getFileName().toString(), spec, classes, norm);
    }

    /**
     * Whether training learned from the validation split too ({@code train.includeValidation}, a
     * final fit): then validation can neither select nor calibrate this model.
     */
    public boolean trainedOnValidation() {
        return ConfigLoader.loadRecorded(dir.resolve(CONFIG)).train().includeValidation();
    }

    /** The parameter file of the best epoch. */
    public Path paramsFile() {
        return dir.resolve(PARAMS);
    }

    /**
     * Whether the weights come from the ONNX export, the directory having no {@link #PARAMS}: they
     * predict as the trained model does but hold its batch norms folded, so they cannot continue
     * training.
     */
    public boolean weightsFromOnnx() {
        return !Files.isRegularFile(paramsFile());
    }

    /** The file the weights are read from: {@link #PARAMS}, or the ONNX export if there is none. */
    public Path weightsFile() {
        return weightsFromOnnx() ? dir.resolve(ONNX) : paramsFile();
    }

    /**
     * The model built, initialized and loaded with {@link #weightsFile()}, its arrays owned by
     * {@code manager}. Every parameter's shape is checked against the architecture: DJL's loader
     * alone would accept arrays of another width and fail only later, somewhere in a forward pass.
     *
     * @throws IllegalArgumentException when the weights do not fit the model config.yaml describes
     */
    public FerModel loadModel(NDManager manager) {
        OneDnnProbe.checkOnce();
        FerModel model = Models.build(spec);
        model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(1));
        if (weightsFromOnnx()) {
            loadOnnxWeights(model);
            return model;
        }
        Map<String, Shape> expected = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            expected.put(p.getKey(), p.getValue().getArray().getShape());
        }
        Path file = paramsFile();
        String what = spec.name() + " (width " + spec.width() + ", input " + spec.inputChannels() + "x"
                + spec.inputSize() + ", " + spec.classes() + " classes) that " + dir.resolve(CONFIG) + " describes";
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            model.block().loadParameters(manager, in);
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + " holds more parameters than the " + what);
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " holds fewer parameters than the " + what, e);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException(file + " does not fit the " + what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            Shape loaded = p.getValue().getArray().getShape();
            if (!loaded.equals(expected.get(p.getKey()))) {
                throw new IllegalArgumentException(file + " does not fit the " + what + ": parameter " + p.getKey()
                        + " has shape " + loaded + " in the file but " + expected.get(p.getKey()) + " in the model");
            }
        }
        return model;
    }

    private void loadOnnxWeights(FerModel model) {
        Path file = dir.resolve(ONNX);
        OnnxMl.ModelProto onnx;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            onnx = OnnxMl.ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            OnnxWeights.load(model, onnx);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " does not fit the " + spec.name() + " (width " + spec.width()
                    + ", input " + spec.inputChannels() + "x" + spec.inputSize() + ", " + spec.classes()
                    + " classes) that " + dir.resolve(CONFIG) + " describes: " + e.getMessage(), e);
        }
    }

    /**
     * The class names of a {@value #CLASSES} file ({@code {"0": "angry", "1": ...}}) in index order.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read, misses an index or
     *     lists fewer than two classes
     */
    public static List<String> classNames(Path file) {
        Map<String, String> byIndex;
        try {
            byIndex = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (expected {\"0\": \"angry\", \"1\": ...})", e);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < byIndex.size(); i++) {
            String name = byIndex.get(Integer.toString(i));
            if (name == null) {
                throw new IllegalArgumentException(file + " has no class " + i + "; expected indices 0.."
                        + (byIndex.size() - 1) + ", found " + byIndex.keySet());
            }
            names.add(name);
        }
        if (names.size() < 2) {
            throw new IllegalArgumentException(file + " lists " + names.size()
                    + " classes; a classifier needs 2 or more");
        }
        return names;
    }

    private static ModelSpec spec(Path file, int classes) {
        DeepFerConfig.Train t;
        try {
            t = ConfigLoader.loadRecorded(file).train();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("model config " + file + ": " + e.getMessage(), e);
        }
        if (!Models.NAMES.contains(t.backbone().trim().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("model config " + file + ": train.backbone '" + t.backbone()
                    + "' is not one of " + Models.NAMES);
        }
        try {
            return new ModelSpec(t.backbone(), t.inputChannels(), t.inputSize(), classes, t.dropout(), t.width());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model config " + file + " describes no model we can build: "
                    + e.getMessage(), e);
        }
    }

    private static AugmentJob.Normalization normalization(Path file) {
        AugmentJob.Normalization norm;
        try {
            norm = Reports.readJson(file, AugmentJob.Normalization.class);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!(norm.std() > 0) || !Double.isFinite(norm.mean()) || !Double.isFinite(norm.std())) {
            throw new IllegalArgumentException(file + ": mean " + norm.mean() + " and std " + norm.std()
                    + " cannot normalize input (std must be positive and both finite)");
        }
        return norm;
    }
}
