package org.deepfer.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.LayerOp;
import org.deepfer.train.model.NamedSequentialBlock;
import org.deepfer.train.model.ResidualBlock;
import org.deepfer.train.model.SqueezeExcitation;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Turns our DJL blocks into ONNX nodes of one graph, in inference form: each batch norm folded into
 * the convolution before it, dropout left out. Every block it meets is translated by type; anything
 * else stops the export with the block's path ({@code backbone_stage2_block1_conv1}, the prefix of
 * its parameter names) and what is supported.
 *
 * <p>Values flow as {@link Value}: the ONNX tensor and its DJL shape for a batch of one, which DJL's
 * own {@code getOutputShapes} advances block by block, so that shapes in error messages and the
 * input of linear layers can be checked.
 */
final class NetworkTranslator {

    /** An ONNX tensor of the graph and its shape (batch 1). */
    record Value(ONNXRef<?> ref, Shape shape) {}

    static final String SUPPORTED = "NamedSequentialBlock, ResidualBlock, SqueezeExcitation, DJL SequentialBlock,"
            + " Conv2d (optionally followed by BatchNorm), Linear, Dropout and LayerOp"
            + " (ReLU, ReLU6, SiLU, max pool, global average pool, flatten)";

    /**
     * How the values of an export's initializers came from the model's parameters, and so how to put
     * them back into a model of the same architecture ({@link OnnxWeights#load}): the export read
     * backwards.
     */
    sealed interface Binding permits ConvBinding, LinearBinding {
        /** Sets the parameters from {@code values}, the export's initializers by name. */
        void restore(Map<String, float[]> values);
    }

    /**
     * A Conv node's weight and bias initializers (bias null when it has none). With a folded batch
     * norm, the folded weights go into the convolution and the batch norm becomes the bias alone:
     * gamma 1, beta the folded bias, running mean 0 and running variance 1 - eps, so that in
     * inference it adds the bias and scales by 1 / sqrt(1 - eps + eps) = 1. The convolution's own
     * bias, if it has one, is 0: the folded bias holds it.
     */
    record ConvBinding(String weight, String bias, Conv2d conv, BatchNorm bn, double epsilon) implements Binding {
        @Override
        public void restore(Map<String, float[]> values) {
            Map<String, Parameter> c = parametersByName(conv);
            put(c.get("weight"), values, weight);
            if (bn == null) {
                if (conv.isIncludeBias()) {
                    put(c.get("bias"), values, bias);
                }
                return;
            }
            if (conv.isIncludeBias()) {
                fill(c.get("bias"), 0f);
            }
            Map<String, Parameter> n = parametersByName(bn);
            fill(n.get("gamma"), 1f);
            put(n.get("beta"), values, bias);
            fill(n.get("runningMean"), 0f);
            fill(n.get("runningVar"), (float) (1 - epsilon));
        }
    }

    /** A Gemm node's weight and bias initializers (bias null when the layer has none). */
    record LinearBinding(String weight, String bias, Linear linear) implements Binding {
        @Override
        public void restore(Map<String, float[]> values) {
            Map<String, Parameter> p = parametersByName(linear);
            put(p.get("weight"), values, weight);
            if (bias != null) {
                put(p.get("bias"), values, bias);
            }
        }
    }

    private final ONNXContext onnx;
    private final List<Binding> bindings = new ArrayList<>();

    NetworkTranslator(ONNXContext onnx) {
        this.onnx = onnx;
    }

    /** The bindings of every weight initializer translated so far, in graph order. */
    List<Binding> bindings() {
        return List.copyOf(bindings);
    }

