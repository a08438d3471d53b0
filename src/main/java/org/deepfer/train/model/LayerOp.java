package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.pooling.Pool;

import java.util.function.UnaryOperator;

/**
 * A layer without parameters that says what it computes ({@link #kind()}), so that code which
 * re-expresses a network outside DJL (the ONNX exporter) can read it. DJL's own factories ({@code
 * Activation.reluBlock()}, {@code Pool.maxPool2dBlock(...)}, {@code Blocks.batchFlattenBlock()})
 * return LambdaBlocks whose function and pooling window cannot be inspected.
 *
 * <p>It is still a {@link LambdaBlock} running the same DJL function those factories wrap, so it
 * saves and loads byte for byte as they did: parameter names and {@code model.params} files are
 * unaffected.
 */
public final class LayerOp extends LambdaBlock {

    /** What the layer computes. */
    public enum Kind {
        /** max(x, 0). */
        RELU,
        /** min(max(x, 0), 6). */
        RELU6,
        /** SiLU (swish with beta 1): x * sigmoid(x). */
        SILU,
        /** 2-D max pooling over {@link #poolWindow()}, padding counting as minus infinity. */
        MAX_POOL,
        /** Mean over height and width: (N, C, H, W) to (N, C). */
        GLOBAL_AVG_POOL,
        /** (N, ...) to (N, product of the rest), row-major. */
        FLATTEN
    }

    /** The window of a {@link Kind#MAX_POOL} layer: 2-D kernel, stride and padding (each side). */
    public record PoolWindow(Shape kernel, Shape stride, Shape padding) {}

    private final Kind kind;
    private final PoolWindow window;
    private final UnaryOperator<NDArray> function;

    private LayerOp(Kind kind, String name, PoolWindow window, UnaryOperator<NDArray> function) {
        super(inputs -> new NDList(function.apply(inputs.singletonOrThrow())), name);
        this.kind = kind;
        this.window = window;
        this.function = function;
    }

    static LayerOp relu() {
        return new LayerOp(Kind.RELU, "ReLU", null, Activation::relu);
    }

    static LayerOp relu6() {
        return new LayerOp(Kind.RELU6, "ReLU6", null, Activation::relu6);
    }

    static LayerOp silu() {
        return new LayerOp(Kind.SILU, "Swish", null, x -> Activation.swish(x, 1f));
    }

    static LayerOp maxPool(Shape kernel, Shape stride, Shape padding) {
        return new LayerOp(
                Kind.MAX_POOL,
                "maxPool2d",
                new PoolWindow(kernel, stride, padding),
                x -> Pool.maxPool2d(x, kernel, stride, padding, false));
    }

    static LayerOp maxPool(Shape kernel, Shape stride) {
        return maxPool(kernel, stride, new Shape(0, 0));
    }

    static LayerOp globalAvgPool() {
        return new LayerOp(Kind.GLOBAL_AVG_POOL, "globalAvgPool2d", null, Pool::globalAvgPool2d);
    }

    static LayerOp flatten() {
        return new LayerOp(Kind.FLATTEN, "batchFlatten", null, Blocks::batchFlatten);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The pooling window of a {@link Kind#MAX_POOL} layer.
     *
     * @throws IllegalStateException for any other kind
     */
    public PoolWindow poolWindow() {
        if (window == null) {
            throw new IllegalStateException(kind + " has no pooling window");
        }
        return window;
    }

    /** The layer's function on one array (for use inside another block's forward pass). */
    NDArray apply(NDArray x) {
        return function.apply(x);
    }
}
