package org.deepfer.train.model;

/**
 * MobileNetV2 (Sandler et al. 2018) at width 1.0, as torchvision defines it: a conv3x3 stride-2
 * stem, inverted residual blocks (1x1 expansion, depthwise 3x3, linear 1x1 projection, ReLU6), and
 * a 1x1 convolution to 1280 channels before global pooling.
 *
 * <p>The strides are ImageNet's at every input size: 48x48 faces end on a 2x2 map.
 */
final class MobileNetV2 {

    /** Per stage: expansion factor t, output channels c, blocks n, first block's stride s. */
    private static final int[][] STAGES = {
        {1, 16, 1, 1},
        {6, 24, 2, 2},
        {6, 32, 3, 2},
        {6, 64, 4, 2},
        {6, 96, 3, 1},
        {6, 160, 3, 2},
        {6, 320, 1, 1},
    };

    private static final int STEM_CHANNELS = 32;
    private static final int FEATURE_CHANNELS = 1280;

    private MobileNetV2() {}

    static Backbone build() {
        NamedSequentialBlock net =
                new NamedSequentialBlock().add("stem", relu6Unit(STEM_CHANNELS, 3, 2, 1));
        int inChannels = STEM_CHANNELS;
        for (int s = 0; s < STAGES.length; s++) {
            int expansion = STAGES[s][0];
            int outChannels = STAGES[s][1];
            NamedSequentialBlock stage = new NamedSequentialBlock();
            for (int b = 0; b < STAGES[s][2]; b++) {
                int stride = b == 0 ? STAGES[s][3] : 1;
                stage.add(
                        "block" + (b + 1),
                        invertedResidual(inChannels, outChannels, stride, expansion));
                inChannels = outChannels;
            }
            net.add("stage" + (s + 1), stage);
        }
        net.add("final", relu6Unit(FEATURE_CHANNELS, 1, 1, 1))
                .add("pool", LayerOp.globalAvgPool());
        return new Backbone(net, FEATURE_CHANNELS);
    }

    private static NamedSequentialBlock invertedResidual(
            int inChannels, int outChannels, int stride, int expansion) {
        boolean residual = stride == 1 && inChannels == outChannels;
        NamedSequentialBlock block = residual ? new ResidualBlock() : new NamedSequentialBlock();
        int hidden = Math.round(inChannels * (float) expansion);
        if (expansion != 1) {
            block.add("expand", relu6Unit(hidden, 1, 1, 1));
        }
        // No activation after the projection: the linear bottleneck.
        return block.add("depthwise", relu6Unit(hidden, 3, stride, hidden))
                .add(
                        "project",
                        Layers.convBnActivation(
                                outChannels, 1, 1, 1, Layers.DEFAULT_BN_EPSILON, null));
    }

    private static NamedSequentialBlock relu6Unit(int filters, int kernel, int stride, int groups) {
        return Layers.convBnActivation(
                filters,
                kernel,
                stride,
                groups,
                Layers.DEFAULT_BN_EPSILON,
                LayerOp.relu6());
    }
}
