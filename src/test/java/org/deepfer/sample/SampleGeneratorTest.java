package org.deepfer.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.image.ImageDecodeException;
import org.deepfer.image.PerceptualHash;
import org.deepfer.image.Resize;
import org.deepfer.tables.Splits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleGeneratorTest {
    private static final DeepFerConfig.Sample DEFAULT_COUNTS = new DeepFerConfig.Sample(30, 6, 6);
    private static final int SIZE = 48;
    private static final int NEAR_DUP_BITS = 5;
    private static final long SEED = 42;

    @TempDir
    static Path shared;

    private static SampleManifest manifest;
    /** Every file of the shared sample, relative path to bytes. */
    private static Map<String, byte[]> files;
    /** The files of the shared sample that decode, relative path to image. */
    private static Map<String, FaceImage> images;

    @BeforeAll
    static void generateDefaultSample() throws IOException {
        manifest = SampleGenerator.generate(shared, DEFAULT_COUNTS, SIZE, NEAR_DUP_BITS, SEED);
        files = readTree(shared.resolve(manifest.datasetDir()));
        images = new TreeMap<>();
        files.forEach((path, bytes) -> {
            if (decodes(bytes)) {
                images.put(path, ImageCodec.decode(bytes));
            }
        });
    }

    @Test
    void sameSeedGivesByteIdenticalFiles(@TempDir Path other) throws IOException {
        SampleGenerator.generate(other, DEFAULT_COUNTS, SIZE, NEAR_DUP_BITS, SEED);

        assertSameTree(readTree(shared), readTree(other));
    }

    @Test
    void otherSeedGivesOtherFaces(@TempDir Path other) throws IOException {
        SampleGenerator.generate(other, new DeepFerConfig.Sample(3, 1, 1), SIZE, NEAR_DUP_BITS, SEED + 1);

        byte[] ours = files.get("train/happy/happy_0001.png");
        byte[] theirs = Files.readAllBytes(other.resolve("fer2013/train/happy/happy_0001.png"));
        assertFalse(Arrays.equals(ours, theirs));
    }

    @Test
    void rerunReplacesGeneratedContentOnly(@TempDir Path out) throws IOException {
        DeepFerConfig.Sample tiny = new DeepFerConfig.Sample(3, 1, 1);
        SampleGenerator.generate(out, tiny, SIZE, NEAR_DUP_BITS, SEED);
        Map<String, byte[]> first = readTree(out);
        Path stray = out.resolve("fer2013/train/angry/stray.png");
        Files.write(stray, new byte[] {1, 2, 3});
        Files.writeString(out.resolve("notes.txt"), "kept");

        SampleGenerator.generate(out, tiny, SIZE, NEAR_DUP_BITS, SEED);

        assertFalse(Files.exists(stray));
        assertEquals("kept", Files.readString(out.resolve("notes.txt")));
        Map<String, byte[]> second = readTree(out);
        second.remove("notes.txt");
        assertSameTree(first, second);
    }

    @Test
    void manifestFileHoldsTheReturnedManifest() {
        assertEquals(manifest, SampleManifest.read(shared.resolve(SampleGenerator.MANIFEST_FILE)));
    }

    @Test
    void defaultSampleHasFerLikeClassImbalanceAndPlantedExtras() {
        manifest.cleanImagesPerSplitAndLabel().forEach((split, perLabel) -> perLabel.forEach((label, n) -> {
            if (!label.equals("disgust")) {
                assertTrue(perLabel.get("disgust") < n / 2, split + ": disgust is not the rare class");
            }
        }));
        // 30 per class, disgust a third; plus 2 exact, 2 near, 1 conflict copy, 2 blank, 1 wrong size.
        assertEquals(6 * 30 + 10 + 8, manifest.cleanImageCount("train"));
        assertEquals(6 * 6 + 2 + 1, manifest.cleanImageCount("validation"));
        assertEquals(6 * 6 + 2 + 1, manifest.cleanImageCount("test"));
        assertEquals(Map.of("train", 200, "validation", 40, "test", 40), manifest.filesPerSplit());
        assertEquals(276, manifest.cleanImageCount());
        assertEquals(4, manifest.quarantineCount());
        assertEquals(4, manifest.exactDuplicateGroups().size());
        assertEquals(3, manifest.nearDuplicatePairs().size());
        assertEquals(2, manifest.leakageGroups().size());
        assertEquals(1, manifest.labelConflictGroups().size());
        assertEquals(2, manifest.blank().size());
        assertEquals(1, manifest.wrongSize().size());
        assertEquals(275, manifest.csvCleanRows());
        assertEquals(5, manifest.csvBadRows().size());
    }

    @Test
    void manifestCountsMatchFilesOnDisk() {
        Map<String, Integer> filesPerSplit = new TreeMap<>();
        Map<String, Map<String, Integer>> decodable = new TreeMap<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String[] parts = file.getKey().split("/");
            filesPerSplit.merge(parts[0], 1, Integer::sum);
            if (images.containsKey(file.getKey())) {
                decodable.computeIfAbsent(parts[0], s -> new TreeMap<>()).merge(parts[1], 1, Integer::sum);
            }
        }

        assertEquals(new TreeMap<>(manifest.filesPerSplit()), filesPerSplit);
        assertEquals(manifest.totalFiles(), files.size());
        for (String split : Splits.ALL) {
            assertEquals(new TreeMap<>(manifest.cleanImagesPerSplitAndLabel().get(split)), decodable.get(split));
        }
        assertEquals(manifest.cleanImageCount(), files.size() - manifest.quarantineCount());
    }

    @Test
    void plantedBadFilesFailToDecodeWithTheirReasonAndAllOthersDecode() {
        Map<String, String> planted = new TreeMap<>();
        manifest.quarantine().forEach((reason, paths) -> paths.forEach(p -> planted.put(p, reason)));
        assertEquals(Set.of("corrupt", "zero_byte", "not_an_image"), manifest.quarantine().keySet());
        assertEquals(2, manifest.quarantine().get("corrupt").size());

        Map<String, String> failed = new TreeMap<>();
        files.forEach((path, bytes) -> {
            try {
                ImageCodec.decode(bytes);
            } catch (ImageDecodeException e) {
                failed.put(path, e.reason().code());
            }
        });

        assertEquals(planted, failed);
        assertEquals(0, files.get(manifest.quarantine().get("zero_byte").get(0)).length);
    }

    @Test
    void wrongSizeImageIsAValid64x64Face() {
        FaceImage oversized = ImageCodec.decode(files.get(manifest.wrongSize().get(0)));

        assertEquals(64, oversized.width());
        assertEquals(64, oversized.height());
        assertTrue(oversized.meanAndStd()[1] > 10);
    }

    @Test
    void blankImagesAreNearConstantAndOnlyThose() {
        List<Double> blankStds = new ArrayList<>();
        for (String path : manifest.blank()) {
            blankStds.add(ImageCodec.decode(files.get(path)).meanAndStd()[1]);
        }
        assertEquals(0.0, blankStds.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        assertTrue(blankStds.stream().allMatch(std -> std < 2), blankStds.toString());

        images.forEach((path, image) -> {
            if (!manifest.blank().contains(path)) {
                assertTrue(image.meanAndStd()[1] >= 6.0, path + " looks blank");
            }
        });
    }

    @Test
    void exactDuplicatesShareTheirBytes() {
        for (List<String> group : manifest.exactDuplicateGroups()) {
            assertEquals(2, group.size());
            assertArrayEquals(files.get(group.get(0)), files.get(group.get(1)), group.toString());
        }
    }

    @Test
    void leakageSpansSplitsAndConflictsSpanLabels() {
        for (List<String> group : manifest.leakageGroups()) {
            assertTrue(group.stream().map(p -> p.split("/")[0]).distinct().count() > 1, group.toString());
            assertTrue(manifest.exactDuplicateGroups().contains(group)
                    || manifest.nearDuplicatePairs().contains(group));
        }
        Set<String> leakSplits = manifest.leakageGroups().stream()
                .flatMap(List::stream)
                .map(p -> p.split("/")[0])
                .collect(Collectors.toSet());
        assertEquals(Set.of("train", "validation", "test"), leakSplits);

        List<String> conflict = manifest.labelConflictGroups().get(0);
        assertNotEquals(conflict.get(0).split("/")[1], conflict.get(1).split("/")[1]);
        assertEquals(conflict.get(0).split("/")[0], conflict.get(1).split("/")[0]);
    }

    @Test
    void plantedNearDuplicatesAreWithinThresholdButNotIdentical() {
        for (List<String> pair : manifest.nearDuplicatePairs()) {
            FaceImage a = ImageCodec.decode(files.get(pair.get(0)));
            FaceImage b = ImageCodec.decode(files.get(pair.get(1)));

            assertNotEquals(a, b, pair.toString());
            int distance = PerceptualHash.distance(PerceptualHash.of(a), PerceptualHash.of(b));
            assertTrue(distance <= NEAR_DUP_BITS - 2, pair + " are " + distance + " bits apart");
        }
    }

    @Test
    void pairwiseCheckFindsOnlyThePlantedRelations() {
        List<String> paths = new ArrayList<>(images.keySet());
        Map<String, long[]> hashes = new HashMap<>();
        for (String path : paths) {
            FaceImage image = images.get(path);
            // Also hash wrongly sized images as an ingest that normalises sizes would see them.
            hashes.put(path, new long[] {
                PerceptualHash.of(image), PerceptualHash.of(Resize.to(image, SIZE, SIZE))
            });
        }

        Set<Set<String>> identical = new HashSet<>();
        Set<Set<String>> near = new HashSet<>();
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                String a = paths.get(i);
                String b = paths.get(j);
                if (images.get(a).equals(images.get(b))) {
                    identical.add(Set.of(a, b));
                } else if (closest(hashes.get(a), hashes.get(b)) <= NEAR_DUP_BITS) {
                    near.add(Set.of(a, b));
                }
            }
        }

        assertEquals(asPairs(manifest.exactDuplicateGroups()), identical);
        assertEquals(asPairs(manifest.nearDuplicatePairs()), near);
    }

    @Test
    void csvHoldsEveryCleanCorrectlySizedImageAndThePlantedBadRows() throws IOException {
        List<String> lines = Files.readAllLines(shared.resolve(manifest.csvFile()), StandardCharsets.US_ASCII);
        assertEquals(manifest.csvLineCount(), lines.size());
        assertEquals(1 + 275 + 5, lines.size());
        assertEquals("emotion,pixels,Usage", lines.get(0));

        Map<Integer, String> badByLine = new TreeMap<>();
        manifest.csvBadRows().forEach(row -> badByLine.put(row.line(), row.reason()));
        List<String> cleanPixelRows = new ArrayList<>();
        for (int line = 2; line <= lines.size(); line++) {
            String reason = problemOf(lines.get(line - 1));
            assertEquals(badByLine.get(line), reason, "line " + line);
            if (reason == null) {
                cleanPixelRows.add(lines.get(line - 1).split(",")[1]);
            }
        }

        List<String> folderPixelRows = new ArrayList<>();
        images.forEach((path, image) -> {
            if (image.width() == SIZE && image.height() == SIZE) {
                folderPixelRows.add(pixelText(image));
            }
        });
        assertEquals(manifest.csvCleanRows(), cleanPixelRows.size());
        assertEquals(sortedCopy(folderPixelRows), sortedCopy(cleanPixelRows));
    }

    @Test
    void csvUsageFollowsTheFolderSplit() throws IOException {
        // The validation leak is an exact copy, so its pixels appear once as Training, once as PublicTest.
        List<String> leak = manifest.leakageGroups().stream()
                .filter(manifest.exactDuplicateGroups()::contains)
                .findFirst()
                .orElseThrow();
        String pixels = pixelText(ImageCodec.decode(files.get(leak.get(0))));

        Set<String> usages = Files.readAllLines(shared.resolve(manifest.csvFile())).stream()
                .map(line -> line.split(","))
                .filter(cells -> cells[1].equals(pixels))
                .map(cells -> cells[2])
                .collect(Collectors.toSet());

        assertEquals(Set.of("Training", "PublicTest"), usages);
    }

    @Test
    void rejectsCountsTooSmallToPlantEveryProblem(@TempDir Path out) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SampleGenerator.generate(out, new DeepFerConfig.Sample(1, 1, 1), SIZE, NEAR_DUP_BITS, SEED));
        assertTrue(e.getMessage().contains("sample.trainPerClass"), e.getMessage());
    }

    /** The reason code a careful CSV reader would give {@code line}, or null if it is valid. */
    private static String problemOf(String line) {
        String[] cells = line.split(",");
        int emotion = Integer.parseInt(cells[0]);
        String[] tokens = cells[1].split(" ");
        if (tokens.length != SIZE * SIZE) {
            return SampleManifest.CSV_WRONG_PIXEL_COUNT;
        }
        for (String token : tokens) {
            if (token.isEmpty() || !token.chars().allMatch(Character::isDigit)) {
                return SampleManifest.CSV_NON_NUMERIC_PIXEL;
            }
            if (Integer.parseInt(token) > 255) {
                return SampleManifest.CSV_PIXEL_OUT_OF_RANGE;
            }
        }
        if (emotion < 0 || emotion > 6) {
            return SampleManifest.CSV_EMOTION_OUT_OF_RANGE;
        }
        if (!Set.of("Training", "PublicTest", "PrivateTest").contains(cells[2])) {
            return SampleManifest.CSV_UNKNOWN_USAGE;
        }
        return null;
    }

    private static boolean decodes(byte[] bytes) {
        try {
            ImageCodec.decode(bytes);
            return true;
        } catch (ImageDecodeException e) {
            return false;
        }
    }

    private static Set<Set<String>> asPairs(List<List<String>> groups) {
        Set<Set<String>> pairs = new HashSet<>();
        for (List<String> group : groups) {
            for (int i = 0; i < group.size(); i++) {
                for (int j = i + 1; j < group.size(); j++) {
                    pairs.add(Set.of(group.get(i), group.get(j)));
                }
            }
        }
        return pairs;
    }

    private static int closest(long[] a, long[] b) {
        int best = 64;
        for (long x : a) {
            for (long y : b) {
                best = Math.min(best, PerceptualHash.distance(x, y));
            }
        }
        return best;
    }

    private static String pixelText(FaceImage image) {
        StringBuilder text = new StringBuilder();
        for (byte b : image.pixels()) {
            text.append(text.length() == 0 ? "" : " ").append(b & 0xFF);
        }
        return text.toString();
    }

    private static List<String> sortedCopy(List<String> values) {
        return values.stream().sorted().toList();
    }

    private static Map<String, byte[]> readTree(Path root) throws IOException {
        Map<String, byte[]> tree = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                tree.put(root.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
            }
        }
        return tree;
    }

    private static void assertSameTree(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()));
        expected.forEach((path, bytes) -> assertArrayEquals(bytes, actual.get(path), path));
    }
}
