package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

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

    /**
     * The network cut after its last spatial feature map (the layer Grad-CAM looks at): {@code
     * toMap} takes images to the map, shape (N, C, h, w); {@code fromMap} takes the map on to the
     * class scores. A last stage that ends in max pooling is cut before the pooling, where the map
     * is twice as fine.
     */
    public record FeatureMapCut(List<Block> toMap, List<Block> fromMap) {
        public FeatureMapCut {
            toMap = List.copyOf(toMap);
            fromMap = List.copyOf(fromMap);
        }

        /** The feature maps of {@code images}, in inference mode. */
        public NDArray map(ParameterStore parameters, NDArray images) {
            return run(toMap, parameters, images);
        }

        /** The class scores from feature maps, in inference mode. */
        public NDArray scores(ParameterStore parameters, NDArray maps) {
            return run(fromMap, parameters, maps);
        }

        private static NDArray run(List<Block> blocks, ParameterStore parameters, NDArray x) {
            NDList current = new NDList(x);
            for (Block b : blocks) {
                current = b.forward(parameters, current, false);
            }
            return current.singletonOrThrow();
        }
    }

    /** See {@link FeatureMapCut}; the model must be initialized. */
    public FeatureMapCut featureMapCut() {
        if (!(network.backbone() instanceof NamedSequentialBlock backbone)) {
            throw new IllegalStateException(spec.name() + " has no layer sequence to cut");
        }
        List<Block> layers = backbone.layers();
        Shape shape = spec.inputShape(1);
        int last = -1;
        for (int i = 0; i < layers.size(); i++) {
            shape = layers.get(i).getOutputShapes(new Shape[] {shape})[0];
            if (shape.dimension() == 4) {
                last = i;
            }
        }
        if (last < 0) {
            throw new IllegalStateException(spec.name() + " has no spatial feature map");
        }
        List<Block> toMap = new ArrayList<>(layers.subList(0, last));
        List<Block> fromMap = new ArrayList<>();
        Block cut = layers.get(last);
        if (cut instanceof NamedSequentialBlock stage && stage.getChildren().keys().get(stage.layers().size() - 1)
                .equals("pool")) {
            List<Block> inner = stage.layers();
            toMap.addAll(inner.subList(0, inner.size() - 1));
            fromMap.add(inner.get(inner.size() - 1));
        } else {
            toMap.add(cut);
        }
        fromMap.addAll(layers.subList(last + 1, layers.size()));
        fromMap.add(network.head());
        return new FeatureMapCut(toMap, fromMap);
    }

    /**
     * The epsilon batch norm {@code bn} of this model adds to the variance: DJL keeps it private and
     * checkpoints do not hold it, but folding a batch norm into the convolution before it (ONNX
     * export) needs it. Empty for a batch norm not built by this package.
     */
    public static OptionalDouble batchNormEpsilon(BatchNorm bn) {
        return Layers.batchNormEpsilon(bn);
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
