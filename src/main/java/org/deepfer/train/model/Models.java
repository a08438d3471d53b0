package org.deepfer.train.model;

import ai.djl.nn.Block;

import java.util.List;

/** Builds the classifiers DeepFER trains, by architecture name. */
public final class Models {

    /** Every architecture {@link #build} knows, in order of increasing cost at 48x48. */
    public static final List<String> NAMES =
            List.of(
                    "baseline",
                    "mobilenetv2",
                    "efficientnet-b0",
                    "resnet18",
                    "efficientnet-b3",
                    "vgg-fer",
                    "resnet50");

    private Models() {}

    /**
     * A fresh, uninitialized model for {@code spec}: its architecture's backbone followed by a head
     * of dropout ({@code spec.dropout()}) and a linear layer to {@code spec.classes()} scores.
     *
     * @throws IllegalArgumentException if the name is not one of {@link #NAMES}
     */
    public static FerModel build(ModelSpec spec) {
        Backbone backbone =
                switch (spec.name()) {
                    case "baseline" -> BaselineCnn.build(spec);
                    case "vgg-fer" -> VggFer.build(spec);
                    case "resnet18" -> ResNets.resnet18(spec);
                    case "resnet50" -> ResNets.resnet50(spec);
                    case "mobilenetv2" -> MobileNetV2.build();
                    case "efficientnet-b0" -> EfficientNets.b0();
                    case "efficientnet-b3" -> EfficientNets.b3();
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown model '"
                                            + spec.name()
                                            + "'; known models: "
                                            + String.join(", ", NAMES));
                };
        return new FerModel(spec, backbone.block(), backbone.featureSize(), head(spec));
    }

    private static Block head(ModelSpec spec) {
        return new NamedSequentialBlock()
                .add("dropout", Layers.dropout(spec.dropout()))
                .add("classifier", Layers.linear(spec.classes()));
    }
}
