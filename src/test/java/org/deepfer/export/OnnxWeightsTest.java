package org.deepfer.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OnnxWeightsTest {
    private static final int FACES = 6;
    private static final long FACE_SEED = 9;
    private static final double TEMPERATURE = 1.3;

    @TempDir
    Path dir;

    @Test
    void everyFloat16ValueSurvivesTheRoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = OnnxWeights.fromHalf(h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(OnnxWeights.fromHalf(OnnxWeights.toHalf(f))), "NaN stays NaN");
                continue;
            }
            assertEquals(bits, OnnxWeights.toHalf(f) & 0xffff, () -> "float16 0x" + Integer.toHexString(h & 0xffff));
        }
    }

    @Test
    void knownValuesConvertAsIeee754Says() {
        assertEquals(0x3c00, OnnxWeights.toHalf(1f) & 0xffff);
        assertEquals(0xc000, OnnxWeights.toHalf(-2f) & 0xffff);
        assertEquals(0x2e66, OnnxWeights.toHalf(0.1f) & 0xffff);
        assertEquals(0x7bff, OnnxWeights.toHalf(65504f) & 0xffff);
        assertEquals(0x7bff, OnnxWeights.toHalf(65519f) & 0xffff, "below the midpoint to 65536: the largest");
        assertEquals(0x7c00, OnnxWeights.toHalf(65520f) & 0xffff, "the midpoint rounds to even: infinity");
        assertEquals(0x0001, OnnxWeights.toHalf(0x1p-24f) & 0xffff, "the smallest subnormal");
        assertEquals(0x0000, OnnxWeights.toHalf(0x1p-25f) & 0xffff, "half of it: a tie, to even zero");
        assertEquals(0x0001, OnnxWeights.toHalf(0x1.8p-25f) & 0xffff);
        assertEquals(0x0400, OnnxWeights.toHalf(0x1p-14f) & 0xffff, "the smallest normal");
        assertEquals(0x8000, OnnxWeights.toHalf(-0f) & 0xffff);
        assertEquals(0x3c00, OnnxWeights.toHalf(1f + 0x1p-11f) & 0xffff, "a tie between 1 and 1 + 2^-10: even");
        assertEquals(0x3c02, OnnxWeights.toHalf(1f + 3 * 0x1p-11f) & 0xffff, "a tie to the even above");
        assertEquals(0x7c00, OnnxWeights.toHalf(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0.099975586f, OnnxWeights.fromHalf((short) 0x2e66));
    }

    @Test
    void floatsRoundToTheNearestFloat16() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            // Magnitudes from float16's subnormals up to its largest values.
            float f = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-26, 15.99)));
            short h = OnnxWeights.toHalf(f);
            double error = Math.abs((double) f - OnnxWeights.fromHalf(h));
            for (int step : new int[] {-1, 1}) {
                float neighbour = OnnxWeights.fromHalf((short) (h + step));
                if (Float.isFinite(neighbour) && Math.signum(neighbour) * Math.signum(f) >= 0) {
                    assertTrue(error <= Math.abs((double) f - neighbour), () -> f + " -> " + OnnxWeights.fromHalf(h)
                            + " but " + neighbour + " is nearer");
                }
            }
        }
    }

    /** An export read back into a fresh model of the same architecture predicts as the original. */
    @ParameterizedTest(name = "{0} width {1}")
    @CsvSource({"baseline, 0.5", "resnet18, 0.25", "mobilenetv2, 1.0", "efficientnet-b0, 1.0"})
    void djlReadsItsExportBack(String name, double width) throws Exception {
        ModelSpec spec = new ModelSpec(name, 1, 48, Labels.count(), 0.3, width);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 21);
            TestModels.scaleHeadToInformativeScores(model, manager, 48, FACES, FACE_SEED);
            ModelBundle trained = TestModels.writeBundle(model, 48, dir.resolve("trained"));
            ExportedModel exported = new OnnxExporter(OnnxExporter.Settings.of(trained, TEMPERATURE)).export(model);
            ModelBundle fromOnnx = onnxOnly(trained, exported.model(), dir.resolve("from-onnx"));

            List<byte[]> faces = OnnxParity.randomFaces(FACES, 48, FACE_SEED);
            OnnxParity.Result sameAsTrained = OnnxParity.compare(probabilities(trained, faces),
                    probabilities(fromOnnx, faces));
            OnnxParity.Result sameAsOnnx = OnnxParity.check(fromOnnx, TEMPERATURE, exported.bytes(), FACES,
                    FACE_SEED, 2);

            System.out.printf("read back %-16s width %.2f: max |dp| vs trained %.2e, vs ONNX Runtime %.2e%n", name,
                    width, sameAsTrained.maxAbsDiff(), sameAsOnnx.maxAbsDiff());
            assertTrue(fromOnnx.weightsFromOnnx());
            assertTrue(sameAsTrained.maxAbsDiff() <= OnnxParity.TOLERANCE, () -> "vs trained " + sameAsTrained);
            assertTrue(sameAsOnnx.maxAbsDiff() <= OnnxParity.TOLERANCE, () -> "vs ONNX Runtime " + sameAsOnnx);
            assertEquals(FACES, sameAsTrained.top1Agreements());
        }
    }

    /**
     * Half-precision storage halves the file; ONNX Runtime on it and DJL on its weights read back
     * agree as closely as float32 exports do, and both stay near the float32 model.
     */
    @Test
    void halfPrecisionHalvesTheFileAndStillAgrees() throws Exception {
        ModelSpec spec = new ModelSpec("resnet18", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 5);
            TestModels.scaleHeadToInformativeScores(model, manager, 48, FACES, FACE_SEED);
            ModelBundle trained = TestModels.writeBundle(model, 48, dir.resolve("trained"));
            ExportedModel exported = new OnnxExporter(OnnxExporter.Settings.of(trained, TEMPERATURE)).export(model);
            OnnxMl.ModelProto half = OnnxWeights.halfPrecision(exported.model());
            ModelBundle fromHalf = onnxOnly(trained, half, dir.resolve("from-half"));

            OnnxParity.Result djlVsOrt = OnnxParity.check(fromHalf, TEMPERATURE, half.toByteArray(), FACES, FACE_SEED, 2);
            OnnxParity.Result vsFloat32 = OnnxParity.check(trained, TEMPERATURE, half.toByteArray(), FACES, FACE_SEED,
                    2);

            double ratio = (double) half.getSerializedSize() / exported.model().getSerializedSize();
            System.out.printf("float16 weights: %.3f of the size; DJL vs ONNX Runtime %.2e; vs float32 %.2e%n", ratio,
                    djlVsOrt.maxAbsDiff(), vsFloat32.maxAbsDiff());
            assertEquals("float16", OnnxWeights.storage(half));
            assertEquals("float32", OnnxWeights.storage(exported.model()));
            assertTrue(ratio > 0.45 && ratio < 0.55, "size ratio " + ratio);
            assertTrue(djlVsOrt.maxAbsDiff() <= OnnxParity.TOLERANCE, () -> "DJL vs ONNX Runtime " + djlVsOrt);
            assertTrue(vsFloat32.maxAbsDiff() > 0, "rounding to float16 changed nothing: were the weights halved?");
            assertTrue(vsFloat32.maxAbsDiff() < 0.02, () -> "float16 moved probabilities by " + vsFloat32);
        }
    }

    @Test
    void weightsOfAnotherWidthAreRefusedByName() throws Exception {
        ModelSpec narrow = new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(narrow, manager, 1);
            ModelBundle trained = TestModels.writeBundle(model, 48, dir.resolve("narrow"));
            ExportedModel exported = new OnnxExporter(OnnxExporter.Settings.of(trained, 1.0)).export(model);
            FerModel wider = TestModels.randomModel(new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.5),
                    manager, 1);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxWeights.load(wider, exported.model()));
            assertTrue(e.getMessage().contains("another width"), e.getMessage());
            assertTrue(e.getMessage().contains("_weight"), e.getMessage());
        }
    }

    @Test
    void aWeightBeyondFloat16IsRefusedByName() {
        ByteBuffer values = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(70000f);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setGraph(OnnxMl.GraphProto.newBuilder()
                .addInitializer(OnnxMl.TensorProto.newBuilder().setName("head_fc_weight").addDims(2)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setRawData(ByteString.copyFrom(values.array())))).build();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxWeights.halfPrecision(model));
        assertTrue(e.getMessage().contains("head_fc_weight") && e.getMessage().contains("70000"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutWeightsIsRefused() throws Exception {
        ModelSpec spec = new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelBundle trained = TestModels.writeBundle(TestModels.randomModel(spec, manager, 1), 48,
                    dir.resolve("m"));
            Files.delete(trained.paramsFile());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelBundle.load(trained.dir()));
            assertTrue(e.getMessage().contains("neither model.params") && e.getMessage().contains("model.onnx"),
                    e.getMessage());
        }
    }

    /** A copy of {@code trained}'s directory holding {@code onnx} in place of its parameters. */
    private static ModelBundle onnxOnly(ModelBundle trained, OnnxMl.ModelProto onnx, Path to) throws Exception {
        Files.createDirectories(to);
        for (String file : List.of(ModelBundle.CONFIG, ModelBundle.CLASSES, ModelBundle.NORMALIZATION)) {
            Files.copy(trained.dir().resolve(file), to.resolve(file));
        }
        Files.write(to.resolve(ModelBundle.ONNX), onnx.toByteArray());
        return ModelBundle.load(to);
    }

    private static float[][] probabilities(ModelBundle bundle, List<byte[]> faces) {
        try (FacePredictor predictor = new FacePredictor(bundle,
                new FacePredictor.Settings(FacePredictor.Tta.NONE, TEMPERATURE, faces.size()))) {
            return predictor.probabilities(faces, 48);
        }
    }
}
