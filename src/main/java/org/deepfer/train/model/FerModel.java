package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.Map;

/**
 * A built classifier: the full {@link #block()} to hand to {@code Model.setBlock}, and its two
 * parts, the {@link #backbone()} (image to feature vector) and the {@link #head()} (dropout and a
 * linear layer to class scores), for head-only training, fine-tuning and backbone transfer.
 *
 * <p>Parameter names, as {@code block().getParameters()} lists them, follow the block hierarchy and
 * are the same for every build of the same spec: {@code backbone_stem_conv_weight}, {@code
 * backbone_stage1_block1_conv1_weight}, ..., {@code head_classifier_weight}. A backbone's names do
 * not depend on the number of classes.
 */
public final class FerModel {

    private final ModelSpec spec;
    private final FerNetwork network;
    private final int featureSize;

    FerModel(ModelSpec spec, Block backbone, int featureSize, Block head) {
        this.spec = spec;
        this.network = new FerNetwork(backbone, head);
        this.featureSize = featureSize;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The whole network: NCHW images in, one unnormalized score per class out. */
    public Block block() {
        return network;
    }

    /** Images in, a {@link #featureSize()}-long feature vector per image out. */
    public Block backbone() {
        return network.backbone();
    }

    /** Feature vector in, class scores out. */
    public Block head() {
        return network.head();
    }

    /** Length of the feature vector the backbone produces and the head consumes. */
    public int featureSize() {
        return featureSize;
    }

    /**
     * Freezes or unfreezes the backbone. Use this rather than {@code
     * backbone().freezeParameters(...)}, which falls short twice: frozen batch norms would still
     * update their running statistics in training passes (here a frozen backbone runs in inference
     * mode), and {@code freezeParameters(false)} would mark those running statistics as trainable
     * too (here they stay untouched by the optimizer).
     */
    public void freezeBackbone(boolean frozen) {
        if (frozen) {
            backbone().freezeParameters(true);
        } else {
            backbone().freezeParameters(false, FerModel::isLearnable);
        }
        network.setBackboneFrozen(frozen);
    }

    public boolean isBackboneFrozen() {
        return network.isBackboneFrozen();
    }

    /**
     * Copies every backbone parameter, running statistics included, from {@code source} by name.
     * Both models must be initialized and share the backbone architecture; their heads may differ
     * (another number of classes, say).
     *
     * @throws IllegalArgumentException naming the first parameter that is missing or shaped
     *     differently in {@code source}
     */
    public void copyBackboneFrom(FerModel source) {
        Map<String, Parameter> sourceByName = source.backbone().getParameters().toMap();
        for (Pair<String, Parameter> target : backbone().getParameters()) {
            Parameter from = sourceByName.get(target.getKey());
            if (from == null) {
                throw new IllegalArgumentException(
                        "source backbone ("
                                + source.spec.name()
                                + ") has no parameter "
                                + target.getKey());
            }
            NDArray to = requireInitialized(target.getValue(), target.getKey());
            NDArray values = requireInitialized(from, target.getKey());
            if (!values.getShape().equals(to.getShape())) {
                throw new IllegalArgumentException(
                        "parameter "
                                + target.getKey()
                                + " has shape "
                                + values.getShape()
                                + " in the source but "
                                + to.getShape()
                                + " here");
            }
            values.copyTo(to);
        }
    }

    /**
     * Number of trainable values: weights, biases and batch-norm scale and shift, but not the
     * running statistics. Needs an initialized block (parameter shapes are known only then).
     */
    public long trainableParameterCount() {
        long count = 0;
        for (Pair<String, Parameter> named : block().getParameters()) {
            if (isLearnable(named.getValue())) {
                count += requireInitialized(named.getValue(), named.getKey()).getShape().size();
            }
        }
        return count;
    }

    /** True for parameters an optimizer updates; false for batch-norm running statistics. */
    static boolean isLearnable(Parameter parameter) {
        Parameter.Type type = parameter.getType();
        return type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR;
    }

    private static NDArray requireInitialized(Parameter parameter, String name) {
        if (!parameter.isInitialized()) {
            throw new IllegalStateException(
                    "parameter " + name + " is not initialized; initialize the block first");
        }
        return parameter.getArray();
    }

    @Override
    public String toString() {
        return "FerModel[" + spec + ", featureSize=" + featureSize + "]";
    }
}
