package org.deepfer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OnnxExporterTest {
    private static final int BATCH = 4;
    private static final long FACE_SEED = 5;

    /**
     * Every architecture at 48x48 gray, plus the input variations the graph's preprocessing must
     * mirror: RGB networks, bilinear up- and downscaling, box-averaging shrink, ResNet's ImageNet
     * stem (its padded max pool), and a temperature.
     */
    private static final String CASES = """
            baseline,        1, 48,  0.5,  48, 1.7
            vgg-fer,         1, 48,  0.25, 48, 1.0
            resnet18,        1, 48,  0.25, 48, 1.0
            resnet50,        1, 48,  0.25, 48, 1.0
            mobilenetv2,     1, 48,  1.0,  48, 1.0
            efficientnet-b0, 1, 48,  1.0,  48, 1.0
            efficientnet-b3, 1, 48,  1.0,  48, 0.6
            resnet18,        3, 112, 0.25, 56, 1.0
            baseline,        3, 64,  0.25, 48, 1.0
            baseline,        1, 32,  0.25, 48, 1.0
            baseline,        1, 48,  0.25, 96, 1.0
            """;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}x{2}x{2} width {3}, faces {4}x{4}, T={5}")
    @CsvSource(textBlock = CASES)
    void onnxRuntimeGivesTheProbabilitiesOfDjl(String name, int channels, int size, double width, int faceSize,
            double temperature) throws Exception {
        ModelSpec spec = new ModelSpec(name, channels, size, Labels.count(), 0.3, width);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 11);
            TestModels.scaleHeadToInformativeScores(model, manager, faceSize, BATCH, FACE_SEED);
            ModelBundle bundle = TestModels.writeBundle(model, faceSize, dir.resolve(name + "-" + size));

            ExportedModel exported = new OnnxExporter(OnnxExporter.Settings.of(bundle, temperature)).export(model);
            OnnxParity.Result parity = OnnxParity.check(bundle, temperature, exported.bytes(), BATCH, FACE_SEED, 2);

            System.out.printf("parity %-16s %dx%dx%d width %.2f faces %d T=%.1f: max |dp| = %.2e, top-1 %d/%d%n",
                    name, channels, size, size, width, faceSize, temperature, parity.maxAbsDiff(),
                    parity.top1Agreements(), parity.faces());
            assertEquals(BATCH, parity.faces());
            assertTrue(parity.maxAbsDiff() <= OnnxParity.TOLERANCE, name + ": max |dp| = " + parity.maxAbsDiff());
            assertEquals(BATCH, parity.top1Agreements(), name + ": argmax differs");
        }
    }

    @Test
    void everyArchitectureHasAParityCase() {
        Set<String> covered = new TreeSet<>();
        for (String line : CASES.strip().split("\n")) {
            covered.add(line.split(",")[0].strip());
        }
        assertEquals(new TreeSet<>(Models.NAMES), covered);
    }

    @Test
    void sidecarAndModelMetadataDescribeTheExport() throws Exception {
        ModelSpec spec = new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 3);
            ModelBundle bundle = TestModels.writeBundle(model, 48, dir.resolve("m1"));
            Path file = dir.resolve("out").resolve("model.onnx");
            OnnxSidecar.Verification check = new OnnxSidecar.Verification(8, 1, 2e-7, 8, OnnxParity.TOLERANCE);

            new OnnxExporter(OnnxExporter.Settings.of(bundle, 1.5)).export(model).write(file, null, check);

            Path sidecarFile = dir.resolve("out").resolve("model.onnx.json");
            assertEquals(sidecarFile, ExportedModel.sidecarFile(file));
            assertEquals(1.5, ExportedModel.temperatureOf(file), "the temperature a DJL comparison must use");
            Path bare = Files.copy(file, dir.resolve("bare.onnx"));
            assertEquals(1.0, ExportedModel.temperatureOf(bare), "no sidecar: probabilities as the graph gives them");
            OnnxSidecar s = Reports.readJson(sidecarFile, OnnxSidecar.class);
            assertEquals("m1", s.modelId());
            assertEquals("baseline", s.architecture());
            assertEquals(0.25, s.width());
            assertEquals(Labels.NAMES, s.classes());
            assertEquals(new OnnxSidecar.Tensor("pixels", List.of(-1L, 1L, 48L, 48L), "float32", "NCHW",
                    "raw gray pixels 0..255 (no scaling, no normalization)"), s.input());
            assertEquals("probabilities", s.output().name());
            assertEquals(List.of(-1L, 7L), s.output().shape());
            assertEquals(new OnnxSidecar.NetworkInput(1, 48), s.networkInput());
            assertEquals(new OnnxSidecar.Normalization(0.5135, 0.3067), s.normalization());
            assertEquals(1.5, s.temperature());
            assertEquals(13, s.opset());
            assertEquals(7, s.irVersion());
            assertEquals("deepfer", s.producer());
            assertEquals(OnnxExporter.VERSION, s.exporterVersion());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(file))), s.onnxSha256());
            assertEquals(check, s.verification());
            assertNull(s.exportedBy());
            assertEquals(List.of("(v / 255 - 0.5135) / 0.3067"), s.preprocessing());

            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
            assertEquals("deepfer", proto.getProducerName());
            assertEquals(13, proto.getOpsetImport(0).getVersion());
            assertTrue(proto.getDocString().contains("raw gray face pixels 0..255"), proto.getDocString());
            try (OnnxRunner runner = OnnxRunner.open(file, 1)) {
                assertArrayEquals(new long[] {1, 48, 48}, runner.imageShape());
                assertEquals(7, runner.classes());
                Map<String, String> meta = runner.metadata();
                assertEquals("m1", meta.get("model_id"));
                assertEquals("[\"angry\",\"disgust\",\"fear\",\"happy\",\"sad\",\"surprise\",\"neutral\"]",
                        meta.get("classes"));
                assertEquals("1.5", meta.get("temperature"));
                float[][] p = runner.probabilitiesOfGray(OnnxParity.randomFaces(3, 48, 1));
                assertEquals(3, p.length);
                for (float[] row : p) {
                    double sum = 0;
                    for (float v : row) {
                        sum += v;
                    }
                    assertEquals(1.0, sum, 1e-5);
                }
            }
        }
    }

    @Test
    void batchNormsAreFoldedAndDropoutLeftOut() throws Exception {
        ModelSpec spec = new ModelSpec("resnet18", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 3);
            OnnxMl.GraphProto graph = new OnnxExporter(settings("r", 48)).export(model).model().getGraph();
            Map<String, Integer> ops = new LinkedHashMap<>();
            for (OnnxMl.NodeProto node : graph.getNodeList()) {
                ops.merge(node.getOpType(), 1, Integer::sum);
            }
            // 1 stem + 8 blocks x 2 + 3 projection shortcuts, each with its batch norm folded in
            assertEquals(20, ops.get("Conv"), ops.toString());
            assertEquals(8, ops.get("Add"), ops.toString());
            assertEquals(1, ops.get("Gemm"), ops.toString());
            assertTrue(!ops.containsKey("BatchNormalization") && !ops.containsKey("Dropout"), ops.toString());
        }
    }

    @Test
    void aLambdaBlockIsRefusedWithItsPath() {
        Block backbone = new SequentialBlock()
                .add(Conv2d.builder().setFilters(4).setKernelShape(new Shape(3, 3)).build())
                .add(Activation.tanhBlock());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> exportWith(backbone));
        assertTrue(e.getMessage().startsWith("cannot export backbone_02LambdaBlock: it is a LambdaBlock ('Tanh')"),
                e.getMessage());
    }

    @Test
    void anUnknownBlockTypeIsRefusedWithItsPathAndWhatIsSupported() {
        Block backbone = new SequentialBlock()
                .add(Conv2d.builder().setFilters(4).setKernelShape(new Shape(3, 3)).build())
                .add(LayerNorm.builder().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> exportWith(backbone));
        assertTrue(e.getMessage().startsWith("cannot export backbone_02LayerNorm: no ONNX translation for"
                + " ai.djl.nn.norm.LayerNorm; supported: "), e.getMessage());
    }

    @Test
    void classNamesMustMatchTheOutputs() {
        ModelSpec spec = new ModelSpec("baseline", 1, 48, 3, 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new OnnxExporter(settings("x", 48)).export(model));
            assertEquals("the model predicts 3 classes but 7 class names were given: " + Labels.NAMES,
                    e.getMessage());
        }
    }

    @Test
    void unevenBoxShrinkIsRefused() {
        ModelSpec spec = new ModelSpec("baseline", 1, 40, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new OnnxExporter(settings("x", 90)).export(model));
            assertTrue(e.getMessage().startsWith("faces of 90x90 reach the network's 40x40 input by averaging"),
                    e.getMessage());
        }
    }

    /** Exports {@code backbone} (initialized for 48x48 gray input) with a baseline's head. */
    private static void exportWith(Block backbone) {
        ModelSpec spec = new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            backbone.initialize(manager, DataType.FLOAT32, spec.inputShape(1));
            FerModel model = TestModels.randomModel(spec, manager, 3);
            new OnnxExporter(settings("x", 48)).export(spec, backbone, model.head());
        }
    }

    private static OnnxExporter.Settings settings(String id, int faceSize) {
        return new OnnxExporter.Settings(id, Labels.NAMES, TestModels.normalization(faceSize), 1.0, faceSize);
    }
}
