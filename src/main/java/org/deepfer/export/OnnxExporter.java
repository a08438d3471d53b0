package org.deepfer.export;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepfer.augment.AugmentJob;
import org.deepfer.predict.ModelBundle;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Exports a trained {@link FerModel} as one ONNX graph (opset {@value #OPSET}) that takes what a
 * face crop is and gives what prediction gives, so that a consumer needs nothing of ours:
 *
 * <ul>
 *   <li>input {@value #INPUT}: raw gray pixels 0..255, float32, (N, 1, S, S) with S the stored face
 *       size (48 for FER2013) and N any batch size;
 *   <li>the preprocessing of {@link BatchMaker#writeInput} in the graph: resize to the network's
 *       input size if it differs (bilinear, or box averaging for a shrink by 2 or more, rounded to
 *       whole gray levels as {@code Resize.to} does), {@code (v / 255 - mean) / std}, gray repeated to
 *       3 channels for RGB networks;
 *   <li>the network in inference form: batch norms folded into the convolutions before them, dropout
 *       left out (see {@link NetworkTranslator});
 *   <li>output {@value #OUTPUT}: (N, classes), {@code softmax(logits / T)} as {@code
 *       FacePredictor} computes it.
 * </ul>
 *
 * <p>The exporter is immutable; {@link #export} leaves the model untouched.
 */
public final class OnnxExporter {
    /** The ONNX opset the graph imports. */
    public static final int OPSET = 13;
    /** IR version 7, the one that came with opset 13. */
    public static final long IR_VERSION = OnnxMl.Version.IR_VERSION_2020_5_8_VALUE;
    public static final String PRODUCER = "deepfer";
    /** Changes whenever an export of the same model would give another graph. */
    public static final String VERSION = "1";
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What goes with the network into the file.
     *
     * @param modelId the model's id (its directory's name)
     * @param classNames class names, in the order of the network's outputs
     * @param normalization the mean and std (0..1 scale) the model was trained with
     * @param temperature T of {@code softmax(logits / T)}; 1 leaves the scores as trained
     * @param faceSize side of the raw gray faces the graph takes (the stored face size)
     */
    public record Settings(String modelId, List<String> classNames, AugmentJob.Normalization normalization,
            double temperature, int faceSize) {
        public Settings {
            if (modelId == null || modelId.isBlank()) {
                throw new IllegalArgumentException("model id must not be empty");
            }
            classNames = List.copyOf(classNames);
            if (!(normalization.std() > 0) || !Double.isFinite(normalization.mean())
                    || !Double.isFinite(normalization.std())) {
                throw new IllegalArgumentException("normalization mean " + normalization.mean() + " and std "
                        + normalization.std() + " cannot normalize input (std must be positive and both finite)");
            }
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
            }
            if (faceSize < 1) {
                throw new IllegalArgumentException("face size must be at least 1 pixel, got " + faceSize);
            }
        }

        /**
         * The settings for a trained model directory: its id, classes and normalization; faces of
         * the size its normalization was computed on (its input size if that is not recorded).
         */
        public static Settings of(ModelBundle bundle, double temperature) {
            int stored = bundle.normalization().size();
            return new Settings(bundle.modelId(), bundle.classNames(), bundle.normalization(), temperature,
                    stored > 0 ? stored : bundle.spec().inputSize());
        }
    }

    private final Settings settings;

    public OnnxExporter(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * {@code model} as an ONNX model with its sidecar. The model must be initialized (trained or
     * loaded).
     *
     * @throws IllegalArgumentException naming the block that cannot be exported, or when the class
     *     names do not match the model's outputs
     */
    public ExportedModel export(FerModel model) {
        return export(model.spec(), model.backbone(), model.head());
    }

    /** The graph of {@code backbone} then {@code head}, for a model described by {@code spec}. */
    ExportedModel export(ModelSpec spec, Block backbone, Block head) {
        if (settings.classNames().size() != spec.classes()) {
            throw new IllegalArgumentException("the model predicts " + spec.classes() + " classes but "
                    + settings.classNames().size() + " class names were given: " + settings.classNames());
        }
        ONNXContext onnx = new ONNXContext();
        onnx.setName(settings.modelId());
        // Tribuo declares inputs as (batch, features); the declaration is replaced by the 4-D one below.
        ONNXPlaceholder pixels = onnx.floatInput(INPUT, 1);
        ONNXPlaceholder probabilities = onnx.floatOutput(OUTPUT, spec.classes());

        List<String> steps = new ArrayList<>();
        ONNXRef<?> networkInput = preprocess(onnx, spec, pixels, steps);

        NetworkTranslator network = new NetworkTranslator(onnx);
        NetworkTranslator.Value features =
                network.block(backbone, "backbone", new NetworkTranslator.Value(networkInput, spec.inputShape(1)));
        NetworkTranslator.Value logits = network.block(head, "head", features);
        if (!logits.shape().equals(new Shape(1, spec.classes()))) {
            throw new IllegalArgumentException("the network ends in shape " + logits.shape() + ", not (batch, "
                    + spec.classes() + ") class scores");
        }

        ONNXRef<?> scores = logits.ref();
        if (settings.temperature() != 1.0) {
            scores = onnx.operation(ONNXOperators.DIV,
                    List.of(scores, onnx.constant("temperature", (float) settings.temperature())), "scaled_logits");
        }
        onnx.operation(ONNXOperators.SOFTMAX, List.of(scores), "softmax", Map.of("axis", 1)).assignTo(probabilities);

        OnnxMl.GraphProto graph = withImageInput(onnx.buildGraph());
        return new ExportedModel(modelProto(spec, graph, steps), sidecar(spec, steps));
    }

    /**
     * How {@code model}'s parameters become the initializers of its export, for reading an export
     * back into a model of the same architecture ({@link OnnxWeights#load}). The model must be
     * initialized; its values do not matter.
     */
    static List<NetworkTranslator.Binding> bindings(FerModel model) {
        ONNXContext onnx = new ONNXContext();
        NetworkTranslator network = new NetworkTranslator(onnx);
        NetworkTranslator.Value input = new NetworkTranslator.Value(onnx.floatInput(INPUT, 1),
                model.spec().inputShape(1));
        network.block(model.head(), "head", network.block(model.backbone(), "backbone", input));
        return network.bindings();
    }

    /**
     * The preprocessing nodes, mirroring {@link BatchMaker#writeInput} for a gray face of {@code
     * faceSize}²; appends a description of each step to {@code steps}.
     */
    private ONNXRef<?> preprocess(ONNXContext onnx, ModelSpec spec, ONNXRef<?> pixels, List<String> steps) {
        int from = settings.faceSize();
        int to = spec.inputSize();
        ONNXRef<?> x = pixels;
        if (from != to) {
            // Resize.to's rule: box averaging when shrinking by 2 or more, bilinear otherwise.
            if (from >= 2 * to) {
                if (from % to != 0) {
                    throw new IllegalArgumentException("faces of " + from + "x" + from + " reach the network's "
                            + to + "x" + to + " input by averaging uneven boxes, which the export does not"
                            + " express; export for faces of a multiple of " + to + " pixels");
                }
                int box = from / to;
                x = onnx.operation(OnnxOps.AVERAGE_POOL, List.of(x), "resized",
                        Map.of("kernel_shape", new int[] {box, box}, "strides", new int[] {box, box}));
                steps.add(String.format(Locale.ROOT, "resize %dx%d to %dx%d by averaging %dx%d boxes", from, from,
                        to, to, box, box));
            } else {
                x = bilinear(onnx, x, to);
                steps.add(String.format(Locale.ROOT,
                        "resize %dx%d to %dx%d, bilinear with half-pixel centres, edges clamped", from, from, to, to));
            }
            // Resize.to stores bytes: Math.round, i.e. floor(v + 0.5) for these non-negative values.
            ONNXRef<?> shifted = onnx.operation(ONNXOperators.ADD, List.of(x, onnx.constant("half", 0.5f)),
                    "resized_shifted");
            x = onnx.operation(OnnxOps.FLOOR, List.of(shifted), "resized_rounded");
            steps.add("round to whole gray levels (floor(v + 0.5))");
        }
        // The same float operations, in the same order, as writeInput: (v / 255f - mean) / std.
        AugmentJob.Normalization norm = settings.normalization();
        x = onnx.operation(ONNXOperators.DIV, List.of(x, onnx.constant("gray_levels", 255f)), "unit_scale");
        x = onnx.operation(ONNXOperators.SUB, List.of(x, onnx.constant("mean", (float) norm.mean())), "centered");
        x = onnx.operation(ONNXOperators.DIV, List.of(x, onnx.constant("std", (float) norm.std())), "normalized");
        steps.add(String.format(Locale.ROOT, "(v / 255 - %s) / %s", (float) norm.mean(), (float) norm.std()));
        if (spec.inputChannels() == 3) {
            x = onnx.operation(ONNXOperators.CONCAT, List.of(x, x, x), "rgb", Map.of("axis", 1));
            steps.add("gray repeated to 3 channels");
        }
        return x;
    }

    /**
     * Bilinear resize of the (N, 1, H, W) input to {@code size}² with half-pixel centres, which is
     * {@code Resize.to}'s bilinear: ONNX Runtime clamps source coordinates to the image as it does.
     */
    private static ONNXRef<?> bilinear(ONNXContext onnx, ONNXRef<?> x, int size) {
        // Sizes must name every dimension, the batch too, which is known only when the graph runs.
        ONNXRef<?> shape = onnx.operation(OnnxOps.SHAPE, List.of(x), "input_shape");
        ONNXRef<?> batchAndChannels = onnx.operation(OnnxOps.SLICE, List.of(shape,
                onnx.array("slice_starts", new long[] {0}), onnx.array("slice_ends", new long[] {2})),
                "batch_and_channels");
        ONNXRef<?> sizes = onnx.operation(ONNXOperators.CONCAT,
                List.of(batchAndChannels, onnx.array("resized_size", new long[] {size, size})),
                "resize_sizes", Map.of("axis", 0));
        // roi and scales are unused; opset 13 wants them as empty tensors rather than left out.
        return onnx.operation(OnnxOps.RESIZE, List.of(x, onnx.array("roi", new float[0]),
                        onnx.array("scales", new float[0]), sizes), "resized",
                Map.of("mode", "linear", "coordinate_transformation_mode", "half_pixel"));
    }

    /** {@code graph} with its input declared as (batch, 1, faceSize, faceSize). */
    private OnnxMl.GraphProto withImageInput(OnnxMl.GraphProto graph) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        for (int i = 0; i < 2; i++) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(settings.faceSize()));
        }
        OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
        OnnxMl.ValueInfoProto input = OnnxMl.ValueInfoProto.newBuilder().setName(INPUT).setType(type)
                .setDocString("raw gray pixels 0..255").build();
        return graph.toBuilder().setInput(0, input).build();
    }

    private OnnxMl.ModelProto modelProto(ModelSpec spec, OnnxMl.GraphProto graph, List<String> steps) {
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName(PRODUCER)
                .setProducerVersion(VERSION)
                .setDomain("org.deepfer")
                .setModelVersion(1)
                .setDocString(docString(spec, steps))
                .setGraph(graph);
        metadata(spec).forEach((key, value) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    private String docString(ModelSpec spec, List<String> steps) {
        int s = settings.faceSize();
        return "DeepFER facial-expression classifier " + spec.name() + " (model " + settings.modelId() + "). Input '"
                + INPUT + "': raw gray face pixels 0..255, float32 (N, 1, " + s + ", " + s + "). In the graph: "
                + String.join("; ", steps) + "; the network; softmax(logits / " + settings.temperature()
                + "). Output '" + OUTPUT + "': (N, " + spec.classes() + ") probabilities of "
                + String.join(", ", settings.classNames()) + ".";
    }

    /** Key facts as model metadata, which ONNX Runtime hands back as custom metadata. */
    private Map<String, String> metadata(ModelSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model_id", settings.modelId());
        m.put("architecture", spec.name());
        try {
            m.put("classes", JSON.writeValueAsString(settings.classNames()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
        m.put("face_size", Integer.toString(settings.faceSize()));
        m.put("mean", Double.toString(settings.normalization().mean()));
        m.put("std", Double.toString(settings.normalization().std()));
        m.put("temperature", Double.toString(settings.temperature()));
        m.put("exporter_version", VERSION);
        return m;
    }

    private OnnxSidecar sidecar(ModelSpec spec, List<String> steps) {
        long s = settings.faceSize();
        return new OnnxSidecar(settings.modelId(), spec.name(), spec.width(), settings.classNames(),
                new OnnxSidecar.Tensor(INPUT, List.of(-1L, 1L, s, s), "float32", "NCHW",
                        "raw gray pixels 0..255 (no scaling, no normalization)"),
                new OnnxSidecar.Tensor(OUTPUT, List.of(-1L, (long) spec.classes()), "float32", "NC",
                        "class probabilities, softmax(logits / temperature), in the order of classes"),
                new OnnxSidecar.NetworkInput(spec.inputChannels(), spec.inputSize()), steps,
                new OnnxSidecar.Normalization(settings.normalization().mean(), settings.normalization().std()),
                settings.temperature(), OPSET, IR_VERSION, PRODUCER, VERSION, null, null, null, null, null, null);
    }
}
