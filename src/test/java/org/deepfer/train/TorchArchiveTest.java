package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deepfer.train.TorchArchive.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the fixtures written by {@code src/test/resources/torch/make_fixtures.py} (PyTorch 1.13), whose
 * floating tensors hold {@code arange(numel) * 0.25 + offset}, so every value is checked exactly.
 */
class TorchArchiveTest {
    private static final float SCALE = 0.25f;

    /** One expected tensor: float ones are an arange ramp from {@code offset}, others listed. */
    private record Expected(String name, long[] shape, String dtype, float[] values) {}

    private static Expected ramp(String name, long[] shape, float offset) {
        return ramp(name, shape, "float32", offset);
    }

    private static Expected ramp(String name, long[] shape, String dtype, float offset) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i * SCALE + offset;
        }
        return new Expected(name, shape, dtype, values);
    }

    private static Expected ints(String name, String dtype, float offset) {
        return new Expected(name, new long[] {2, 3}, dtype,
                new float[] {offset, offset + 1, offset + 2, offset + 3, offset + 4, offset + 5});
    }

    /** The tiny Sequential in state-dict order, BatchNorm running statistics included. */
    private static final List<Expected> TINY = List.of(
            ramp("0.weight", new long[] {4, 1, 3, 3}, 100),
            ramp("1.weight", new long[] {4}, 200),
            ramp("1.bias", new long[] {4}, 300),
            ramp("1.running_mean", new long[] {4}, 400),
            ramp("1.running_var", new long[] {4}, 500),
            new Expected("1.num_batches_tracked", new long[] {}, "int64", new float[] {7}),
            ramp("4.weight", new long[] {3, 36}, 600),
            ramp("4.bias", new long[] {3}, 700));

    private static Path fixture(String name) {
        try {
            return Path.of(TorchArchiveTest.class.getResource("/torch/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("missing test resource torch/" + name, e);
        }
    }

    private static void assertTensors(List<Expected> expected, List<Tensor> actual) {
        assertEquals(expected.stream().map(Expected::name).toList(), actual.stream().map(Tensor::name).toList());
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            Tensor a = actual.get(i);
            assertArrayEquals(e.shape(), a.shape(), e.name() + " shape");
            assertEquals(e.dtype(), a.dtype(), e.name() + " dtype");
            assertArrayEquals(e.values(), a.values(), 0f, e.name() + " values");
        }
    }

    @Test
    void stateDictGivesEveryNameShapeAndValue() throws IOException {
        List<Tensor> tensors = TorchArchive.read(fixture("tiny_state.pth"));
        assertTensors(TINY, tensors);
        assertTrue(tensors.get(3).isFloatingPoint());
        assertFalse(tensors.get(5).isFloatingPoint(), "num_batches_tracked is a counter");
    }

    @Test
    void torchScriptGivesTheSameNamesAndValuesAsTheStateDict() throws IOException {
        // Unlike DJL's PtSymbolBlock parameters, the running statistics are there.
        assertTensors(TINY, TorchArchive.read(fixture("tiny_script.pt")));
    }

    @Test
    void wholePickledModuleGivesStateDictNamesWithoutNonPersistentBuffers() throws IOException {
        // The fixture's Linear also has a non-persistent buffer "cache", which state_dict() leaves out.
        assertTensors(TINY, TorchArchive.read(fixture("tiny_model.pth")));
    }

    @Test
    void nestedTorchScriptModulesJoinNamesInAttributeOrder() throws IOException {
        // TorchScript lists a module's tensors before its submodules, so "scale" comes first here, while
        // state_dict() would put it last; non-tensor attributes (training, label, repeats, paddings) are skipped.
        assertTensors(List.of(
                ramp("scale", new long[] {2}, 90),
                ramp("features.0.shift", new long[] {2}, 30),
                ramp("features.0.conv.weight", new long[] {2, 1, 1, 1}, 10),
                ramp("features.0.conv.bias", new long[] {2}, 20),
                ramp("head.weight", new long[] {2, 2}, 70),
                ramp("head.bias", new long[] {2}, 80)), TorchArchive.read(fixture("nested_script.pt")));
    }

    @Test
    void everyDtypeScalarsEmptyTensorsParametersAndStorageOffsetsAreRead() throws IOException {
        List<Tensor> tensors = TorchArchive.read(fixture("mixed.pth"));
        assertTensors(List.of(
                ramp("f64", new long[] {2, 3}, "float64", 1),
                ramp("f16", new long[] {2, 3}, "float16", 2),
                ramp("bf16", new long[] {2, 3}, "bfloat16", 3),
                ints("i64", "int64", 4),
                ints("i32", "int32", 5),
                ints("i16", "int16", 6),
                ints("i8", "int8", -7),
                ints("u8", "uint8", 8),
                new Expected("bool", new long[] {3}, "bool", new float[] {1, 0, 1}),
                new Expected("scalar", new long[] {}, "float32", new float[] {2.5f}),
                new Expected("empty", new long[] {0, 3}, "float32", new float[0]),
                ramp("param", new long[] {4}, 9),
                ramp("base", new long[] {10}, 10),
                ramp("tail", new long[] {2, 3}, 10 + 4 * SCALE)), tensors);
        assertEquals(List.of(true, true, true, false, false, false, false, false, false, true, true, true, true, true),
                tensors.stream().map(Tensor::isFloatingPoint).toList());
    }

    @Test
    void nonContiguousTensorIsRefusedNamingFileAndTensor() {
        Path file = fixture("transposed.pth");
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tensor t is not contiguous"), e.getMessage());
    }

    @Test
    void truncatedFileGivesAnIoExceptionNamingIt(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(fixture("tiny_state.pth"));
        Path file = Files.write(dir.resolve("cut.pth"), Arrays.copyOf(whole, whole.length / 2));
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertFalse(TorchArchive.isTorchArchive(file));
    }

    @Test
    void truncatedPickleGivesAnIoExceptionNamingFileAndEntry(@TempDir Path dir) throws IOException {
        Map<String, byte[]> entries = entries(fixture("tiny_state.pth"));
        byte[] pickle = entries.get("tiny_state/data.pkl");
        entries.put("tiny_state/data.pkl", Arrays.copyOf(pickle, pickle.length - 3));
        Path file = zip(dir.resolve("cut-pickle.pth"), entries);
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertTrue(e.getMessage().startsWith(file + ": tiny_state/data.pkl: "), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void unsupportedOpcodeIsNamedWithItsOffset(@TempDir Path dir) throws IOException {
        // PROTO 2, then INT ('I', the text-mode integer opcode torch never writes).
        byte[] pickle = {(byte) 0x80, 2, 'I', '1', '\n', '.'};
        Path file = zip(dir.resolve("odd.pth"), Map.of("odd/data.pkl", pickle));
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertEquals(file + ": odd/data.pkl: unsupported pickle opcode 0x49 ('I') at offset 2", e.getMessage());
    }

    @Test
    void missingStorageIsNamed(@TempDir Path dir) throws IOException {
        Map<String, byte[]> entries = entries(fixture("tiny_state.pth"));
        entries.remove("tiny_state/data/6");
        Path file = zip(dir.resolve("no-storage.pth"), entries);
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertEquals(file + ": missing zip entry tiny_state/data/6", e.getMessage());
    }

    @Test
    void legacyPickleFormatIsNamedAsSuch(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("old.pth"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(file));
        assertTrue(e.getMessage().startsWith(file + ": not a PyTorch zip archive"), e.getMessage());
        assertTrue(e.getMessage().contains("before PyTorch 1.6"), e.getMessage());
    }

    @Test
    void onlyZipsWithADataPickleAreTorchArchives(@TempDir Path dir) throws IOException {
        for (String name : List.of("tiny_state.pth", "tiny_script.pt", "nested_script.pt", "tiny_model.pth")) {
            assertTrue(TorchArchive.isTorchArchive(fixture(name)), name);
        }
        Path text = Files.writeString(dir.resolve("params.txt"), "not a zip");
        Path otherZip = zip(dir.resolve("other.zip"), Map.of("folder/model.json", "{}".getBytes(StandardCharsets.UTF_8),
                "data.pkl", new byte[] {'.'}));
        assertFalse(TorchArchive.isTorchArchive(text));
        assertFalse(TorchArchive.isTorchArchive(otherZip));
        assertFalse(TorchArchive.isTorchArchive(dir.resolve("missing.pth")));
        assertFalse(TorchArchive.isTorchArchive(dir));
        IOException e = assertThrows(IOException.class, () -> TorchArchive.read(otherZip));
        assertTrue(e.getMessage().startsWith(otherZip.toString()), e.getMessage());
    }

    @Test
    void halfPrecisionConvertsExactly() {
        assertEquals(1f, TorchArchive.halfToFloat((short) 0x3c00));
        assertEquals(-2f, TorchArchive.halfToFloat((short) 0xc000));
        assertEquals(65504f, TorchArchive.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, TorchArchive.halfToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(0x1p-14f, TorchArchive.halfToFloat((short) 0x0400), "smallest normal");
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(TorchArchive.halfToFloat((short) 0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, TorchArchive.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(TorchArchive.halfToFloat((short) 0x7e00)));
    }

    private static Map<String, byte[]> entries(Path archive) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            for (ZipEntry entry : zip.stream().toList()) {
                entries.put(entry.getName(), zip.getInputStream(entry).readAllBytes());
            }
        }
        return entries;
    }

    private static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            bytes.writeTo(out);
        }
        return file;
    }
}
