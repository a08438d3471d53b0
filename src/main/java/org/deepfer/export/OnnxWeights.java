package org.deepfer.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deepfer.train.model.FerModel;

/**
 * The weights of an exported graph: stored in half precision to halve the file, and read back into
 * a DJL model, so that a shipped directory can hold one copy of the weights (the ONNX file) for
 * both engines.
 *
 * <p>Half-precision storage keeps the graph float32: each float initializer of more than one value
 * is stored as float16 under {@code <name>_fp16} and a Cast node at the head of the graph gives it
 * back as float32 under its own name, which ONNX Runtime folds into a constant when it loads the
 * file. Scalars (the normalization, the temperature) stay exact. Rounding to float16 changes a
 * weight by at most 2^-11 of its magnitude.
 */
public final class OnnxWeights {
    /** Suffix of the float16 initializer that stands for a float32 one. */
    static final String HALF_SUFFIX = "_fp16";
    /** The largest finite float16. */
    static final float HALF_MAX = 65504f;

    private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    private static final int FLOAT16 = OnnxMl.TensorProto.DataType.FLOAT16.getNumber();

    private OnnxWeights() {}

    /**
     * {@code model} with every float initializer of more than one value stored as float16 and cast
     * back to float32 at the head of the graph.
     *
     * @throws IllegalArgumentException naming an initializer with a value beyond float16's range
     *     ({@value #HALF_MAX})
     */
    public static OnnxMl.ModelProto halfPrecision(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto graph = model.getGraph();
        Set<String> graphInputs = new HashSet<>();
        graph.getInputList().forEach(i -> graphInputs.add(i.getName()));
        OnnxMl.GraphProto.Builder halved = graph.toBuilder().clearInitializer().clearNode();
        List<OnnxMl.NodeProto> casts = new ArrayList<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getDataType() != FLOAT || elements(t) < 2 || graphInputs.contains(t.getName())) {
                halved.addInitializer(t);
                continue;
            }
            float[] values = floats(t);
            ByteBuffer bytes = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                if (!(Math.abs(values[i]) <= HALF_MAX)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "cannot store %s in float16: its"
                            + " value %s at %d is beyond float16's range (%s); export with float32 weights",
                            t.getName(), values[i], i, HALF_MAX));
                }
                bytes.putShort(toHalf(values[i]));
            }
            String stored = t.getName() + HALF_SUFFIX;
            halved.addInitializer(OnnxMl.TensorProto.newBuilder().setName(stored).addAllDims(t.getDimsList())
                    .setDataType(FLOAT16).setRawData(ByteString.copyFrom(bytes.array())));
            casts.add(OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(t.getName() + "_cast").addInput(stored)
                    .addOutput(t.getName()).addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                            .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(FLOAT))
                    .build());
        }
        halved.addAllNode(casts).addAllNode(graph.getNodeList());
        return model.toBuilder().setGraph(halved).build();
    }

    /** How the graph stores its weights: {@code float16} if any initializer is, else {@code float32}. */
    public static String storage(OnnxMl.ModelProto model) {
        return model.getGraph().getInitializerList().stream().anyMatch(t -> t.getDataType() == FLOAT16)
                ? "float16" : "float32";
    }

    /**
     * Sets the parameters of {@code model} to the weights of {@code onnx}, an export of the same
     * architecture (width, input, classes): in the exported inference form, each batch norm reduced
     * to the bias of the convolution before it (see {@link NetworkTranslator.ConvBinding}), which
     * predicts exactly as the graph does but is not the trained model's state for further training.
     *
     * @throws IllegalArgumentException when the graph lacks an initializer the model needs or holds
     *     one of another size
     */
    public static void load(FerModel model, OnnxMl.ModelProto onnx) {
        Map<String, float[]> values = weights(onnx.getGraph());
        for (NetworkTranslator.Binding binding : OnnxExporter.bindings(model)) {
            binding.restore(values);
        }
    }

    /**
     * The graph's float initializers as float32 by the name the graph uses them under: a float16
     * initializer that a Cast to float turns into a tensor, under the Cast's output name.
     */
    static Map<String, float[]> weights(OnnxMl.GraphProto graph) {
        Map<String, OnnxMl.TensorProto> byName = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            byName.put(t.getName(), t);
        }
        Map<String, float[]> values = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getDataType() == FLOAT) {
                values.put(t.getName(), floats(t));
            }
        }
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Cast") && node.getInputCount() == 1 && byName.containsKey(node.getInput(0))
                    && byName.get(node.getInput(0)).getDataType() == FLOAT16 && castsToFloat(node)) {
                values.put(node.getOutput(0), halves(byName.get(node.getInput(0))));
            }
        }
        return values;
    }

    private static boolean castsToFloat(OnnxMl.NodeProto cast) {
        return cast.getAttributeList().stream().anyMatch(a -> a.getName().equals("to") && a.getI() == FLOAT);
    }

    private static long elements(OnnxMl.TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /**
     * A FLOAT tensor's values, from raw little-endian bytes or the float_data field; {@link
     * Int8Quantizer} reads its initializers with it too.
     */
    static float[] floats(OnnxMl.TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(v);
        return v;
    }

    /** A FLOAT16 tensor's values as float32, from raw little-endian bytes or the int32_data field. */
    static float[] halves(OnnxMl.TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] v = new float[t.getInt32DataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = fromHalf((short) t.getInt32Data(i));
            }
            return v;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[raw.remaining() / 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = fromHalf(raw.getShort());
        }
        return v;
    }

    /**
     * The float16 nearest to {@code f} (ties to even), as IEEE 754 binary16 bits; beyond the range,
     * infinity; NaN stays NaN. (Java 17 has no {@code Float.floatToFloat16}.)
     */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00); // 65520 and above round to infinity
        }
        if (abs >= 0x38800000) {
            // Normal: drop 13 mantissa bits, rounding to nearest even; a carry may raise the exponent.
            int rounded = abs + 0x0fff + ((abs >>> 13) & 1);
            return (short) (sign | ((rounded >>> 13) - (112 << 10)));
        }
        int exponent = abs >>> 23;
        if (exponent < 102) {
            return (short) sign; // below 2^-25: rounds to zero
        }
        // Subnormal: whole units of 2^-24, rounding to nearest even (2^-14 itself may come out).
        int mantissa = (abs & 0x7fffff) | 0x800000;
        int shift = 126 - exponent;
        int units = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (units & 1) == 1)) {
            units++;
        }
        return (short) (sign | units);
    }

    /** The value of the IEEE 754 binary16 bits {@code h}. */
    static float fromHalf(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float v = mantissa * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
