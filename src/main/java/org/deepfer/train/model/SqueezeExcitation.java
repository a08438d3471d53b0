package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Squeeze-and-excitation: rescales each channel by a gate computed from the globally pooled input
 * (pool, 1x1 conv down to {@code squeezeChannels}, SiLU, 1x1 conv back up, sigmoid).
 *
 * <p>Public, read-only, for code that walks a built network: the ONNX exporter rebuilds exactly
 * this computation from {@link #reduce()} and {@link #expand()}, so a change here must be made
 * there too (its parity test fails otherwise).
 */
public final class SqueezeExcitation extends AbstractBlock {

    private final Conv2d reduce;
    private final Conv2d expand;

    SqueezeExcitation(int channels, int squeezeChannels) {
        reduce = Layers.pointwiseWithBias(squeezeChannels);
        expand = Layers.pointwiseWithBias(channels);
        // Registered by name directly, as in NamedSequentialBlock, for readable parameter names.
        children.add("reduce", reduce);
        children.add("expand", expand);
    }

    /** The 1x1 convolution (with bias) from the pooled channels down to the squeeze channels. */
    public Conv2d reduce() {
        return reduce;
    }

    /** The 1x1 convolution (with bias) from the squeeze channels back up to the gate. */
    public Conv2d expand() {
        return expand;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        // PyTorch-backed NDArray.mean takes one axis at a time; global pooling does both at once.
        NDArray pooled = Pool.globalAvgPool2d(x).expandDims(2).expandDims(3);
        NDArray squeezed =
                reduce.forward(parameterStore, new NDList(pooled), training, params).head();
        NDArray gate =
                expand.forward(parameterStore, new NDList(Layers.silu(squeezed)), training, params)
                        .head();
        return new NDList(x.mul(Activation.sigmoid(gate)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape input = inputShapes[0];
        Shape pooled = new Shape(input.get(0), input.get(1), 1, 1);
        reduce.initialize(manager, dataType, pooled);
        expand.initialize(manager, dataType, reduce.getOutputShapes(new Shape[] {pooled}));
    }
}