    /** {@code block}, named {@code path}, applied to {@code x}. */
    Value block(Block block, String path, Value x) {
        // Subclasses before their superclasses: a ResidualBlock is a NamedSequentialBlock, a
        // LayerOp a LambdaBlock.
        if (block instanceof ResidualBlock residual) {
            return residual(residual, path, x);
        }
        if (block instanceof NamedSequentialBlock sequence) {
            return sequence(sequence.layers(), sequence, path, x);
        }
        if (block instanceof SequentialBlock sequence) {
            return sequence(sequence.getChildren().values(), sequence, path, x);
        }
        if (block instanceof SqueezeExcitation se) {
            return squeezeExcitation(se, path, x);
        }
        if (block instanceof Conv2d conv) {
            return conv(conv, null, path, null, x);
        }
        if (block instanceof Linear linear) {
            return linear(linear, path, x);
        }
        if (block instanceof Dropout) {
            return x; // identity in inference
        }
        if (block instanceof LayerOp op) {
            return layerOp(op, path, x);
        }
        if (block instanceof BatchNorm) {
            throw new IllegalArgumentException("cannot export " + path + ": a batch norm is exported folded into"
                    + " the Conv2d right before it in the same sequence, and this one has none");
        }
        if (block instanceof LambdaBlock lambda) {
            throw new IllegalArgumentException("cannot export " + path + ": it is a LambdaBlock ('" + lambda.getName()
                    + "') whose function cannot be read; build such layers as org.deepfer.train.model.LayerOp");
        }
        throw new IllegalArgumentException("cannot export " + path + ": no ONNX translation for "
                + block.getClass().getName() + "; supported: " + SUPPORTED);
    }

    /** Layers one after the other; a Conv2d followed by a BatchNorm becomes one Conv. */
    private Value sequence(List<Block> layers, Block parent, String path, Value x) {
        Value current = x;
        for (int i = 0; i < layers.size(); i++) {
            Block layer = layers.get(i);
            String layerPath = childPath(parent, layer, path);
            if (layer instanceof Conv2d conv && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm bn) {
                current = conv(conv, bn, layerPath, childPath(parent, bn, path), current);
                i++;
            } else {
                current = block(layer, layerPath, current);
            }
        }
        return current;
    }

    /** The layers, plus the shortcut (identity or projection), then the activation of the sum if any. */
    private Value residual(ResidualBlock residual, String path, Value x) {
        Value branch = sequence(residual.layers(), residual, path, x);
        Value shortcut = residual.shortcut().isPresent()
                ? block(residual.shortcut().get(), path + "_shortcut", x)
                : x;
        if (!branch.shape().equals(shortcut.shape())) {
            throw new IllegalArgumentException("cannot export " + path + ": its layers give " + branch.shape()
                    + " but its shortcut " + shortcut.shape());
        }
        Value sum = new Value(onnx.operation(ONNXOperators.ADD, List.of(branch.ref(), shortcut.ref()), path + "_sum"),
                branch.shape());
        return residual.activationAfterSum().map(act -> layerOp(act, path + "_sumact", sum)).orElse(sum);
    }

    /**
     * x * sigmoid(expand(silu(reduce(pool(x))))), as {@link SqueezeExcitation} computes it (global
     * average pool keeping the 1x1 spatial dimensions, 1x1 convolutions with bias).
     */
    private Value squeezeExcitation(SqueezeExcitation se, String path, Value x) {
        long channels = x.shape().get(1);
        Value pooled = new Value(onnx.operation(OnnxOps.GLOBAL_AVERAGE_POOL, List.of(x.ref()), path + "_pool"),
                new Shape(1, channels, 1, 1));
        Value squeezed = conv(se.reduce(), null, path + "_reduce", null, pooled);
        Value activated = silu(squeezed, path + "_act");
        Value gate = conv(se.expand(), null, path + "_expand", null, activated);
        Value sigmoid = new Value(onnx.operation(ONNXOperators.SIGMOID, List.of(gate.ref()), path + "_gate"),
                gate.shape());
        return new Value(onnx.operation(ONNXOperators.MUL, List.of(x.ref(), sigmoid.ref()), path + "_scale"),
                x.shape());
    }

