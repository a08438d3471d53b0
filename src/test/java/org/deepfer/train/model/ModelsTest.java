package org.deepfer.train.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class ModelsTest {

    private static final List<String> ALL_NAMES = Models.NAMES;
    private static final int BATCH = 2;

    @ParameterizedTest
    @FieldSource("ALL_NAMES")
    void everyModelTrainsOneStepOnGrayFaces(String name) {
        ModelSpec spec = ModelSpec.fer(name, 0.3);
        FerModel ferModel = Models.build(spec);
        try (Model model = Model.newInstance(name);
                NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(ferModel.block());
            try (Trainer trainer = newTrainer(model, spec)) {
                NDArray stemWeight = firstWeight(ferModel);
                NDList scores = trainStep(trainer, manager, spec, false);

                assertEquals(new Shape(BATCH, 7), scores.head().getShape(), name);
                // The stem is the farthest layer from the loss: a gradient there went all the way.
                assertTrue(stemWeight.getGradient().abs().sum().getFloat() > 0, name);
                trainer.step();
            }
        }
    }

    /** torchvision's figures, counting weights, biases and batch-norm scale and shift. */
    @ParameterizedTest
    @CsvSource({
        "resnet18, 11689512",
        "resnet50, 25557032",
        "mobilenetv2, 3504872",
        "efficientnet-b0, 5288548",
        "efficientnet-b3, 12233232",
    })
    void parameterCountsMatchTorchvisionAtImageNetSize(String name, long published) {
        FerModel model = Models.build(new ModelSpec(name, 3, 224, 1000, 0.2));
        try (NDManager manager = NDManager.newBaseManager()) {
            model.block().initialize(manager, DataType.FLOAT32, model.spec().inputShape(1));
            assertEquals(published, model.trainableParameterCount(), name);
        }
    }

    /** Published multiply-adds (torchvision's model table, at each model's own input size) x 2. */
    @ParameterizedTest
    @CsvSource({
        "resnet18, 224, 1.814",
        "resnet50, 224, 4.089",
        "mobilenetv2, 224, 0.301",
        "efficientnet-b0, 224, 0.386",
        "efficientnet-b3, 300, 1.827",
    })
    void flopsMatchPublishedMultiplyAdds(String name, int inputSize, double publishedGigaMacs) {
        ModelSpec spec = new ModelSpec(name, 3, inputSize, 1000, 0.2);
        double gigaFlops = Flops.count(Models.build(spec), spec) / 1e9;
        assertEquals(2 * publishedGigaMacs, gigaFlops, 0.01 * 2 * publishedGigaMacs, name);
    }

    @Test
    void flopsAreTheSameFromAnInitializedModelAndFromTheSpec() {
        ModelSpec spec = ModelSpec.fer("resnet18", 0.3);
        FerModel model = Models.build(spec);
        long fromSpec = Flops.count(model);
        try (NDManager manager = NDManager.newBaseManager()) {
            model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(8));
            assertEquals(fromSpec, Flops.count(model, spec));
        }
    }

    @Test
    void frozenBackboneStaysBitIdenticalWhileTheHeadLearns() {
        ModelSpec spec = ModelSpec.fer("resnet18", 0.0);
        FerModel ferModel = Models.build(spec);
        try (Model model = Model.newInstance("frozen");
                NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(ferModel.block());
            try (Trainer trainer = newTrainer(model, spec)) {
                ferModel.freezeBackbone(true);
                Map<String, float[]> backboneBefore = snapshot(ferModel.backbone().getParameters());
                Map<String, float[]> headBefore = snapshot(ferModel.head().getParameters());

                trainStep(trainer, manager, spec, true);
                trainer.step();

                // Running means and variances included: a frozen backbone runs in inference mode.
                Map<String, float[]> backboneAfter = snapshot(ferModel.backbone().getParameters());
                backboneBefore.forEach(
                        (name, values) -> assertArrayEquals(values, backboneAfter.get(name), name));
                Map<String, float[]> headAfter = snapshot(ferModel.head().getParameters());
                assertFalse(
                        Arrays.equals(
                                headBefore.get("classifier_weight"),
                                headAfter.get("classifier_weight")));

                ferModel.freezeBackbone(false);
                for (Pair<String, Parameter> named : ferModel.backbone().getParameters()) {
                    boolean runningStatistic = !FerModel.isLearnable(named.getValue());
                    assertEquals(
                            !runningStatistic, named.getValue().requiresGradient(), named.getKey());
                }
                trainStep(trainer, manager, spec, true);
                trainer.step();
                Map<String, float[]> fineTuned = snapshot(ferModel.backbone().getParameters());
                String stem = "stem_conv_weight";
                assertFalse(Arrays.equals(backboneBefore.get(stem), fineTuned.get(stem)));
            }
        }
    }

    @Test
    void parameterNamesFollowTheBlockHierarchyAndRepeatAcrossBuilds() {
        List<String> names =
                Models.build(ModelSpec.fer("resnet18", 0.3)).block().getParameters().keys();
        List<String> again =
                Models.build(ModelSpec.fer("resnet18", 0.5)).block().getParameters().keys();

        assertEquals(names, again);
        assertEquals("backbone_stem_conv_weight", names.get(0));
        assertTrue(names.contains("backbone_stage1_block1_conv1_weight"), names.toString());
        assertTrue(
                names.contains("backbone_stage2_block1_shortcut_bn_runningMean"), names.toString());
        assertEquals(
                List.of("head_classifier_weight", "head_classifier_bias"),
                names.subList(names.size() - 2, names.size()));
    }

    @Test
    void backboneCopiesByNameIntoAModelWithAnotherHead() {
        FerModel source = Models.build(ModelSpec.fer("mobilenetv2", 0.2).withClasses(3));
        FerModel target = Models.build(ModelSpec.fer("mobilenetv2", 0.2));
        try (NDManager manager = NDManager.newBaseManager()) {
            source.block().initialize(manager, DataType.FLOAT32, source.spec().inputShape(1));
            target.block().initialize(manager, DataType.FLOAT32, target.spec().inputShape(1));

            target.copyBackboneFrom(source);

            Map<String, float[]> expected = snapshot(source.backbone().getParameters());
            Map<String, float[]> copied = snapshot(target.backbone().getParameters());
            assertEquals(expected.keySet(), copied.keySet());
            expected.forEach((name, values) -> assertArrayEquals(values, copied.get(name), name));
        }
    }

    @Test
    void savedCheckpointLoadsIntoAFreshBuildOfTheSameSpec(@TempDir Path dir) throws Exception {
        ModelSpec spec = ModelSpec.fer("efficientnet-b0", 0.2);
        Map<String, float[]> saved;
        try (Model model = Model.newInstance("fer")) {
            FerModel trained = Models.build(spec);
            model.setBlock(trained.block());
            trained.block().initialize(model.getNDManager(), DataType.FLOAT32, spec.inputShape(1));
            saved = snapshot(trained.block().getParameters());
            model.save(dir, "fer");
        }
        try (Model model = Model.newInstance("fer")) {
            FerModel restored = Models.build(spec);
            model.setBlock(restored.block());
            model.load(dir, "fer");
            Map<String, float[]> loaded = snapshot(restored.block().getParameters());
            assertEquals(saved.keySet(), loaded.keySet());
            saved.forEach((name, values) -> assertArrayEquals(values, loaded.get(name), name));
        }
    }

    @Test
    void copyingBetweenDifferentArchitecturesNamesTheMissingParameter() {
        FerModel source = Models.build(ModelSpec.fer("baseline", 0.2));
        FerModel target = Models.build(ModelSpec.fer("resnet18", 0.2));
        try (NDManager manager = NDManager.newBaseManager()) {
            source.block().initialize(manager, DataType.FLOAT32, source.spec().inputShape(1));
            target.block().initialize(manager, DataType.FLOAT32, target.spec().inputShape(1));

            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> target.copyBackboneFrom(source));
            assertTrue(e.getMessage().contains("stem_conv_weight"), e.getMessage());
        }
    }

    @Test
    void namesAreCaseInsensitiveAndUnknownNamesListTheKnownOnes() {
        assertEquals("resnet18", Models.build(ModelSpec.fer("ResNet18", 0.3)).spec().name());

        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Models.build(ModelSpec.fer("resnet34", 0.3)));
        assertTrue(e.getMessage().contains("resnet34"), e.getMessage());
        for (String known : Models.NAMES) {
            assertTrue(e.getMessage().contains(known), e.getMessage());
        }
    }

    /**
     * vgg-fer's parameters from its layer list: per stage two 3x3 convolutions (no bias: batch norm
     * follows) and batch norm (scale, shift), two fully connected layers from the 3x3 map, and the 7-way classifier.
     */
    @ParameterizedTest
    @CsvSource({"1.0, 64, 1024", "0.5, 32, 512", "0.75, 48, 768"})
    void vggFerWidthScalesEveryLayer(double width, int firstFilters, int fcUnits) {
        long expected = 0;
        int in = 1;
        for (int s = 0; s < 4; s++) {
            int out = firstFilters << s;
            expected += (9L * in * out + 2L * out) + (9L * out * out + 2L * out);
            in = out;
        }
        expected += (9L * in * fcUnits + fcUnits) + ((long) fcUnits * fcUnits + fcUnits) + (fcUnits * 7L + 7);
        FerModel model = Models.build(new ModelSpec("vgg-fer", 1, 48, 7, 0.3, width));
        try (NDManager manager = NDManager.newBaseManager()) {
            model.block().initialize(manager, DataType.FLOAT32, model.spec().inputShape(1));
            assertEquals(expected, model.trainableParameterCount(), "width " + width);
        }
    }

    @Test
    void widthIsRefusedByArchitecturesWithoutOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec("mobilenetv2", 1, 48, 7, 0.3, 0.5));
        assertTrue(e.getMessage().contains("mobilenetv2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("vgg-fer", 1, 48, 7, 0.3, 0));
    }

    @Test
    void specRejectsInputsNoModelTakes() {
        assertThrows(
                IllegalArgumentException.class, () -> new ModelSpec("baseline", 2, 48, 7, 0.3));
        assertThrows(
                IllegalArgumentException.class, () -> new ModelSpec("baseline", 1, 16, 7, 0.3));
        assertThrows(
                IllegalArgumentException.class, () -> new ModelSpec("baseline", 1, 48, 1, 0.3));
        assertThrows(
                IllegalArgumentException.class, () -> new ModelSpec("baseline", 1, 48, 7, 1.0));
    }

    private static Trainer newTrainer(Model model, ModelSpec spec) {
        Trainer trainer =
                model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
        trainer.initialize(spec.inputShape(BATCH));
        return trainer;
    }

    /** Forward and backward on a random batch; returns the scores, gradients left for step(). */
    private static NDList trainStep(
            Trainer trainer, NDManager manager, ModelSpec spec, boolean seeded) {
        if (seeded) {
            manager.getEngine().setRandomSeed(7);
        }
        NDArray images = manager.randomUniform(0f, 1f, spec.inputShape(BATCH));
        NDArray labels = manager.create(new float[] {3, 5});
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList scores = trainer.forward(new NDList(images));
            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), scores);
            collector.backward(loss);
            return scores;
        }
    }

    private static NDArray firstWeight(FerModel model) {
        return model.backbone().getParameters().values().stream()
                .filter(p -> p.getType() == Parameter.Type.WEIGHT)
                .findFirst()
                .orElseThrow()
                .getArray();
    }

    private static Map<String, float[]> snapshot(Iterable<Pair<String, Parameter>> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> named : parameters) {
            values.put(named.getKey(), named.getValue().getArray().toFloatArray());
        }
        return values;
    }
}
