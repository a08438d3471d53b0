package org.deepfer.train.model;

import ai.djl.ndarray.types.Shape;

/**
 * The plan's baseline: four stages of conv3x3-BN-ReLU with 32/64/128/256 filters, each halving the
 * resolution by max-pooling, then flatten, dropout and a 256-unit dense layer.
 *
 * <p>One convolution per stage, not two: at 48x48 that is 66 MFLOPs per image and about 250
 * images/s of training on 2 cores here; two per stage (32/64/128) cost 174 MFLOPs and ran at about
 * 30 images/s.
 */
final class BaselineCnn {

    static final int[] STAGE_FILTERS = {32, 64, 128, 256};
    static final int CONVS_PER_STAGE = 1;
    static final int DENSE_UNITS = 256;

    private BaselineCnn() {}

    static Backbone build(ModelSpec spec) {
        NamedSequentialBlock net = new NamedSequentialBlock();
        for (int s = 0; s < STAGE_FILTERS.length; s++) {
            net.add("stage" + (s + 1), stage(spec.channels(STAGE_FILTERS[s])));
        }
        // Flatten rather than global pooling: on a 3x3 map, where a feature sits (eyes, mouth)
        // still says something about the expression.
        int denseUnits = spec.channels(DENSE_UNITS);
        net.add("flatten", LayerOp.flatten())
                .add("dropout", Layers.dropout(spec.dropout()))
                .add("dense", Layers.linear(denseUnits))
                .add("relu", LayerOp.relu());
        return new Backbone(net, denseUnits);
    }

    private static NamedSequentialBlock stage(int filters) {
        NamedSequentialBlock stage = new NamedSequentialBlock();
        for (int c = 1; c <= CONVS_PER_STAGE; c++) {
            stage.add("conv" + c, Layers.conv(filters, 3, 1))
                    .add("bn" + c, Layers.batchNorm())
                    .add("relu" + c, LayerOp.relu());
        }
        return stage.add("pool", LayerOp.maxPool(new Shape(2, 2), new Shape(2, 2)));
    }
}
