package org.deepfer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.WeakHashMap;

/** The building blocks every architecture here is made of, configured the torchvision way. */
final class Layers {

    /**
     * PyTorch's BatchNorm2d default, which every torchvision architecture here uses (EfficientNet's
     * 1e-3 is only in torchvision's B5-B7 and the TensorFlow original).
     */
    static final float DEFAULT_BN_EPSILON = 1e-5f;

    /**
     * The epsilon of every batch norm built here. DJL keeps it private (and checkpoints do not hold
     * it), but whoever re-expresses a trained network, as the ONNX exporter folds batch norms into
     * convolutions, needs it. Weak keys: the entry goes with its block.
     */
    private static final Map<BatchNorm, Float> BN_EPSILONS =
            Collections.synchronizedMap(new WeakHashMap<>());

    private Layers() {}

    /**
     * A square convolution without bias (a batch norm follows, whose beta makes a bias redundant),
     * padded by {@code kernel / 2} so that stride 1 keeps the size and stride s divides it by s.
     */
    static Conv2d conv(int filters, int kernel, int stride, int groups) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optGroups(groups)
                .optBias(false)
                .build();
    }

    static Conv2d conv(int filters, int kernel, int stride) {
        return conv(filters, kernel, stride, 1);
    }

    /** A 1x1 convolution with bias, as in squeeze-and-excitation gates (no batch norm there). */
    static Conv2d pointwiseWithBias(int filters) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(1, 1))
                .optBias(true)
                .build();
    }

    static BatchNorm batchNorm(float epsilon) {
        BatchNorm bn = BatchNorm.builder().optEpsilon(epsilon).build();
        BN_EPSILONS.put(bn, epsilon);
        return bn;
    }

    /** The epsilon {@code bn} was built with, if {@link #batchNorm(float)} built it. */
    static OptionalDouble batchNormEpsilon(BatchNorm bn) {
        Float epsilon = BN_EPSILONS.get(bn);
        return epsilon == null ? OptionalDouble.empty() : OptionalDouble.of(epsilon);
    }

    static BatchNorm batchNorm() {
        return batchNorm(DEFAULT_BN_EPSILON);
    }

    static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    static Dropout dropout(double rate) {
        return Dropout.builder().optRate((float) rate).build();
    }

    /** SiLU, also called swish: x * sigmoid(x). */
    static NDArray silu(NDArray x) {
        return Activation.swish(x, 1f);
    }

    static LayerOp siluBlock() {
        return LayerOp.silu();
    }

    /**
     * conv - batch norm - activation as one named unit ({@code conv}, {@code bn}, {@code act});
     * {@code activation} null leaves the activation out (linear bottleneck projections).
     */
    static NamedSequentialBlock convBnActivation(
            int filters, int kernel, int stride, int groups, float bnEpsilon, Block activation) {
        NamedSequentialBlock unit =
                new NamedSequentialBlock()
                        .add("conv", conv(filters, kernel, stride, groups))
                        .add("bn", batchNorm(bnEpsilon));
        if (activation != null) {
            unit.add("act", activation);
        }
        return unit;
    }

    /**
     * torchvision's {@code _make_divisible}: {@code value} rounded to the nearest multiple of
     * {@code divisor}, but never more than 10% below {@code value}.
     */
    static int roundToMultiple(double value, int divisor) {
        int rounded = Math.max(divisor, (int) (value + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * value) {
            rounded += divisor;
        }
        return rounded;
    }
}
