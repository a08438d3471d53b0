package org.deepfer.train.model;

/**
 * EfficientNet-B0 and -B3 (Tan and Le 2019) as torchvision defines them: MBConv blocks with
 * squeeze-and-excitation (squeezing to a quarter of the block's input channels), SiLU, batch norm
 * with PyTorch's default epsilon 1e-5, and stochastic depth rising linearly to 0.2 over the blocks.
 *
 * <p>The epsilon is torchvision's, not the TensorFlow original's 1e-3: torchvision builds B0-B4
 * with a plain {@code BatchNorm2d} and sets 1e-3 (with momentum 0.01) only for B5-B7. Weights
 * loaded from torchvision need torchvision's epsilon: with 1e-3, the features of a B0 whose
 * channels have small running variances move by tens of percent (see TorchvisionParityTest).
 *
 * <p>B3 scales B0's channels by 1.2 (rounded to multiples of 8, never more than 10% down) and its
 * repeats by 1.4 (rounded up). The strides are ImageNet's at every input size.
 */
final class EfficientNets {

    /** One row of B0's table: MBConv expansion, kernel, first block's stride, channels, repeats. */
    private record Stage(int expansion, int kernel, int stride, int channels, int repeats) {}

    private static final Stage[] B0_STAGES = {
        new Stage(1, 3, 1, 16, 1),
        new Stage(6, 3, 2, 24, 2),
        new Stage(6, 5, 2, 40, 2),
        new Stage(6, 3, 2, 80, 3),
        new Stage(6, 5, 1, 112, 3),
        new Stage(6, 5, 2, 192, 4),
        new Stage(6, 3, 1, 320, 1),
    };
    private static final int B0_STEM_CHANNELS = 32;
    private static final int B0_FEATURE_CHANNELS = 1280;
    private static final float BN_EPSILON = Layers.DEFAULT_BN_EPSILON;
    private static final float MAX_DROP_PATH = 0.2f;
    private static final int CHANNEL_DIVISOR = 8;

    private EfficientNets() {}

    static Backbone b0() {
        return build(1.0, 1.0);
    }

    static Backbone b3() {
        return build(1.2, 1.4);
    }

    private static Backbone build(double widthMultiplier, double depthMultiplier) {
        int stemChannels =
                Layers.roundToMultiple(B0_STEM_CHANNELS * widthMultiplier, CHANNEL_DIVISOR);
        NamedSequentialBlock net =
                new NamedSequentialBlock().add("stem", siluUnit(stemChannels, 3, 2, 1));
        int totalBlocks = 0;
        for (Stage stage : B0_STAGES) {
            totalBlocks += repeats(stage, depthMultiplier);
        }
        int inChannels = stemChannels;
        int blockIndex = 0;
        for (int s = 0; s < B0_STAGES.length; s++) {
            Stage config = B0_STAGES[s];
            int outChannels =
                    Layers.roundToMultiple(config.channels() * widthMultiplier, CHANNEL_DIVISOR);
            NamedSequentialBlock stage = new NamedSequentialBlock();
            for (int b = 0; b < repeats(config, depthMultiplier); b++) {
                int stride = b == 0 ? config.stride() : 1;
                float dropPath = MAX_DROP_PATH * blockIndex / totalBlocks;
                stage.add(
                        "block" + (b + 1),
                        mbConv(
                                inChannels,
                                outChannels,
                                config.expansion(),
                                config.kernel(),
                                stride,
                                dropPath));
                inChannels = outChannels;
                blockIndex++;
            }
            net.add("stage" + (s + 1), stage);
        }
        int featureChannels =
                Layers.roundToMultiple(B0_FEATURE_CHANNELS * widthMultiplier, CHANNEL_DIVISOR);
        net.add("final", siluUnit(featureChannels, 1, 1, 1))
                .add("pool", LayerOp.globalAvgPool());
        return new Backbone(net, featureChannels);
    }

    private static int repeats(Stage stage, double depthMultiplier) {
        return (int) Math.ceil(stage.repeats() * depthMultiplier);
    }

    private static NamedSequentialBlock mbConv(
            int inChannels,
            int outChannels,
            int expansion,
            int kernel,
            int stride,
            float dropPath) {
        boolean residual = stride == 1 && inChannels == outChannels;
        NamedSequentialBlock block =
                residual ? new ResidualBlock().withDropPath(dropPath) : new NamedSequentialBlock();
        int expanded = Layers.roundToMultiple(inChannels * (double) expansion, CHANNEL_DIVISOR);
        if (expanded != inChannels) {
            block.add("expand", siluUnit(expanded, 1, 1, 1));
        }
        return block.add("depthwise", siluUnit(expanded, kernel, stride, expanded))
                .add("se", new SqueezeExcitation(expanded, Math.max(1, inChannels / 4)))
                .add("project", Layers.convBnActivation(outChannels, 1, 1, 1, BN_EPSILON, null));
    }

    private static NamedSequentialBlock siluUnit(int filters, int kernel, int stride, int groups) {
        return Layers.convBnActivation(
                filters, kernel, stride, groups, BN_EPSILON, Layers.siluBlock());
    }
}
