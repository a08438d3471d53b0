package org.deepfer.train.dl4j;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;

/**
 * The sizes of our DJL {@code baseline} for one spec, read off the DJL model itself (its
 * parameter shapes), so the DL4J mirror and the parameter conversion follow whatever {@code
 * BaselineCnn} builds instead of a second copy of its constants.
 *
 * @param spec the architecture, input and head
 * @param stageFilters output channels of each stage's convolution, in order
 * @param denseUnits units of the dense layer after flattening
 */
public record BaselineLayout(ModelSpec spec, List<Integer> stageFilters, int denseUnits) {

    /** DJL's parameter name prefixes, as {@code FerModel} documents them. */
    static String conv(int stage) {
        return "backbone_stage" + stage + "_conv1_weight";
    }

    static String batchNorm(int stage, String what) {
        return "backbone_stage" + stage + "_bn1_" + what;
    }

    static final String DENSE = "backbone_dense_";
    static final String CLASSIFIER = "head_classifier_";

    public BaselineLayout {
        stageFilters = List.copyOf(stageFilters);
    }

    /**
     * The layout of the DJL baseline {@code spec} describes.
     *
     * @throws IllegalArgumentException when {@code spec} is not the baseline
     */
    public static BaselineLayout of(ModelSpec spec) {
        if (!spec.name().equals("baseline")) {
            throw new IllegalArgumentException("the DL4J engine mirrors only 'baseline', not '" + spec.name() + "'");
        }
        FerModel model = Models.build(spec);
        try (NDManager manager = NDManager.newBaseManager()) {
            model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(1));
            Map<String, Parameter> byName = model.block().getParameters().toMap();
            List<Integer> filters = new ArrayList<>();
            for (int stage = 1; byName.containsKey(conv(stage)); stage++) {
                filters.add((int) byName.get(conv(stage)).getArray().getShape().get(0));
            }
            if (filters.isEmpty() || !byName.containsKey(DENSE + "weight")) {
                throw new IllegalStateException("the DJL baseline no longer has the layers the DL4J mirror expects "
                        + "(stage convolutions " + conv(1) + ", ..., " + DENSE + "weight); found " + byName.keySet());
            }
            Shape dense = byName.get(DENSE + "weight").getArray().getShape();
            return new BaselineLayout(spec, filters, (int) dense.get(0));
        }
    }

    /** Side of the last stage's feature map: each stage halves it (floor, as both max-poolings do). */
    public int finalMapSize() {
        int size = spec.inputSize();
        for (int i = 0; i < stageFilters.size(); i++) {
            size /= 2;
        }
        return size;
    }
}
