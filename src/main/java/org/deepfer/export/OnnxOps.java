package org.deepfer.export;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * The ONNX operators of opset {@value OnnxExporter#OPSET} that convolutional networks need and
 * Tribuo's {@link ONNXOperators} lacks (it has the arithmetic, Gemm, Softmax and Concat, which we
 * use from there). Inputs, optional inputs and attributes as the ONNX operator specification lists
 * them for this opset; Tribuo's node builder checks every node against them.
 */
enum OnnxOps implements ONNXOperator {
    /** 2-D convolution (Conv-11): X, W and an optional bias B. */
    CONV("Conv", 2, 1,
            attr("auto_pad", AttributeType.STRING),
            attr("dilations", AttributeType.INTS),
            attr("group", AttributeType.INT),
            attr("kernel_shape", AttributeType.INTS),
            attr("pads", AttributeType.INTS),
            attr("strides", AttributeType.INTS)),
    /** max(x, 0) (Relu-13). */
    RELU("Relu", 1, 0),
    /** min(max(x, min), max) (Clip-13), bounds as optional scalar inputs. */
    CLIP("Clip", 1, 2),
    /** Max pooling (MaxPool-12); the optional Indices output is not asked for. */
    MAX_POOL("MaxPool", 1, 0,
            attr("auto_pad", AttributeType.STRING),
            attr("ceil_mode", AttributeType.INT),
            attr("dilations", AttributeType.INTS),
            mandatory("kernel_shape", AttributeType.INTS),
            attr("pads", AttributeType.INTS),
            attr("storage_order", AttributeType.INT),
            attr("strides", AttributeType.INTS)),
    /** Average pooling (AveragePool-11). */
    AVERAGE_POOL("AveragePool", 1, 0,
            attr("auto_pad", AttributeType.STRING),
            attr("ceil_mode", AttributeType.INT),
            attr("count_include_pad", AttributeType.INT),
            mandatory("kernel_shape", AttributeType.INTS),
            attr("pads", AttributeType.INTS),
            attr("strides", AttributeType.INTS)),
    /** Mean over all spatial positions: (N, C, H, W) to (N, C, 1, 1). */
    GLOBAL_AVERAGE_POOL("GlobalAveragePool", 1, 0),
    /** (d0, ..., dn) to (d0 * ... * d(axis-1), d(axis) * ... * dn) (Flatten-13). */
    FLATTEN("Flatten", 1, 0, attr("axis", AttributeType.INT)),
    /**
     * Resize-13: X, roi, scales and sizes. roi and scales are single inputs in this opset: an
     * unused one is passed as an empty tensor, not left out.
     */
    RESIZE("Resize", 3, 1,
            attr("coordinate_transformation_mode", AttributeType.STRING),
            attr("cubic_coeff_a", AttributeType.FLOAT),
            attr("exclude_outside", AttributeType.INT),
            attr("extrapolation_value", AttributeType.FLOAT),
            attr("mode", AttributeType.STRING),
            attr("nearest_mode", AttributeType.STRING)),
    /** Element-wise floor (Floor-13). */
    FLOOR("Floor", 1, 0),
    /** The shape of the input as a 1-D int64 tensor (Shape-13). */
    SHAPE("Shape", 1, 0),
    /** Slice-13: data, starts, ends, and optional axes and steps. */
    SLICE("Slice", 3, 2);

    private final String opName;
    private final int inputs;
    private final int optionalInputs;
    private final Map<String, ONNXAttribute> attributes;
    private final Set<String> mandatory;

    OnnxOps(String opName, int inputs, int optionalInputs, ONNXAttribute... attributes) {
        this.opName = opName;
        this.inputs = inputs;
        this.optionalInputs = optionalInputs;
        Map<String, ONNXAttribute> byName = new LinkedHashMap<>();
        for (ONNXAttribute a : attributes) {
            byName.put(a.getName(), a);
        }
        this.attributes = Collections.unmodifiableMap(byName);
        this.mandatory = Arrays.stream(attributes).filter(ONNXAttribute::isMandatory)
                .map(ONNXAttribute::getName).collect(Collectors.toUnmodifiableSet());
    }

    private static ONNXAttribute attr(String name, AttributeType type) {
        return new ONNXAttribute(name, type, false);
    }

    private static ONNXAttribute mandatory(String name, AttributeType type) {
        return new ONNXAttribute(name, type, true);
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return inputs;
    }

    @Override
    public int getNumOptionalInputs() {
        return optionalInputs;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return mandatory;
    }

    /** The opset the graph imports; every operator here is defined as of that opset. */
    @Override
    public int getOpVersion() {
        return OnnxExporter.OPSET;
    }

    /** The default ONNX domain (null, as Tribuo's own operators have it). */
    @Override
    public String getOpDomain() {
        return null;
    }
}