    /**
     * A Conv node; with {@code bn}, the batch norm is folded in: per output channel c, with s =
     * gamma / sqrt(runningVar + eps), the weights become w * s and the bias (b - runningMean) * s +
     * beta. Computed in double, stored as float.
     */
    private Value conv(Conv2d conv, BatchNorm bn, String path, String bnPath, Value x) {
        Map<String, Parameter> params = parametersByName(conv);
        NDArray weightArray = array(params.get("weight"), path + "_weight");
        Shape weightShape = weightArray.getShape();
        float[] weight = weightArray.toFloatArray();
        int outChannels = Math.toIntExact(weightShape.get(0));
        int perChannel = weight.length / outChannels;
        double[] bias = new double[outChannels];
        if (conv.isIncludeBias()) {
            float[] b = array(params.get("bias"), path + "_bias").toFloatArray();
            for (int c = 0; c < outChannels; c++) {
                bias[c] = b[c];
            }
        }
        if (bn != null) {
            double epsilon = FerModel.batchNormEpsilon(bn).orElseThrow(() -> new IllegalArgumentException(
                    "cannot export " + bnPath + ": its epsilon is unknown (DJL keeps it private); build batch"
                            + " norms with the model package's Layers.batchNorm, which records it"));
            Map<String, Parameter> p = parametersByName(bn);
            float[] gamma = bnArray(p, "gamma", bnPath);
            float[] beta = bnArray(p, "beta", bnPath);
            float[] mean = bnArray(p, "runningMean", bnPath);
            float[] var = bnArray(p, "runningVar", bnPath);
            if (gamma.length != outChannels) {
                throw new IllegalArgumentException("cannot export " + bnPath + ": it normalizes " + gamma.length
                        + " channels but " + path + " has " + outChannels);
            }
            double[] folded = new double[weight.length];
            for (int c = 0; c < outChannels; c++) {
                double scale = gamma[c] / Math.sqrt(var[c] + epsilon);
                for (int k = c * perChannel; k < (c + 1) * perChannel; k++) {
                    folded[k] = weight[k] * scale;
                }
                bias[c] = (bias[c] - mean[c]) * scale + beta[c];
            }
            for (int k = 0; k < weight.length; k++) {
                weight[k] = (float) folded[k];
            }
        }
        boolean withBias = bn != null || conv.isIncludeBias();
        List<ONNXRef<?>> inputs = new ArrayList<>();
        inputs.add(x.ref());
        ONNXInitializer weightTensor = tensor(path + "_weight", weightShape, weight);
        inputs.add(weightTensor);
        ONNXInitializer biasTensor = null;
        if (withBias) {
            float[] b = new float[outChannels];
            for (int c = 0; c < outChannels; c++) {
                b[c] = (float) bias[c];
            }
            biasTensor = tensor(path + "_bias", new Shape(outChannels), b);
            inputs.add(biasTensor);
        }
        bindings.add(new ConvBinding(weightTensor.getReference(), biasTensor == null ? null
                : biasTensor.getReference(), conv, bn, bn == null ? 0 : FerModel.batchNormEpsilon(bn).orElseThrow()));
        Shape kernel = conv.getKernelShape();
        Shape stride = conv.getStride();
        Shape pad = conv.getPadding();
        Shape dilation = conv.getDilation();
        Map<String, Object> attributes = Map.of(
                "kernel_shape", ints(kernel),
                "strides", ints(stride),
                "pads", symmetricPads(pad),
                "dilations", ints(dilation),
                "group", conv.getGroups());
        Shape out = conv.getOutputShapes(new Shape[] {x.shape()})[0];
        return new Value(onnx.operation(OnnxOps.CONV, inputs, path, attributes), out);
    }

    /** y = x W^T + b as Gemm; DJL's Linear keeps W as (out, in). */
    private Value linear(Linear linear, String path, Value x) {
        if (x.shape().dimension() != 2) {
            throw new IllegalArgumentException("cannot export " + path + ": a Linear layer on input of shape "
                    + x.shape() + "; only (batch, features) input is exported (flatten or pool first)");
        }
        Map<String, Parameter> p = parametersByName(linear);
        NDArray weight = array(p.get("weight"), path + "_weight");
        Shape weightShape = weight.getShape();
        List<ONNXRef<?>> inputs = new ArrayList<>();
        inputs.add(x.ref());
        ONNXInitializer weightTensor = tensor(path + "_weight", weightShape, weight.toFloatArray());
        inputs.add(weightTensor);
        ONNXInitializer biasTensor = null;
        if (p.containsKey("bias")) {
            biasTensor = tensor(path + "_bias", new Shape(weightShape.get(0)),
                    array(p.get("bias"), path + "_bias").toFloatArray());
            inputs.add(biasTensor);
        }
        bindings.add(new LinearBinding(weightTensor.getReference(), biasTensor == null ? null
                : biasTensor.getReference(), linear));
        Shape out = linear.getOutputShapes(new Shape[] {x.shape()})[0];
        return new Value(onnx.operation(ONNXOperators.GEMM, inputs, path, Map.of("transB", 1)), out);
    }

