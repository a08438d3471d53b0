package org.deepfer.export;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Post-training static int8 quantization of a model {@link OnnxExporter} wrote, in ONNX's QDQ form
 * (QuantizeLinear / DequantizeLinear pairs of opset {@value OnnxExporter#OPSET}), laid out so that
 * ONNX Runtime's CPU graph optimizer replaces every group by its integer kernel (QLinearConv, QGemm,
 * QLinearAdd, QLinearGlobalAveragePool; max pooling and flattening run on the uint8 values as they
 * are):
 *
 * <ul>
 *   <li>weights of Conv and Gemm: int8, symmetric (zero point 0, range -127..127), one scale per
 *       output channel; biases int32 with scale input scale x weight scale, as QLinearConv and QGemm
 *       expect them;
 *   <li>activations: uint8 with a zero point, over ranges measured by running the fp32 model through
 *       ONNX Runtime on calibration faces ({@link ActivationCalibrator}): the inputs and outputs of
 *       Conv, the inputs of Gemm, residual Adds whose inputs are both quantized, and pooling;
 *   <li>a Relu (or a Clip from 0, ReLU6) right after a Conv, Gemm or Add is folded into the
 *       quantization of that node's output: a uint8 range starting at 0 clips negative values just
 *       as the Relu did, and ONNX Runtime fuses Conv-Q only when nothing sits between them;
 *   <li>the preprocessing, the class scores (the last Gemm's output), the temperature and the
 *       softmax stay float.
 * </ul>
 *
 * <p>Layers named in {@link Settings#floatLayers} stay float: the few whose quantization moves the
 * outputs most, as {@link #sensitivity} measures by quantizing one layer at a time.
 *
 * <p>The quantizer is immutable; {@link #quantize} leaves its input untouched.
 */
public final class Int8Quantizer {
    /** What the model metadata key {@code quantization} starts with in a quantized model. */
    public static final String FORMAT = "int8 QDQ";
    /**
     * The quantile a percentile range ends at unless told otherwise: the lowest and highest 0.001%
     * of the values are clipped. On FER2013 validation with a ResNet-18 it kept the top-1 class of
     * fp32 slightly more often than min-max (98.7% against 98.1%); accuracy was the same.
     */
    public static final double DEFAULT_PERCENTILE = 0.99999;
    /** The share of values {@link #DEFAULT_PERCENTILE} keeps, for help texts. */
    public static final String DEFAULT_PERCENTILE_TEXT = "99.998%";
    private static final int WEIGHT_MAX = 127;
    private static final int ACTIVATION_LEVELS = 255;

    /** How an activation's range is read off the calibration faces. */
    public enum RangeMethod {
        /** The smallest and largest value seen. */
        MIN_MAX,
        /** The values between two quantiles, so that rare outliers do not stretch the scale. */
        PERCENTILE;

        /** The option value as users write it ({@code min-max}, {@code percentile}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * The value of {@code text}, case-insensitive.
         *
         * @throws IllegalArgumentException naming the accepted values
         */
        public static RangeMethod parse(String text) {
            for (RangeMethod m : values()) {
                if (m.label().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown range method '" + text + "'; expected min-max or percentile");
        }
    }

    /**
     * How to quantize.
     *
     * @param method how activation ranges are measured
     * @param percentile for {@link RangeMethod#PERCENTILE}: the share of values inside the range, in
     *     (0.5, 1), e.g. 0.9999 (the lowest and highest 0.01% are clipped); ignored for min-max
     * @param quantizeAdd whether residual Adds run on uint8 (QLinearAdd) rather than in float
     * @param batchSize calibration faces per ONNX Runtime run
     * @param threads ONNX Runtime intra-op threads for calibration, 0 for its default
     * @param floatLayers Conv and Gemm layers ({@link #layers} names them) that stay float
     */
    public record Settings(RangeMethod method, double percentile, boolean quantizeAdd, int batchSize, int threads,
            Set<String> floatLayers) {
        public Settings {
            floatLayers = floatLayers == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(floatLayers));
            if (method == null) {
                throw new IllegalArgumentException("range method must be min-max or percentile");
            }
            if (method == RangeMethod.PERCENTILE && !(percentile > 0.5 && percentile < 1)) {
                throw new IllegalArgumentException("percentile must be between 0.5 and 1 (e.g. 0.9999), got "
                        + percentile);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("calibration batch size must be at least 1, got " + batchSize);
            }
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be 0 (default) or more, got " + threads);
            }
        }

        /** Min-max ranges, residual Adds quantized, batches of 32, ONNX Runtime's default threads. */
        public static Settings defaults() {
            return new Settings(RangeMethod.MIN_MAX, 1.0, true, 32, 0, Set.of());
        }

        /** These settings with {@code method} (and {@code percentile} for the percentile method). */
        public Settings withRanges(RangeMethod method, double percentile) {
            return new Settings(method, percentile, quantizeAdd, batchSize, threads, floatLayers);
        }

        /** These settings with {@code layers} kept float. */
        public Settings withFloatLayers(Set<String> layers) {
            return new Settings(method, percentile, quantizeAdd, batchSize, threads, layers);
        }

        /** A one-line description, as recorded in the model and its sidecar. */
        public String describe() {
            String ranges = method == RangeMethod.MIN_MAX ? "min-max"
                    : String.format(Locale.ROOT, "percentile %s", percentile);
            return floatLayers.isEmpty() ? ranges : ranges + "; float layers " + String.join(", ", floatLayers);
        }
    }

    /**
     * A quantized model.
     *
     * @param model the ONNX model, QDQ form
     * @param quantizedOps how many nodes of each type of the fp32 graph now run on 8-bit values
     * @param foldedActivations Relu / Clip nodes folded into the quantization before them
     * @param calibratedTensors activation tensors whose range was measured
     * @param calibrationFaces the faces they were measured on
     */
    public record Result(OnnxMl.ModelProto model, Map<String, Integer> quantizedOps, int foldedActivations,
            int calibratedTensors, int calibrationFaces) {
        public Result {
            quantizedOps = Map.copyOf(quantizedOps);
        }

        /** The {@code .onnx} file's contents. */
        public byte[] bytes() {
            return model.toByteArray();
        }
    }

    private final Settings settings;

    public Int8Quantizer(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * {@code fp32} quantized, calibrated on gray faces stored as in the faces table ({@code S x S}
     * bytes each, S the side the model takes).
     *
     * @throws IllegalArgumentException when there are no faces, or they do not fit the model's input
     */
    public Result quantizeGray(OnnxMl.ModelProto fp32, List<byte[]> faces) {
        return quantize(fp32, grayPixels(fp32, faces), faces.size());
    }

    private static float[] grayPixels(OnnxMl.ModelProto fp32, List<byte[]> faces) {
        long[] shape = imageShape(fp32);
        if (shape[0] != 1) {
            throw new IllegalArgumentException("the model takes " + shape[0] + " channels, not gray faces");
        }
        int perFace = Math.toIntExact(shape[1] * shape[2]);
        float[] pixels = new float[faces.size() * perFace];
        for (int f = 0; f < faces.size(); f++) {
            byte[] face = faces.get(f);
            if (face.length != perFace) {
                throw new IllegalArgumentException("calibration face " + f + " has " + face.length
                        + " pixels; the model takes " + shape[1] + "x" + shape[2]);
            }
            for (int p = 0; p < perFace; p++) {
                pixels[f * perFace + p] = face[p] & 0xFF;
            }
        }
        return pixels;
    }

    /**
     * {@code fp32} quantized, calibrated on {@code count} images laid out one after the other in
     * {@code pixels}, each (C, H, W) as the model's input declares, raw values 0..255.
     *
     * @throws IllegalArgumentException when there are no images, the pixels do not make {@code
     *     count} of them, or the graph has nothing to quantize
     */
    public Result quantize(OnnxMl.ModelProto fp32, float[] pixels, int count) {
        checkImages(fp32, pixels, count);
        Graph graph = new Graph(fp32.getGraph());
        Set<String> unknown = new TreeSet<>(settings.floatLayers());
        unknown.removeAll(layers(graph));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no Conv or Gemm layer named " + String.join(", ", unknown)
                    + "; the model's are " + layers(graph));
        }
        Plan plan = plan(graph, layer -> !settings.floatLayers().contains(layer));
        if (plan.weighted.isEmpty()) {
            throw new IllegalArgumentException("the model has no Conv or Gemm with constant weights to quantize");
        }
        Map<String, ActivationCalibrator.Range> ranges = calibrate(fp32, plan, pixels, count);
        OnnxMl.GraphProto quantized = rewrite(graph, plan, parameters(plan, ranges));
        return new Result(withGraph(fp32, quantized, count), plan.ops, plan.folded.size(), ranges.size(), count);
    }

    /**
     * How much quantizing one layer alone moves the outputs.
     *
     * @param layer the Conv or Gemm, as {@link #layers} names it
     * @param op its type
     * @param meanAbsDiff the mean |p_int8 - p_fp32| over the faces and classes with only this layer
     *     (its weights, inputs and output) quantized
     * @param top1Agreement the share of the faces whose most probable class stays the same
     */
    public record LayerSensitivity(String layer, String op, double meanAbsDiff, double top1Agreement) {}

    /**
     * Each quantizable layer's {@link LayerSensitivity} on {@code faces} (gray, as for {@link
     * #quantizeGray}), the activation ranges measured on the same faces; the most sensitive first.
     * The layers at the top are the ones worth keeping float ({@link Settings#withFloatLayers}).
     */
    public List<LayerSensitivity> sensitivity(OnnxMl.ModelProto fp32, List<byte[]> faces) {
        float[] pixels = grayPixels(fp32, faces);
        checkImages(fp32, pixels, faces.size());
        Graph graph = new Graph(fp32.getGraph());
        Plan all = plan(graph, layer -> true);
        Map<String, ActivationCalibrator.Range> measured = calibrate(fp32, all, pixels, faces.size());
        // Every tensor a one-layer plan can quantize is a site of the full plan: give each its root's range.
        Map<String, ActivationCalibrator.Range> ranges = new HashMap<>();
        for (String tensor : all.sites.keySet()) {
            ranges.put(tensor, measured.get(all.root(tensor).tensor()));
        }
        float[][] reference;
        try (OnnxRunner runner = OnnxRunner.open(fp32.toByteArray(), settings.threads())) {
            reference = runner.probabilitiesOfGray(faces);
        }
        List<LayerSensitivity> result = new ArrayList<>();
        for (int i : all.weighted) {
            OnnxMl.NodeProto node = graph.nodes.get(i);
            String layer = layerName(node);
            Plan one = plan(graph, layer::equals);
            OnnxMl.ModelProto quantized = withGraph(fp32, rewrite(graph, one, parameters(one, ranges)), faces.size());
            try (OnnxRunner runner = OnnxRunner.open(quantized.toByteArray(), settings.threads())) {
                OnnxParity.Result r = OnnxParity.compare(reference, runner.probabilitiesOfGray(faces));
                result.add(new LayerSensitivity(layer, node.getOpType(), r.meanAbsDiff(),
                        (double) r.top1Agreements() / r.faces()));
            }
        }
        result.sort(Comparator.comparingDouble(LayerSensitivity::meanAbsDiff).reversed());
        return result;
    }

    /** The names of {@code fp32}'s Conv and Gemm layers with constant weights, in graph order. */
    public static List<String> layers(OnnxMl.ModelProto fp32) {
        return layers(new Graph(fp32.getGraph()));
    }

    private static List<String> layers(Graph g) {
        List<String> names = new ArrayList<>();
        for (OnnxMl.NodeProto node : g.nodes) {
            if (node.getOpType().equals("Conv") && constantWeights(g, node, 4)
                    || node.getOpType().equals("Gemm") && constantWeights(g, node, 2) && plainGemm(node)) {
                names.add(layerName(node));
            }
        }
        return names;
    }

    /** A layer's name: its node's, or where the node has none, its weight tensor's. */
    private static String layerName(OnnxMl.NodeProto node) {
        return node.getName().isEmpty() ? node.getInput(1) : node.getName();
    }

    private static void checkImages(OnnxMl.ModelProto fp32, float[] pixels, int count) {
        long[] shape = imageShape(fp32);
        long perImage = shape[0] * shape[1] * shape[2];
        if (count < 1 || pixels.length != perImage * count) {
            throw new IllegalArgumentException("calibration needs at least one image; " + pixels.length
                    + " values do not make " + count + " images of " + perImage + " values each");
        }
    }

    /** The ranges of the tensors of {@code plan} that have their own scale, measured on the images. */
    private Map<String, ActivationCalibrator.Range> calibrate(OnnxMl.ModelProto fp32, Plan plan, float[] pixels,
            int count) {
        List<String> measured = new ArrayList<>();
        for (Site s : plan.sites.values()) {
            if (s.sharesWith() == null) {
                measured.add(s.tensor());
            }
        }
        double percentile = settings.method() == RangeMethod.MIN_MAX ? 1.0 : settings.percentile();
        return new ActivationCalibrator(fp32, measured, settings.batchSize(), settings.threads())
                .ranges(pixels, count, percentile);
    }

    // ---- planning: which tensors are quantized, which activations are folded ----

    /**
     * A tensor quantized in place: consumers read it through QuantizeLinear then DequantizeLinear.
     *
     * @param tensor its name in the fp32 graph, the one consumers read (an activation's output when
     *     that activation is folded)
     * @param source the tensor the QuantizeLinear reads (the folded activation's input)
     * @param fromZero its range starts at 0: a folded Relu
     * @param cap the largest value kept (6 for a folded ReLU6), else infinity
     * @param sharesWith the site whose scale and zero point it reuses (the input of a max pool or
     *     flatten, which change no values), or null for its own
     */
    private record Site(String tensor, String source, boolean fromZero, double cap, String sharesWith) {}

    /** The fp32 graph, indexed. */
    private static final class Graph {
        final OnnxMl.GraphProto proto;
        final List<OnnxMl.NodeProto> nodes;
        final Map<String, OnnxMl.TensorProto> initializers = new LinkedHashMap<>();
        final Map<String, List<Integer>> consumers = new HashMap<>();
        final Set<String> outputs = new HashSet<>();

        Graph(OnnxMl.GraphProto proto) {
            this.proto = proto;
            this.nodes = proto.getNodeList();
            for (OnnxMl.TensorProto t : proto.getInitializerList()) {
                initializers.put(t.getName(), t);
            }
            for (int i = 0; i < nodes.size(); i++) {
                for (String in : nodes.get(i).getInputList()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
            for (OnnxMl.ValueInfoProto out : proto.getOutputList()) {
                outputs.add(out.getName());
            }
        }

        List<Integer> consumersOf(String tensor) {
            return consumers.getOrDefault(tensor, List.of());
        }
    }

    /** What to quantize, found by walking the graph in its (topological) order. */
    private static final class Plan {
        final Map<String, Site> sites = new LinkedHashMap<>();
        final Set<Integer> folded = new HashSet<>();
        final Set<Integer> weighted = new LinkedHashSet<>();
        final Map<String, Integer> ops = new TreeMap<>();

        boolean has(String tensor) {
            return sites.containsKey(tensor);
        }

        void mark(String tensor) {
            sites.putIfAbsent(tensor, new Site(tensor, tensor, false, Double.POSITIVE_INFINITY, null));
        }

        /** The site that owns {@code tensor}'s scale and zero point. */
        Site root(String tensor) {
            Site s = sites.get(tensor);
            return s.sharesWith() == null ? s : root(s.sharesWith());
        }

        void count(String op) {
            ops.merge(op, 1, Integer::sum);
        }
    }

    /** The plan quantizing the Conv and Gemm layers that {@code quantized} accepts, and what they feed. */
    private Plan plan(Graph g, Predicate<String> quantized) {
        Plan plan = new Plan();
        for (int i = 0; i < g.nodes.size(); i++) {
            OnnxMl.NodeProto node = g.nodes.get(i);
            switch (node.getOpType()) {
                case "Conv" -> {
                    if (constantWeights(g, node, 4) && quantized.test(layerName(node))) {
                        plan.mark(node.getInput(0));
                        markOutput(g, plan, i);
                        plan.weighted.add(i);
                        plan.count("Conv");
                    }
                }
                case "Gemm" -> {
                    if (constantWeights(g, node, 2) && plainGemm(node) && quantized.test(layerName(node))) {
                        plan.mark(node.getInput(0));
                        // Class scores stay float (QGemm may end in float); a hidden layer's Relu
                        // output is quantized anyway as the next Gemm's input, so fold it here.
                        if (foldableActivation(g, i) >= 0) {
                            markOutput(g, plan, i);
                        }
                        plan.weighted.add(i);
                        plan.count("Gemm");
                    }
                }
                case "Add" -> {
                    if (settings.quantizeAdd() && node.getInputCount() == 2 && plan.has(node.getInput(0))
                            && plan.has(node.getInput(1))) {
                        markOutput(g, plan, i);
                        plan.count("Add");
                    }
                }
                case "MaxPool", "Flatten" -> {
                    if (plan.has(node.getInput(0)) && node.getOutputCount() == 1) {
                        String root = plan.root(node.getInput(0)).tensor();
                        plan.sites.put(node.getOutput(0), new Site(node.getOutput(0), node.getOutput(0), false,
                                Double.POSITIVE_INFINITY, root));
                        plan.count(node.getOpType());
                    }
                }
                case "GlobalAveragePool", "AveragePool" -> {
                    if (plan.has(node.getInput(0))) {
                        markOutput(g, plan, i);
                        plan.count(node.getOpType());
                    }
                }
                default -> {
                    // stays float
                }
            }
        }
        return plan;
    }

    /** Weights (and bias, if any) are initializers of the shapes {@code rank}-D weights and 1-D bias. */
    private static boolean constantWeights(Graph g, OnnxMl.NodeProto node, int rank) {
        if (node.getInputCount() < 2 || node.getInputCount() > 3) {
            return false;
        }
        OnnxMl.TensorProto w = g.initializers.get(node.getInput(1));
        if (w == null || w.getDataType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() != rank) {
            return false;
        }
        if (node.getInputCount() == 3) {
            OnnxMl.TensorProto b = g.initializers.get(node.getInput(2));
            return b != null && b.getDataType() == OnnxMl.TensorProto.DataType.FLOAT_VALUE && b.getDimsCount() == 1
                    && b.getDims(0) == w.getDims(channelAxis(node))
                    && g.consumersOf(node.getInput(2)).size() == 1;
        }
        return g.consumersOf(node.getInput(1)).size() == 1;
    }

    /** Y = A B^T + C or A B + C: no transposed A, alpha and beta 1 (QGemm's bias needs beta 1). */
    private static boolean plainGemm(OnnxMl.NodeProto node) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            switch (a.getName()) {
                case "transA" -> {
                    if (a.getI() != 0) {
                        return false;
                    }
                }
                case "alpha", "beta" -> {
                    if (a.getF() != 1f) {
                        return false;
                    }
                }
                default -> {
                    // transB: either way
                }
            }
        }
        return true;
    }

    /** The axis of the output channels in the weights: 0 for Conv (M, C, kH, kW) and Gemm B^T (N, K). */
    private static int channelAxis(OnnxMl.NodeProto node) {
        if (node.getOpType().equals("Gemm")) {
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("transB")) {
                    return a.getI() == 1 ? 0 : 1;
                }
            }
            return 1;
        }
        return 0;
    }

    /** The site of node {@code i}'s output, with the Relu or ReLU6 after it folded in when it can be. */
    private static void markOutput(Graph g, Plan plan, int i) {
        String out = g.nodes.get(i).getOutput(0);
        int act = foldableActivation(g, i);
        if (act < 0) {
            plan.mark(out);
            return;
        }
        OnnxMl.NodeProto activation = g.nodes.get(act);
        double cap = activation.getOpType().equals("Clip") ? scalar(g, activation.getInput(2))
                : Double.POSITIVE_INFINITY;
        String tensor = activation.getOutput(0);
        plan.sites.put(tensor, new Site(tensor, out, true, cap, null));
        plan.folded.add(act);
    }

    /**
     * The index of the Relu, or Clip from 0 to a constant, that alone reads node {@code i}'s output,
     * or -1: folding it is exact, as quantizing to a range starting at 0 clips the same values.
     */
    private static int foldableActivation(Graph g, int i) {
        String out = g.nodes.get(i).getOutput(0);
        List<Integer> readers = g.consumersOf(out);
        if (readers.size() != 1 || g.outputs.contains(out)) {
            return -1;
        }
        int j = readers.get(0);
        OnnxMl.NodeProto next = g.nodes.get(j);
        if (g.outputs.contains(next.getOutput(0))) {
            return -1;
        }
        if (next.getOpType().equals("Relu")) {
            return j;
        }
        boolean relu6 = next.getOpType().equals("Clip") && next.getInputCount() == 3
                && g.initializers.containsKey(next.getInput(1)) && g.initializers.containsKey(next.getInput(2))
                && scalar(g, next.getInput(1)) == 0.0 && scalar(g, next.getInput(2)) > 0;
        return relu6 ? j : -1;
    }

    private static double scalar(Graph g, String initializer) {
        float[] v = OnnxWeights.floats(g.initializers.get(initializer));
        return v.length == 1 ? v[0] : Double.NaN;
    }

    // ---- quantization parameters ----

    /** Scale and zero point of an activation. */
    private record Affine(float scale, int zeroPoint) {}

    private Map<String, Affine> parameters(Plan plan, Map<String, ActivationCalibrator.Range> ranges) {
        Map<String, Affine> params = new LinkedHashMap<>();
        for (Site s : plan.sites.values()) {
            if (s.sharesWith() != null) {
                continue;
            }
            ActivationCalibrator.Range r = ranges.get(s.tensor());
            // The range must hold 0 exactly: zero padding and Relu's zeros are then represented without error.
            double low = s.fromZero() ? 0 : Math.min(0, r.min());
            double high = Math.max(0, Math.min(r.max(), s.cap()));
            float scale = (float) ((high - low) / ACTIVATION_LEVELS);
            if (!(scale > 0) || !Float.isFinite(scale)) {
                scale = 1f; // a tensor that was always 0
            }
            int zeroPoint = (int) Math.max(0, Math.min(ACTIVATION_LEVELS, Math.rint(-low / scale)));
            params.put(s.tensor(), new Affine(scale, zeroPoint));
        }
        return params;
    }

    // ---- rewriting ----

    private OnnxMl.GraphProto rewrite(Graph g, Plan plan, Map<String, Affine> params) {
        Map<String, Site> bySource = new HashMap<>();
        for (Site s : plan.sites.values()) {
            bySource.put(s.source(), s);
        }
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        List<OnnxMl.TensorProto> initializers = new ArrayList<>();
        Set<String> replaced = new HashSet<>();
        Set<String> declaredParams = new HashSet<>();

        for (OnnxMl.ValueInfoProto in : g.proto.getInputList()) {
            Site s = bySource.get(in.getName());
            if (s != null) {
                quantizeDequantize(plan, s, params, nodes, initializers, declaredParams);
            }
        }
        for (int i = 0; i < g.nodes.size(); i++) {
            if (plan.folded.contains(i)) {
                continue;
            }
            OnnxMl.NodeProto node = g.nodes.get(i);
            OnnxMl.NodeProto.Builder rewritten = node.toBuilder().clearInput();
            float inputScale = plan.weighted.contains(i) ? params.get(plan.root(node.getInput(0)).tensor()).scale() : 0;
            float[] weightScales = plan.weighted.contains(i) ? weightScales(g, node, inputScale) : null;
            for (int k = 0; k < node.getInputCount(); k++) {
                String in = node.getInput(k);
                if (plan.weighted.contains(i) && k == 1) {
                    rewritten.addInput(weights(g, node, weightScales, nodes, initializers));
                    replaced.add(in);
                } else if (plan.weighted.contains(i) && k == 2) {
                    rewritten.addInput(bias(g, node, inputScale, weightScales, nodes, initializers));
                    replaced.add(in);
                } else if (plan.has(in)) {
                    rewritten.addInput(dequantized(in));
                } else {
                    rewritten.addInput(in);
                }
            }
            nodes.add(rewritten.build());
            for (String out : node.getOutputList()) {
                Site s = bySource.get(out);
                if (s != null) {
                    quantizeDequantize(plan, s, params, nodes, initializers, declaredParams);
                }
            }
        }
        OnnxMl.GraphProto.Builder graph = g.proto.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        for (OnnxMl.TensorProto t : g.proto.getInitializerList()) {
            if (!replaced.contains(t.getName())) {
                graph.addInitializer(t);
            }
        }
        return graph.addAllInitializer(initializers).build();
    }

    private static String dequantized(String tensor) {
        return tensor + "_dequantized";
    }

    /** QuantizeLinear then DequantizeLinear of {@code site}, with its scale and zero point. */
    private static void quantizeDequantize(Plan plan, Site site, Map<String, Affine> params,
            List<OnnxMl.NodeProto> nodes, List<OnnxMl.TensorProto> initializers, Set<String> declared) {
        String root = plan.root(site.tensor()).tensor();
        String scale = root + "_scale";
        String zeroPoint = root + "_zero_point";
        if (declared.add(root)) {
            Affine a = params.get(root);
            initializers.add(floatTensor(scale, new long[0], new float[] {a.scale()}));
            initializers.add(OnnxMl.TensorProto.newBuilder().setName(zeroPoint)
                    .setDataType(OnnxMl.TensorProto.DataType.UINT8_VALUE)
                    .setRawData(ByteString.copyFrom(new byte[] {(byte) a.zeroPoint()})).build());
        }
        String quantized = site.tensor() + "_quantized";
        nodes.add(node("QuantizeLinear", site.tensor() + "_quantize", List.of(site.source(), scale, zeroPoint),
                quantized, null));
        nodes.add(node("DequantizeLinear", site.tensor() + "_dequantize", List.of(quantized, scale, zeroPoint),
                dequantized(site.tensor()), null));
    }

    /**
     * The node's weights as int8 with {@code scales} (one per output channel, zero point 0), and the
     * DequantizeLinear that reads them; returns its output.
     */
    private static String weights(Graph g, OnnxMl.NodeProto node, float[] scales, List<OnnxMl.NodeProto> nodes,
            List<OnnxMl.TensorProto> initializers) {
        OnnxMl.TensorProto w = g.initializers.get(node.getInput(1));
        float[] values = OnnxWeights.floats(w);
        int axis = channelAxis(node);
        byte[] q = new byte[values.length];
        for (int k = 0; k < values.length; k++) {
            int c = channelOf(w, k, axis);
            q[k] = (byte) Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, Math.rint(values[k] / scales[c])));
        }
        String name = w.getName();
        initializers.add(OnnxMl.TensorProto.newBuilder().setName(name + "_quantized").addAllDims(w.getDimsList())
                .setDataType(OnnxMl.TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(q)).build());
        initializers.add(floatTensor(name + "_scale", new long[] {scales.length}, scales));
        initializers.add(OnnxMl.TensorProto.newBuilder().setName(name + "_zero_point").addDims(scales.length)
                .setDataType(OnnxMl.TensorProto.DataType.INT8_VALUE)
                .setRawData(ByteString.copyFrom(new byte[scales.length])).build());
        nodes.add(node("DequantizeLinear", name + "_dequantize",
                List.of(name + "_quantized", name + "_scale", name + "_zero_point"), dequantized(name), axis));
        return dequantized(name);
    }

    /**
     * The weight scale of each output channel: max |w| / 127 (1 for an all-zero channel), raised
     * where the int32 bias would otherwise overflow (its scale is input scale x weight scale).
     */
    private static float[] weightScales(Graph g, OnnxMl.NodeProto node, float inputScale) {
        OnnxMl.TensorProto w = g.initializers.get(node.getInput(1));
        float[] values = OnnxWeights.floats(w);
        int axis = channelAxis(node);
        float[] maxAbs = new float[Math.toIntExact(w.getDims(axis))];
        for (int k = 0; k < values.length; k++) {
            int c = channelOf(w, k, axis);
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(values[k]));
        }
        float[] bias = node.getInputCount() == 3
                ? OnnxWeights.floats(g.initializers.get(node.getInput(2))) : new float[0];
        float[] scales = new float[maxAbs.length];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = maxAbs[c] > 0 ? maxAbs[c] / WEIGHT_MAX : 1f;
            if (c < bias.length) {
                double leastForBias = Math.abs(bias[c]) / (inputScale * (double) Integer.MAX_VALUE);
                scales[c] = (float) Math.max(scales[c], leastForBias);
            }
        }
        return scales;
    }

    /** The channel of flat index {@code k}: axis 0 of any tensor, or axis 1 of a matrix. */
    private static int channelOf(OnnxMl.TensorProto w, int k, int axis) {
        if (axis == 0) {
            return Math.toIntExact(k / (w.getDims(1) * (w.getDimsCount() > 2 ? w.getDims(2) * w.getDims(3) : 1)));
        }
        return Math.toIntExact(k % w.getDims(1));
    }

    /**
     * The node's bias as int32 with scale input scale x weight scale (what QLinearConv and QGemm
     * assume), and the DequantizeLinear that reads it; returns its output.
     */
    private static String bias(Graph g, OnnxMl.NodeProto node, float inputScale, float[] weightScales,
            List<OnnxMl.NodeProto> nodes, List<OnnxMl.TensorProto> initializers) {
        OnnxMl.TensorProto b = g.initializers.get(node.getInput(2));
        float[] values = OnnxWeights.floats(b);
        float[] scales = new float[values.length];
        ByteBuffer q = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < values.length; c++) {
            scales[c] = inputScale * weightScales[c];
            double v = Math.rint(values[c] / (double) scales[c]);
            q.putInt((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v)));
        }
        String name = b.getName();
        initializers.add(OnnxMl.TensorProto.newBuilder().setName(name + "_quantized").addDims(values.length)
                .setDataType(OnnxMl.TensorProto.DataType.INT32_VALUE).setRawData(ByteString.copyFrom(q.array()))
                .build());
        initializers.add(floatTensor(name + "_scale", new long[] {values.length}, scales));
        // int32 has no zero point: it is 0.
        nodes.add(node("DequantizeLinear", name + "_dequantize", List.of(name + "_quantized", name + "_scale"),
                dequantized(name), 0));
        return dequantized(name);
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> inputs, String output, Integer axis) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addOutput(output);
        if (axis != null) {
            n.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis")
                    .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(axis));
        }
        return n.build();
    }

    private static OnnxMl.TensorProto floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private OnnxMl.ModelProto withGraph(OnnxMl.ModelProto fp32, OnnxMl.GraphProto graph, int faces) {
        String description = String.format(Locale.ROOT, "%s: weights int8 symmetric per output channel, activations"
                + " uint8 with ranges by %s on %d calibration faces", FORMAT, settings.describe(), faces);
        OnnxMl.ModelProto.Builder model = fp32.toBuilder().setGraph(graph)
                .setDocString(fp32.getDocString() + " " + description + ".");
        model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("quantization")
                .setValue(description));
        return model.build();
    }

    /** Channels, height and width of the model's one input. */
    private static long[] imageShape(OnnxMl.ModelProto model) {
        if (model.getGraph().getInputCount() != 1) {
            throw new IllegalArgumentException("the model has " + model.getGraph().getInputCount() + " inputs; an"
                    + " exported DeepFER model has one");
        }
        OnnxMl.TensorShapeProto shape = model.getGraph().getInput(0).getType().getTensorType().getShape();
        if (shape.getDimCount() != 4) {
            throw new IllegalArgumentException("the model's input has " + shape.getDimCount()
                    + " dimensions; expected (batch, channels, height, width)");
        }
        return new long[] {shape.getDim(1).getDimValue(), shape.getDim(2).getDimValue(),
            shape.getDim(3).getDimValue()};
    }

    /**
     * How many nodes of each type ONNX Runtime keeps of {@code model} after its graph optimizations
     * (basic and extended, where the QDQ groups become QLinearConv, QGemm, ...): the kernels it runs.
     */
    public static Map<String, Integer> runtimeOps(byte[] model) {
        Path file = null;
        try {
            file = Files.createTempFile("deepfer-optimized-", ".onnx");
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                options.setOptimizedModelFilePath(file.toString());
                OrtEnvironment.getEnvironment().createSession(model, options).close();
            }
            Map<String, Integer> ops = new TreeMap<>();
            for (OnnxMl.NodeProto n : OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList()) {
                ops.merge(n.getOpType(), 1, Integer::sum);
            }
            return ops;
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX Runtime's optimized model: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temporary file left behind; nothing depends on it
                }
            }
        }
    }
}
