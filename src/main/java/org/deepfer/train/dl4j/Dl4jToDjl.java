package org.deepfer.train.dl4j;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepfer.train.model.FerModel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies a trained DL4J {@link BaselineDl4j} network into our DJL {@code baseline} {@link FerModel},
 * so the model directory it goes into is the same as the DJL trainer's and every downstream job
 * (predict, evaluate, export, realtime) reads it unchanged.
 *
 * <p>Convolution kernels are [out, in, kh, kw] in both. DL4J keeps dense weights as [in, out] and
 * DJL's Linear as [out, in]: transposed. DL4J's flatten is channel-major like DJL's, so the dense
 * layer's inputs line up without permuting. Batch-norm gamma, beta, mean and variance (DL4J shape
 * [1, C]) go over as they are: both add the same epsilon (1e-5) to the variance.
 */
public final class Dl4jToDjl {

    private Dl4jToDjl() {}

    /**
     * Overwrites every parameter of {@code target} (initialized, the baseline of {@code layout})
     * with its counterpart in {@code source}.
     *
     * @throws IllegalStateException naming the parameter that has no counterpart or another size
     */
    public static void copy(MultiLayerNetwork source, BaselineLayout layout, FerModel target) {
        Map<String, float[]> values = djlValues(source, layout);
        for (Pair<String, Parameter> p : target.block().getParameters()) {
            float[] v = values.remove(p.getKey());
            if (v == null) {
                throw new IllegalStateException("DJL parameter " + p.getKey() + " has no DL4J counterpart");
            }
            NDArray array = p.getValue().getArray();
            if (array.size() != v.length) {
                throw new IllegalStateException("DJL parameter " + p.getKey() + " has shape " + array.getShape()
                        + " (" + array.size() + " values) but its DL4J counterpart has " + v.length);
            }
            array.set(v);
        }
        if (!values.isEmpty()) {
            throw new IllegalStateException("DL4J parameters without a DJL counterpart: " + values.keySet());
        }
    }

    /** DL4J's parameters under DJL's names, as flat row-major arrays in DJL's layout. */
    private static Map<String, float[]> djlValues(MultiLayerNetwork net, BaselineLayout layout) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int stage = 1; stage <= layout.stageFilters().size(); stage++) {
            out.put(BaselineLayout.conv(stage), flat(param(net, BaselineDl4j.convName(stage), "W")));
            Layer bn = layer(net, BaselineDl4j.batchNormName(stage));
            out.put(BaselineLayout.batchNorm(stage, "gamma"), flat(bn.getParam("gamma")));
            out.put(BaselineLayout.batchNorm(stage, "beta"), flat(bn.getParam("beta")));
            out.put(BaselineLayout.batchNorm(stage, "runningMean"), flat(bn.getParam("mean")));
            out.put(BaselineLayout.batchNorm(stage, "runningVar"), flat(bn.getParam("var")));
        }
        out.put(BaselineLayout.DENSE + "weight", flat(param(net, BaselineDl4j.DENSE, "W").transpose()));
        out.put(BaselineLayout.DENSE + "bias", flat(param(net, BaselineDl4j.DENSE, "b")));
        out.put(BaselineLayout.CLASSIFIER + "weight", flat(param(net, BaselineDl4j.CLASSIFIER, "W").transpose()));
        out.put(BaselineLayout.CLASSIFIER + "bias", flat(param(net, BaselineDl4j.CLASSIFIER, "b")));
        return out;
    }

    private static Layer layer(MultiLayerNetwork net, String name) {
        Layer layer = net.getLayer(name);
        if (layer == null) {
            throw new IllegalStateException("the DL4J network has no layer '" + name + "'");
        }
        return layer;
    }

    private static INDArray param(MultiLayerNetwork net, String layer, String key) {
        INDArray p = layer(net, layer).getParam(key);
        if (p == null) {
            throw new IllegalStateException("DL4J layer '" + layer + "' has no parameter '" + key + "'");
        }
        return p;
    }

    /** Row-major values of {@code a}, whatever its own ordering or view. */
    private static float[] flat(INDArray a) {
        return Nd4j.toFlattened('c', a).toFloatVector();
    }
}