    private Value layerOp(LayerOp op, String path, Value x) {
        Shape out = op.getOutputShapes(new Shape[] {x.shape()})[0];
        return switch (op.kind()) {
            case RELU -> new Value(onnx.operation(OnnxOps.RELU, List.of(x.ref()), path), out);
            case RELU6 -> new Value(onnx.operation(OnnxOps.CLIP,
                    List.of(x.ref(), onnx.constant(path + "_min", 0f), onnx.constant(path + "_max", 6f)), path), out);
            case SILU -> silu(x, path);
            case MAX_POOL -> {
                LayerOp.PoolWindow w = op.poolWindow();
                yield new Value(onnx.operation(OnnxOps.MAX_POOL, List.of(x.ref()), path, Map.of(
                        "kernel_shape", ints(w.kernel()),
                        "strides", ints(w.stride()),
                        "pads", symmetricPads(w.padding()))), out);
            }
            case GLOBAL_AVG_POOL -> {
                // DJL's global pooling drops the 1x1 spatial dimensions; ONNX's keeps them.
                ONNXRef<?> pooled = onnx.operation(OnnxOps.GLOBAL_AVERAGE_POOL, List.of(x.ref()), path);
                yield new Value(onnx.operation(OnnxOps.FLATTEN, List.of(pooled), path + "_flat", Map.of("axis", 1)),
                        out);
            }
            case FLATTEN -> new Value(onnx.operation(OnnxOps.FLATTEN, List.of(x.ref()), path, Map.of("axis", 1)),
                    out);
        };
    }

    /** x * sigmoid(x). */
    private Value silu(Value x, String path) {
        ONNXRef<?> sigmoid = onnx.operation(ONNXOperators.SIGMOID, List.of(x.ref()), path + "_sigmoid");
        return new Value(onnx.operation(ONNXOperators.MUL, List.of(x.ref(), sigmoid), path), x.shape());
    }

    private ONNXInitializer tensor(String name, Shape shape, float[] values) {
        List<Integer> dims = new ArrayList<>();
        for (long d : shape.getShape()) {
            dims.add(Math.toIntExact(d));
        }
        return onnx.floatTensor(name, dims, buffer -> buffer.put(values));
    }

    /** The name {@code child} is registered under in {@code parent}, joined to the parent's path. */
    private static String childPath(Block parent, Block child, String parentPath) {
        for (Pair<String, Block> named : parent.getChildren()) {
            if (named.getValue() == child) {
                return parentPath + "_" + named.getKey();
            }
        }
        throw new IllegalStateException(parentPath + " runs a layer it does not register as a child");
    }

    private static Map<String, Parameter> parametersByName(Block block) {
        return block.getDirectParameters().toMap();
    }

    private static float[] bnArray(Map<String, Parameter> parameters, String name, String path) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("cannot export " + path + ": the batch norm has no " + name
                    + " parameter (found " + parameters.keySet() + ")");
        }
        return array(p, path + "_" + name).toFloatArray();
    }

    private static NDArray array(Parameter parameter, String name) {
        if (parameter == null || !parameter.isInitialized()) {
            throw new IllegalStateException("parameter " + name + " is not initialized; initialize or load the"
                    + " model before exporting it");
        }
        return parameter.getArray();
    }

    /** Sets {@code parameter} to the values of the initializer {@code name}, which must fit its shape. */
    private static void put(Parameter parameter, Map<String, float[]> values, String name) {
        float[] v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the ONNX graph has no initializer " + name + ", which the model's "
                    + parameter.getName() + " parameter comes from: it is not an export of this architecture");
        }
        NDArray array = parameter.getArray();
        if (v.length != array.size()) {
            throw new IllegalArgumentException("the ONNX initializer " + name + " holds " + v.length + " values, but"
                    + " the model's " + parameter.getName() + " parameter there has shape " + array.getShape() + " ("
                    + array.size() + "): it is an export of another width or class count");
        }
        array.set(FloatBuffer.wrap(v));
    }

    private static void fill(Parameter parameter, float value) {
        float[] v = new float[Math.toIntExact(parameter.getArray().size())];
        Arrays.fill(v, value);
        parameter.getArray().set(FloatBuffer.wrap(v));
    }

    private static int[] ints(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(shape.get(i));
        }
        return out;
    }

    /** DJL pads each spatial dimension by the same amount on both sides; ONNX lists begins, then ends. */
    private static int[] symmetricPads(Shape padding) {
        int[] each = ints(padding);
        int[] pads = new int[each.length * 2];
        for (int i = 0; i < each.length; i++) {
            pads[i] = each[i];
            pads[i + each.length] = each[i];
        }
        return pads;
    }
}
