package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading PyTorch files into our architectures. The fixtures (see make_baseline_fixture.py) are a
 * PyTorch twin of our baseline at width 0.125 with random weights and batch-norm statistics, and the
 * eval-mode features PyTorch computed for a fixed input: a wrong pairing of tensors changes them.
 */
class PretrainedLoaderTest {
    private static final ModelSpec GRAY = new ModelSpec("baseline", 1, 48, 7, 0.3, 0.125);

    @Test
    void pytorchStateDictReproducesPytorchsFeatures() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = initialized(GRAY, manager);
            PretrainedLoader.Report report = PretrainedLoader.load(resource("baseline_w0125.pth"), model, manager);

            // Four stages of conv weight + batch norm (4 tensors), then the dense layer's weight and bias.
            assertEquals(4 * 5 + 2, report.matched().size());
            assertTrue(report.matched().get(0).endsWith("<- 0.0.weight"), report.matched().get(0));
            assertEquals(List.of("2.weight", "2.bias"), report.skipped());
            assertEquals(List.of(), report.adapted());
            assertArrayEquals(expected("features"), features(model, manager), 1e-5f);
        }
    }

    @Test
    void rgbStemLoadsIntoAGrayModelBySummingOverColourChannels() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = initialized(GRAY, manager);
            PretrainedLoader.Report report =
                    PretrainedLoader.load(resource("baseline_w0125_rgb.pth"), model, manager);

            assertEquals(1, report.adapted().size(), report.adapted().toString());
            assertTrue(report.adapted().get(0).contains("0.0.weight"), report.adapted().get(0));
            // The gray image seen by the RGB net as three equal channels gives the same features.
            assertArrayEquals(expected("features_rgb"), features(model, manager), 1e-5f);
        }
    }

    @Test
    void stateDictOfAnotherWidthIsRefusedNamingTheFirstTensorThatDoesNotFit() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel wider = initialized(new ModelSpec("baseline", 1, 48, 7, 0.3, 0.25), manager);
            Path file = resource("baseline_w0125.pth");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PretrainedLoader.load(file, wider, manager));
            // Width 0.25 keeps 8 filters in stage 1 but has 16 in stage 2: tensor #6 is 0.4.weight.
            assertTrue(e.getMessage().contains("tensor #6") && e.getMessage().contains("0.4.weight")
                    && e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void aDirectoryWithOnlyItsOnnxExportIsRefusedAsAStartingPoint(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model.onnx"), "an export");
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = initialized(GRAY, manager);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PretrainedLoader.load(dir, model, manager));
            assertTrue(e.getMessage().contains("holds its weights only in model.onnx")
                    && e.getMessage().contains("cannot continue training"), e.getMessage());
        }
    }

    private static FerModel initialized(ModelSpec spec, NDManager manager) {
        FerModel model = Models.build(spec);
        model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(2));
        return model;
    }

    /** Our backbone's eval-mode output on the fixture's input. */
    private static float[] features(FerModel model, NDManager manager) throws Exception {
        TorchArchive.Tensor input = tensors().get("input");
        NDArray x = manager.create(input.values(), new Shape(input.shape()));
        NDList out = model.backbone().forward(new ParameterStore(manager, false), new NDList(x), false);
        return out.singletonOrThrow().toFloatArray();
    }

    private static float[] expected(String name) throws Exception {
        return tensors().get(name).values();
    }

    private static Map<String, TorchArchive.Tensor> tensors() throws Exception {
        return TorchArchive.read(resource("baseline_w0125_io.pth")).stream()
                .collect(Collectors.toMap(TorchArchive.Tensor::name, Function.identity()));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PretrainedLoaderTest.class.getResource("/torch/" + name).toURI());
    }
}
