package org.deepfer.train.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The whole classifier: a backbone (image to feature vector) followed by a head (feature vector to
 * class scores), registered as children {@code backbone} and {@code head}.
 *
 * <p>While the backbone is frozen it runs in inference mode even in a training pass: freezing
 * parameters stops gradient updates, but a batch norm in training mode would still normalize with
 * batch statistics and overwrite its running mean and variance. Keras freezes the same way.
 */
final class FerNetwork extends AbstractBlock {

    private final Block backbone;
    private final Block head;
    private volatile boolean backboneFrozen;

    FerNetwork(Block backbone, Block head) {
        this.backbone = backbone;
        this.head = head;
        children.add("backbone", backbone);
        children.add("head", head);
    }

    Block backbone() {
        return backbone;
    }

    Block head() {
        return head;
    }

    boolean isBackboneFrozen() {
        return backboneFrozen;
    }

    void setBackboneFrozen(boolean frozen) {
        backboneFrozen = frozen;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList features =
                backbone.forward(parameterStore, inputs, training && !backboneFrozen, params);
        return head.forward(parameterStore, features, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return head.getOutputShapes(backbone.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        backbone.initialize(manager, dataType, inputShapes);
        head.initialize(manager, dataType, backbone.getOutputShapes(inputShapes));
    }
}
