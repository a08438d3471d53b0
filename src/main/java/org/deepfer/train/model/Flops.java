package org.deepfer.train.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;

/**
 * Floating-point operations for one image through a model, counted analytically: a multiply-add is
 * two operations; convolutions count 2 * k * k * (Cin / groups) * Cout * Hout * Wout, linear layers
 * 2 * in * out. Batch norm, activations, pooling, residual sums and squeeze-excitation products are
 * left out, as in the published figures (which usually quote multiply-adds, half of this number).
 */
public final class Flops {

    private Flops() {}

    /** FLOPs per image of {@code model}'s architecture at the input its own spec describes. */
    public static long count(FerModel model) {
        return count(model, model.spec());
    }

    /**
     * FLOPs per image of {@code model}'s architecture at the input {@code spec} describes. Reads
     * the layer shapes {@code model} was initialized with when they match that input; otherwise
     * counts on a throwaway copy built from {@code spec}, leaving {@code model} untouched.
     */
    public static long count(FerModel model, ModelSpec spec) {
        if (!model.spec().name().equals(spec.name())) {
            throw new IllegalArgumentException(
                    "spec is for " + spec.name() + " but the model is " + model.spec().name());
        }
        if (initializedFor(model.block(), spec)) {
            return countInitialized(model.block());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Block copy = Models.build(spec).block();
            copy.initialize(manager, DataType.FLOAT32, spec.inputShape(1));
            return countInitialized(copy);
        }
    }

    private static boolean initializedFor(Block block, ModelSpec spec) {
        if (!block.isInitialized()) {
            return false;
        }
        Shape input = block.getInputShapes()[0];
        return input.slice(1).equals(spec.inputShape(1).slice(1));
    }

    private static long countInitialized(Block block) {
        if (block instanceof Convolution conv) {
            Shape output = conv.getOutputShapes(conv.getInputShapes())[0];
            long outputPixels = output.slice(2).size();
            // weight is Cout x Cin/groups x k x k: one multiply-add per weight per output pixel
            return 2 * weight(conv).getShape().size() * outputPixels;
        }
        if (block instanceof Linear linear) {
            Shape input = linear.getInputShapes()[0];
            long rowsPerImage = input.slice(1, input.dimension() - 1).size();
            return 2 * weight(linear).getShape().size() * rowsPerImage;
        }
        long total = 0;
        for (Block child : block.getChildren().values()) {
            total += countInitialized(child);
        }
        return total;
    }

    private static Parameter weight(Block layer) {
        return layer.getParameters().get("weight");
    }
}
