package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Optional;

/**
 * A residual unit: its layers, plus a shortcut (identity unless a projection is given) added to
 * their output, optionally followed by an activation.
 *
 * <p>With a drop-path rate, training randomly replaces the layers' output by zero for whole samples
 * and rescales the survivors (stochastic depth, as EfficientNet trains); inference always uses the
 * full sum.
 *
 * <p>Public, read-only, for code that walks a built network (the ONNX exporter); only this package
 * builds one.
 */
public class ResidualBlock extends NamedSequentialBlock {

    private Block shortcut;
    private LayerOp activationAfterSum;
    private float dropPathRate;

    ResidualBlock() {}

    /** Uses {@code projection} instead of the identity on the shortcut path. */
    ResidualBlock withShortcut(Block projection) {
        addNamedChild("shortcut", projection);
        shortcut = projection;
        return this;
    }

    /**
     * Applies {@code activation} to the sum (ResNet's ReLU); none by default (linear bottleneck).
     * Not a child block: it has no parameters, and adding a child would change the checkpoint
     * layout.
     */
    ResidualBlock withActivationAfterSum(LayerOp activation) {
        activationAfterSum = activation;
        return this;
    }

    /** The projection on the shortcut path; empty for the identity. */
    public Optional<Block> shortcut() {
        return Optional.ofNullable(shortcut);
    }

    /** The activation applied to the sum; empty for none. */
    public Optional<LayerOp> activationAfterSum() {
        return Optional.ofNullable(activationAfterSum);
    }

    /** Drops the residual branch of a sample with probability {@code rate} during training. */
    ResidualBlock withDropPath(float rate) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("drop-path rate must be in [0, 1), got " + rate);
        }
        dropPathRate = rate;
        return this;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray residual = super.forwardInternal(parameterStore, inputs, training, params).head();
        if (training && dropPathRate > 0) {
            residual = residual.mul(keepMask(residual));
        }
        NDArray identity =
                shortcut == null
                        ? inputs.head()
                        : shortcut.forward(parameterStore, inputs, training, params).head();
        NDArray sum = residual.add(identity);
        return new NDList(activationAfterSum == null ? sum : activationAfterSum.apply(sum));
    }

    /** Per-sample 0 or 1/(1-rate), broadcast over channels and pixels. */
    private NDArray keepMask(NDArray residual) {
        NDManager manager = residual.getManager();
        Shape perSample = new Shape(residual.getShape().get(0), 1, 1, 1);
        return manager.randomUniform(0f, 1f, perSample)
                .gte(dropPathRate)
                .toType(residual.getDataType(), false)
                .div(1f - dropPathRate);
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initializeChildBlocks(manager, dataType, inputShapes);
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
        }
    }
}
