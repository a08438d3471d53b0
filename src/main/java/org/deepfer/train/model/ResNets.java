package org.deepfer.train.model;

import ai.djl.ndarray.types.Shape;

/**
 * ResNet-18 and ResNet-50 as torchvision defines them (He et al. 2016; v1.5: a bottleneck unit
 * strides in its 3x3 convolution), with a stem that depends on the input size.
 *
 * <p>From {@value #IMAGENET_STEM_MIN_INPUT} pixels up the stem is ImageNet's: conv7x7 stride 2 and
 * a 3x3 stride-2 max-pool (224 leaves 56x56 for stage 1). Below, as for 48x48 faces, that stem
 * would leave 12x12 for stage 1 and 2x2 for stage 4, while CIFAR's conv3x3 stride 1 without pooling
 * keeps 48x48 for stage 1 and costs ~19 min per FER2013 epoch on 2 cores. We use conv3x3 stride 2
 * without pooling: stage 1 sees 24x24, stage 4 3x3, at about a quarter of CIFAR's cost.
 *
 * <p>{@link ModelSpec#width()} scales the stem and every stage (0.5: 32/64/128/256 channels, about a
 * quarter of the FLOPs).
 */
final class ResNets {

    static final int IMAGENET_STEM_MIN_INPUT = 112;
    private static final int[] STAGE_WIDTHS = {64, 128, 256, 512};
    private static final int BOTTLENECK_EXPANSION = 4;

    private ResNets() {}

    static Backbone resnet18(ModelSpec spec) {
        return build(spec, new int[] {2, 2, 2, 2}, false);
    }

    static Backbone resnet50(ModelSpec spec) {
        return build(spec, new int[] {3, 4, 6, 3}, true);
    }

    private static Backbone build(ModelSpec spec, int[] blocksPerStage, boolean bottleneck) {
        int[] widths = new int[STAGE_WIDTHS.length];
        for (int s = 0; s < widths.length; s++) {
            widths[s] = spec.channels(STAGE_WIDTHS[s]);
        }
        NamedSequentialBlock net = new NamedSequentialBlock().add("stem", stem(spec.inputSize(), widths[0]));
        int expansion = bottleneck ? BOTTLENECK_EXPANSION : 1;
        int inChannels = widths[0];
        for (int s = 0; s < widths.length; s++) {
            NamedSequentialBlock stage = new NamedSequentialBlock();
            for (int b = 0; b < blocksPerStage[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                ResidualBlock block =
                        bottleneck
                                ? bottleneckBlock(inChannels, widths[s], stride)
                                : basicBlock(inChannels, widths[s], stride);
                stage.add("block" + (b + 1), block);
                inChannels = widths[s] * expansion;
            }
            net.add("stage" + (s + 1), stage);
        }
        net.add("pool", LayerOp.globalAvgPool());
        return new Backbone(net, inChannels);
    }

    private static NamedSequentialBlock stem(int inputSize, int channels) {
        NamedSequentialBlock stem = new NamedSequentialBlock();
        if (inputSize >= IMAGENET_STEM_MIN_INPUT) {
            stem.add("conv", Layers.conv(channels, 7, 2))
                    .add("bn", Layers.batchNorm())
                    .add("relu", LayerOp.relu())
                    .add(
                            "pool",
                            LayerOp.maxPool(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        } else {
            stem.add("conv", Layers.conv(channels, 3, 2))
                    .add("bn", Layers.batchNorm())
                    .add("relu", LayerOp.relu());
        }
        return stem;
    }

    /** Two conv3x3; the first strides. */
    private static ResidualBlock basicBlock(int inChannels, int width, int stride) {
        ResidualBlock block = new ResidualBlock();
        block.add("conv1", Layers.conv(width, 3, stride))
                .add("bn1", Layers.batchNorm())
                .add("relu1", LayerOp.relu())
                .add("conv2", Layers.conv(width, 3, 1))
                .add("bn2", Layers.batchNorm());
        return withShortcut(block, inChannels, width, stride);
    }

    /** conv1x1 down to {@code width}, conv3x3 (strided), conv1x1 up to 4 x {@code width}. */
    private static ResidualBlock bottleneckBlock(int inChannels, int width, int stride) {
        ResidualBlock block = new ResidualBlock();
        block.add("conv1", Layers.conv(width, 1, 1))
                .add("bn1", Layers.batchNorm())
                .add("relu1", LayerOp.relu())
                .add("conv2", Layers.conv(width, 3, stride))
                .add("bn2", Layers.batchNorm())
                .add("relu2", LayerOp.relu())
                .add("conv3", Layers.conv(width * BOTTLENECK_EXPANSION, 1, 1))
                .add("bn3", Layers.batchNorm());
        return withShortcut(block, inChannels, width * BOTTLENECK_EXPANSION, stride);
    }

    /** Identity shortcut when shapes match, else a strided conv1x1 + BN projection. */
    private static ResidualBlock withShortcut(
            ResidualBlock block, int inChannels, int outChannels, int stride) {
        if (stride != 1 || inChannels != outChannels) {
            block.withShortcut(
                    new NamedSequentialBlock()
                            .add("conv", Layers.conv(outChannels, 1, stride))
                            .add("bn", Layers.batchNorm()));
        }
        return block.withActivationAfterSum(LayerOp.relu());
    }
}
