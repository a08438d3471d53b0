package org.deepfer.train.model;

import ai.djl.ndarray.types.Shape;

/**
 * A VGG-style network for 48x48 faces after Khaireddin and Chen, "Facial Emotion Recognition: State
 * of the Art Performance on FER2013" (2021): four stages of two conv3x3-BN-ReLU with 64/128/256/512
 * filters and a 2x2 max-pool each, then two fully connected layers.
 *
 * <p>The paper's fully connected layers have 4096 units; we use {@value #FC_UNITS}. At 48x48 the
 * flattened 3x3x512 map times 4096 alone is 18.9 M weights and most of a CPU step; 1024 units keep
 * the convolutional part (4.7 M weights, nearly all the FLOPs) intact and cut the fully connected
 * part from 35.6 M to 5.8 M parameters.
 *
 * <p>{@link ModelSpec#width()} scales every layer: at 0.5 (32/64/128/256, 512 units) it costs a
 * quarter of the FLOPs.
 */
final class VggFer {

    static final int[] STAGE_FILTERS = {64, 128, 256, 512};
    static final int FC_UNITS = 1024;

    private VggFer() {}

    static Backbone build(ModelSpec spec) {
        NamedSequentialBlock net = new NamedSequentialBlock();
        for (int s = 0; s < STAGE_FILTERS.length; s++) {
            NamedSequentialBlock stage = new NamedSequentialBlock();
            for (int c = 1; c <= 2; c++) {
                stage.add("conv" + c, Layers.conv(spec.channels(STAGE_FILTERS[s]), 3, 1))
                        .add("bn" + c, Layers.batchNorm())
                        .add("relu" + c, LayerOp.relu());
            }
            stage.add("pool", LayerOp.maxPool(new Shape(2, 2), new Shape(2, 2)));
            net.add("stage" + (s + 1), stage);
        }
        int fcUnits = spec.channels(FC_UNITS);
        net.add("flatten", LayerOp.flatten())
                .add("fc1", Layers.linear(fcUnits))
                .add("relu1", LayerOp.relu())
                .add("dropout", Layers.dropout(spec.dropout()))
                .add("fc2", Layers.linear(fcUnits))
                .add("relu2", LayerOp.relu());
        return new Backbone(net, fcUnits);
    }
}
