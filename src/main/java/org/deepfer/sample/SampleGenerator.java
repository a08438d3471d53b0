package org.deepfer.sample;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.image.ImageDecodeException;
import org.deepfer.image.ImageDecodeException.Reason;
import org.deepfer.image.PerceptualHash;
import org.deepfer.image.Resize;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;

/**
 * Writes the built-in synthetic FER2013-like sample: an image-folder dataset, the same images as a
 * FER2013 CSV, and planted.json, the {@link SampleManifest} of every data problem planted in them.
 *
 * <p>Apart from the planted problems the faces are pairwise far apart in pHash space, and this is
 * checked on the written files before returning, so an audit of the sample must find exactly what
 * the manifest lists.
 */
public final class SampleGenerator {
    /** FER2013's Usage value for each of our splits. */
    public static final Map<String, String> USAGE_BY_SPLIT =
            Map.of(Splits.TRAIN, "Training", Splits.VALIDATION, "PublicTest", Splits.TEST, "PrivateTest");
    /** The image-folder dataset under the output folder. */
    public static final String DATASET_DIR = "fer2013";
    /** The FER2013-style CSV under the output folder. */
    public static final String CSV_FILE = "fer2013.csv";
    /** The manifest under the output folder. */
    public static final String MANIFEST_FILE = "planted.json";

    /** Unplanned pairs keep this many bits beyond the threshold, so re-encoding cannot pull them in. */
    private static final int SAFETY_MARGIN_BITS = 3;
    /** Near duplicates are planted this many bits inside the threshold, for the same reason. */
    private static final int NEAR_DUPLICATE_SLACK_BITS = 2;
    /** Clean faces stay well above any sensible blank threshold (the audit default is 6). */
    private static final double MIN_FACE_STD = 12;
    private static final String TRAIN = Splits.TRAIN;
    private static final String VALIDATION = Splits.VALIDATION;
    private static final String TEST = Splits.TEST;
    private static final List<String> SPLITS = Splits.ALL;
    /** Label folder names; the index is the CSV's emotion code. */
    private static final List<String> LABELS = Labels.NAMES;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private SampleGenerator() {}

    /**
     * Regenerates the sample under {@code outDir}: removes {@value #DATASET_DIR}/, {@value #CSV_FILE}
     * and {@value #MANIFEST_FILE} there (nothing else), writes them anew and returns the manifest.
     *
     * @param counts clean faces per class and split; disgust gets a third of them, rounded up
     * @param imageSize side of the square images (FER2013: 48)
     * @param nearDupHamming the audit's near-duplicate threshold in bits (audit.nearDupHamming)
     * @throws IllegalStateException if the written files hold a relation that was not planted
     */
    public static SampleManifest generate(
            Path outDir, DeepFerConfig.Sample counts, int imageSize, int nearDupHamming, long seed) {
        validate(counts, imageSize, nearDupHamming);
        SplittableRandom root = new SplittableRandom(seed);
        DistinctFaces faces = new DistinctFaces(imageSize, nearDupHamming + SAFETY_MARGIN_BITS, root.split());
        SplittableRandom planting = root.split();
        SplittableRandom csvRandom = root.split();

        Dataset dataset = new Dataset();
        drawCleanFaces(dataset, faces, counts, imageSize);
        Planted planted = plantProblems(dataset, faces, planting, imageSize, nearDupHamming);
        List<CsvRow> csvRows = csvRows(dataset, faces, csvRandom, imageSize);

        clearGeneratedContent(outDir);
        writeFolderDataset(outDir.resolve(DATASET_DIR), dataset);
        writeCsv(outDir.resolve(CSV_FILE), csvRows);
        SampleManifest manifest = manifest(seed, imageSize, nearDupHamming, dataset, planted, csvRows);
        verifyAgainstDisk(outDir.resolve(DATASET_DIR), manifest);
        writeManifest(outDir.resolve(MANIFEST_FILE), manifest);
        return manifest;
    }

    private static void validate(DeepFerConfig.Sample counts, int imageSize, int nearDupHamming) {
        if (counts.trainPerClass() < 2) {
            // Seven planted relations need seven distinct train faces to copy from.
            throw new IllegalArgumentException(
                    "sample.trainPerClass must be at least 2, got " + counts.trainPerClass());
        }
        if (counts.validationPerClass() < 0 || counts.testPerClass() < 0) {
            throw new IllegalArgumentException("sample.validationPerClass and sample.testPerClass must be >= 0, got "
                    + counts.validationPerClass() + " and " + counts.testPerClass());
        }
        if (imageSize < 16) {
            throw new IllegalArgumentException("image.size must be at least 16 for a usable pHash, got " + imageSize);
        }
        if (nearDupHamming < NEAR_DUPLICATE_SLACK_BITS || nearDupHamming > 20) {
            throw new IllegalArgumentException(
                    "audit.nearDupHamming must be 2..20 to plant near duplicates inside it and keep other faces"
                            + " outside it, got " + nearDupHamming);
        }
    }

    private static void drawCleanFaces(Dataset dataset, DistinctFaces faces, DeepFerConfig.Sample counts, int size) {
        for (String split : SPLITS) {
            int perClass = switch (split) {
                case TRAIN -> counts.trainPerClass();
                case VALIDATION -> counts.validationPerClass();
                default -> counts.testPerClass();
            };
            for (int label = 0; label < LABELS.size(); label++) {
                // FER2013 has far fewer disgust faces than any other class; keep that imbalance.
                int n = label == SyntheticFaces.DISGUST ? (perClass + 2) / 3 : perClass;
                for (int i = 0; i < n; i++) {
                    dataset.addImage(split, LABELS.get(label), faces.next(label, size));
                }
            }
        }
    }

    /**
     * Plants every problem the manifest lists. Each relation copies from its own train face, so
     * relations never share an image and the expected audit groups are exactly these.
     */
    private static Planted plantProblems(
            Dataset dataset, DistinctFaces faces, SplittableRandom random, int imageSize, int nearDupHamming) {
        Planted planted = new Planted();
        List<SampleFile> trainFaces = dataset.files.stream().filter(f -> f.split.equals(TRAIN)).toList();
        List<SampleFile> sources = pickDistinct(trainFaces, 7, random);
        int nearMaxBits = nearDupHamming - NEAR_DUPLICATE_SLACK_BITS;

        for (SampleFile source : sources.subList(0, 2)) {
            SampleFile copy = dataset.addCopy(TRAIN, source.label, source);
            planted.exactGroups.add(group(source, copy));
        }
        for (SampleFile source : sources.subList(2, 4)) {
            SampleFile copy = dataset.addImage(TRAIN, source.label, nearDuplicate(source.image, nearMaxBits, random));
            planted.nearPairs.add(group(source, copy));
        }

        SampleFile exactLeakSource = sources.get(4);
        SampleFile exactLeak = dataset.addCopy(VALIDATION, exactLeakSource.label, exactLeakSource);
        planted.exactGroups.add(group(exactLeakSource, exactLeak));
        planted.leakageGroups.add(group(exactLeakSource, exactLeak));

        SampleFile nearLeakSource = sources.get(5);
        SampleFile nearLeak =
                dataset.addImage(TEST, nearLeakSource.label, nearDuplicate(nearLeakSource.image, nearMaxBits, random));
        planted.nearPairs.add(group(nearLeakSource, nearLeak));
        planted.leakageGroups.add(group(nearLeakSource, nearLeak));

        SampleFile conflictSource = sources.get(6);
        int sourceLabel = LABELS.indexOf(conflictSource.label);
        String otherLabel = LABELS.get((sourceLabel + 1 + random.nextInt(LABELS.size() - 1)) % LABELS.size());
        SampleFile conflict = dataset.addCopy(TRAIN, otherLabel, conflictSource);
        planted.exactGroups.add(group(conflictSource, conflict));
        planted.labelConflictGroups.add(group(conflictSource, conflict));

        plantBlanks(dataset, faces, random, imageSize, planted);

        // A face of the wrong size (decodable, otherwise fine) as scraped datasets often have.
        int wrongSide = imageSize + 16;
        FaceImage oversized = faces.next(SyntheticFaces.SURPRISE, wrongSide);
        planted.wrongSize.add(dataset.addImage(TRAIN, label(SyntheticFaces.SURPRISE), oversized).relativePath());

        plantUndecodableFiles(dataset, random, imageSize, planted);
        return planted;
    }

    private static void plantBlanks(
            Dataset dataset, DistinctFaces faces, SplittableRandom random, int imageSize, Planted planted) {
        byte[] constant = new byte[imageSize * imageSize];
        Arrays.fill(constant, (byte) (90 + random.nextInt(80)));
        FaceImage flat = FaceImage.gray(imageSize, imageSize, constant);
        // A constant image hashes to a single set bit (DC), about 31 bits from any face.
        if (!faces.register(flat)) {
            throw new IllegalStateException("constant blank image is within pHash range of a face");
        }
        planted.blank.add(dataset.addImage(TRAIN, label(SyntheticFaces.NEUTRAL), flat).relativePath());

        // Nearly constant: +-1 gray level of sensor noise (std about 0.8). Its hash is noise, so a
        // draw that lands near another image is simply redrawn.
        int level = 60 + random.nextInt(140);
        FaceImage almostFlat;
        do {
            byte[] px = new byte[imageSize * imageSize];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) (level + random.nextInt(3) - 1);
            }
            almostFlat = FaceImage.gray(imageSize, imageSize, px);
        } while (!faces.register(almostFlat));
        planted.blank.add(dataset.addImage(TRAIN, label(SyntheticFaces.SAD), almostFlat).relativePath());
    }

    private static void plantUndecodableFiles(
            Dataset dataset, SplittableRandom random, int imageSize, Planted planted) {
        // A PNG cut in half, as an interrupted download leaves it.
        byte[] whole = ImageCodec.encodePng(SyntheticFaces.draw(SyntheticFaces.HAPPY, imageSize, random));
        byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
        planted.quarantine(Reason.CORRUPT, dataset.addRaw(TRAIN, label(SyntheticFaces.HAPPY), truncated));

        // Random bytes behind a PNG signature: a PNG reader claims the file and then fails on it,
        // which is what makes it corrupt rather than "not an image".
        byte[] garbageBytes = new byte[256 + random.nextInt(512)];
        random.nextBytes(garbageBytes);
        System.arraycopy(PNG_SIGNATURE, 0, garbageBytes, 0, PNG_SIGNATURE.length);
        planted.quarantine(Reason.CORRUPT, dataset.addRaw(VALIDATION, label(SyntheticFaces.FEAR), garbageBytes));

        planted.quarantine(Reason.ZERO_BYTE, dataset.addRaw(TRAIN, label(SyntheticFaces.NEUTRAL), new byte[0]));

        byte[] text = "this file was saved with the wrong extension; it holds notes, not pixels\n"
                .getBytes(StandardCharsets.UTF_8);
        planted.quarantine(Reason.NOT_AN_IMAGE, dataset.addRaw(TEST, label(SyntheticFaces.SAD), text));
    }

    private static String label(int expression) {
        return LABELS.get(expression);
    }

    /** The same face, slightly brighter or darker, with a few pixels of impulse noise. */
    private static FaceImage nearDuplicate(FaceImage face, int maxBits, SplittableRandom random) {
        long original = PerceptualHash.of(face);
        for (int attempt = 0; attempt < 100; attempt++) {
            int shift = (random.nextBoolean() ? 1 : -1) * (4 + random.nextInt(7));
            byte[] px = face.pixels().clone();
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) Math.max(0, Math.min(255, (px[i] & 0xFF) + shift));
            }
            int noisyPixels = 3 + random.nextInt(6);
            for (int k = 0; k < noisyPixels; k++) {
                px[random.nextInt(px.length)] = (byte) random.nextInt(256);
            }
            FaceImage candidate = FaceImage.gray(face.width(), face.height(), px);
            if (!candidate.equals(face) && PerceptualHash.distance(original, PerceptualHash.of(candidate)) <= maxBits) {
                return candidate;
            }
        }
        throw new IllegalStateException("could not make a near duplicate within " + maxBits + " bits");
    }

    private static List<SampleFile> pickDistinct(List<SampleFile> files, int n, SplittableRandom random) {
        List<SampleFile> pool = new ArrayList<>(files);
        List<SampleFile> picked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picked.add(pool.remove(random.nextInt(pool.size())));
        }
        return picked;
    }

    private static List<String> group(SampleFile a, SampleFile b) {
        return Stream.of(a.relativePath(), b.relativePath()).sorted().toList();
    }

    /**
     * The CSV's rows: every decodable, correctly sized image in split, label, file order, with five
     * invalid rows inserted at random places (each built from a fresh face, so that an ingest that
     * wrongly accepted one would not create a relation either).
     */
    private static List<CsvRow> csvRows(Dataset dataset, DistinctFaces faces, SplittableRandom random, int size) {
        List<CsvRow> rows = new ArrayList<>();
        dataset.files.stream()
                .filter(f -> f.image != null && f.image.width() == size && f.image.height() == size)
                .sorted(Dataset.FILE_ORDER)
                .forEach(f -> rows.add(new CsvRow(
                        LABELS.indexOf(f.label) + "," + pixelText(f.image.pixels()) + "," + USAGE_BY_SPLIT.get(f.split),
                        null)));

        List<CsvRow> bad = new ArrayList<>();
        String[] tokens = pixelTokens(faces.next(random.nextInt(LABELS.size()), size));
        bad.add(badRow(random.nextInt(LABELS.size()), String.join(" ", Arrays.copyOf(tokens, tokens.length - 1)),
                "Training", SampleManifest.CSV_WRONG_PIXEL_COUNT));
        tokens = pixelTokens(faces.next(random.nextInt(LABELS.size()), size));
        tokens[random.nextInt(tokens.length)] = "x";
        bad.add(badRow(random.nextInt(LABELS.size()), String.join(" ", tokens), "Training",
                SampleManifest.CSV_NON_NUMERIC_PIXEL));
        tokens = pixelTokens(faces.next(random.nextInt(LABELS.size()), size));
        bad.add(badRow(9, String.join(" ", tokens), "PublicTest", SampleManifest.CSV_EMOTION_OUT_OF_RANGE));
        tokens = pixelTokens(faces.next(random.nextInt(LABELS.size()), size));
        bad.add(badRow(random.nextInt(LABELS.size()), String.join(" ", tokens), "Validation2",
                SampleManifest.CSV_UNKNOWN_USAGE));
        tokens = pixelTokens(faces.next(random.nextInt(LABELS.size()), size));
        tokens[random.nextInt(tokens.length)] = "300";
        bad.add(badRow(random.nextInt(LABELS.size()), String.join(" ", tokens), "PrivateTest",
                SampleManifest.CSV_PIXEL_OUT_OF_RANGE));

        for (CsvRow row : bad) {
            rows.add(random.nextInt(rows.size() + 1), row);
        }
        return rows;
    }

    private static CsvRow badRow(int emotion, String pixels, String usage, String reason) {
        return new CsvRow(emotion + "," + pixels + "," + usage, reason);
    }

    private static String pixelText(byte[] pixels) {
        StringBuilder text = new StringBuilder(pixels.length * 4);
        for (int i = 0; i < pixels.length; i++) {
            if (i > 0) {
                text.append(' ');
            }
            text.append(pixels[i] & 0xFF);
        }
        return text.toString();
    }

    private static String[] pixelTokens(FaceImage image) {
        return pixelText(image.pixels()).split(" ");
    }

    private static void clearGeneratedContent(Path outDir) {
        try {
            Path datasetRoot = outDir.resolve(DATASET_DIR);
            if (Files.exists(datasetRoot)) {
                try (Stream<Path> walk = Files.walk(datasetRoot)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.deleteIfExists(outDir.resolve(CSV_FILE));
            Files.deleteIfExists(outDir.resolve(MANIFEST_FILE));
            Files.createDirectories(datasetRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the sample folder " + outDir, e);
        }
    }

    private static void writeFolderDataset(Path datasetRoot, Dataset dataset) {
        try {
            for (SampleFile file : dataset.files) {
                Path target = datasetRoot.resolve(file.split).resolve(file.label).resolve(file.name);
                Files.createDirectories(target.getParent());
                Files.write(target, file.bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample dataset under " + datasetRoot, e);
        }
    }

    private static void writeCsv(Path csv, List<CsvRow> rows) {
        StringBuilder text = new StringBuilder("emotion,pixels,Usage\n");
        for (CsvRow row : rows) {
            text.append(row.text).append('\n');
        }
        try {
            Files.writeString(csv, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    private static void writeManifest(Path file, SampleManifest manifest) {
        // An explicit "\n" indenter: the default uses the platform line separator, and the file
        // must be byte-identical wherever it is generated.
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            String json = new ObjectMapper().writer(printer).writeValueAsString(manifest);
            Files.writeString(file, json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static SampleManifest manifest(
            long seed, int imageSize, int nearDupHamming, Dataset dataset, Planted planted, List<CsvRow> csvRows) {
        Map<String, Integer> filesPerSplit = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> clean = new LinkedHashMap<>();
        for (String split : SPLITS) {
            filesPerSplit.put(split, 0);
            Map<String, Integer> perLabel = new LinkedHashMap<>();
            LABELS.forEach(label -> perLabel.put(label, 0));
            clean.put(split, perLabel);
        }
        int cleanTotal = 0;
        for (SampleFile file : dataset.files) {
            filesPerSplit.merge(file.split, 1, Integer::sum);
            if (file.image != null) {
                clean.get(file.split).merge(file.label, 1, Integer::sum);
                cleanTotal++;
            }
        }
        List<SampleManifest.CsvBadRow> badRows = new ArrayList<>();
        int cleanRows = 0;
        for (int i = 0; i < csvRows.size(); i++) {
            CsvRow row = csvRows.get(i);
            if (row.badReason == null) {
                cleanRows++;
            } else {
                // Line 1 is the header.
                badRows.add(new SampleManifest.CsvBadRow(i + 2, row.badReason));
            }
        }
        return new SampleManifest(
                seed,
                imageSize,
                nearDupHamming,
                DATASET_DIR,
                CSV_FILE,
                filesPerSplit,
                clean,
                cleanTotal,
                planted.quarantine,
                sortedGroups(planted.exactGroups),
                sortedGroups(planted.nearPairs),
                sortedGroups(planted.leakageGroups),
                sortedGroups(planted.labelConflictGroups),
                planted.blank.stream().sorted().toList(),
                planted.wrongSize.stream().sorted().toList(),
                cleanRows,
                badRows);
    }

    private static List<List<String>> sortedGroups(List<List<String>> groups) {
        return groups.stream().sorted(Comparator.comparing((List<String> g) -> g.get(0))).toList();
    }

    /**
     * Re-reads the written dataset and checks it against the manifest: the right files fail to
     * decode for the right reason, and the pairs within the pHash threshold (or identical) are
     * exactly the planted ones.
     */
    private static void verifyAgainstDisk(Path datasetRoot, SampleManifest manifest) {
        Map<String, String> expectedFailures = new TreeMap<>();
        manifest.quarantine().forEach((reason, paths) -> paths.forEach(p -> expectedFailures.put(p, reason)));
        Map<String, String> failures = new TreeMap<>();
        Map<String, FaceImage> images = new TreeMap<>();
        for (Path file : listFiles(datasetRoot)) {
            String relative = datasetRoot.relativize(file).toString().replace('\\', '/');
            try {
                images.put(relative, ImageCodec.decode(Files.readAllBytes(file)));
            } catch (ImageDecodeException e) {
                failures.put(relative, e.reason().code());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read back " + file, e);
            }
        }
        if (!failures.equals(expectedFailures)) {
            throw new IllegalStateException(
                    "undecodable files " + failures + " differ from the planted ones " + expectedFailures);
        }
        if (images.size() != manifest.cleanImageCount()) {
            throw new IllegalStateException(
                    images.size() + " files decode, the manifest counts " + manifest.cleanImageCount());
        }

        TreeSet<String> expected = new TreeSet<>();
        manifest.exactDuplicateGroups().forEach(g -> expected.addAll(pairsWithin("identical", g)));
        manifest.nearDuplicatePairs().forEach(g -> expected.addAll(pairsWithin("near", g)));
        TreeSet<String> found = relatedPairs(images, manifest.imageSize(), manifest.nearDupHamming());
        if (!found.equals(expected)) {
            TreeSet<String> unplanned = new TreeSet<>(found);
            unplanned.removeAll(expected);
            TreeSet<String> missing = new TreeSet<>(expected);
            missing.removeAll(found);
            throw new IllegalStateException(
                    "sample relations differ from the planted ones: unplanned " + unplanned + ", missing " + missing);
        }
    }

    /** Every pair of images that is identical or within {@code maxBits}, as "kind: a | b" strings. */
    private static TreeSet<String> relatedPairs(Map<String, FaceImage> images, int imageSize, int maxBits) {
        List<String> paths = new ArrayList<>(images.keySet());
        List<long[]> hashes = paths.stream().map(p -> hashVariants(images.get(p), imageSize)).toList();
        TreeSet<String> pairs = new TreeSet<>();
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (images.get(paths.get(i)).equals(images.get(paths.get(j)))) {
                    pairs.add(pair("identical", paths.get(i), paths.get(j)));
                } else if (closestDistance(hashes.get(i), hashes.get(j)) <= maxBits) {
                    pairs.add(pair("near", paths.get(i), paths.get(j)));
                }
            }
        }
        return pairs;
    }

    private static List<String> pairsWithin(String kind, List<String> group) {
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            for (int j = i + 1; j < group.size(); j++) {
                pairs.add(pair(kind, group.get(i), group.get(j)));
            }
        }
        return pairs;
    }

    private static String pair(String kind, String a, String b) {
        return a.compareTo(b) < 0 ? kind + ": " + a + " | " + b : kind + ": " + b + " | " + a;
    }

    /**
     * The hashes an audit could compute for an image: as stored, and for a wrongly sized image
     * also after resizing to the standard size, since ingest may normalise sizes before hashing.
     */
    private static long[] hashVariants(FaceImage image, int imageSize) {
        if (image.width() == imageSize && image.height() == imageSize) {
            return new long[] {PerceptualHash.of(image)};
        }
        return new long[] {PerceptualHash.of(image), PerceptualHash.of(Resize.to(image, imageSize, imageSize))};
    }

    private static int closestDistance(long[] a, long[] b) {
        int best = Integer.MAX_VALUE;
        for (long x : a) {
            for (long y : b) {
                best = Math.min(best, PerceptualHash.distance(x, y));
            }
        }
        return best;
    }

    private static List<Path> listFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** Faces drawn by rejection sampling: each is further than the margin from all accepted images. */
    private static final class DistinctFaces {
        private final int imageSize;
        private final int maxCloseBits;
        private final SplittableRandom random;
        private final List<long[]> accepted = new ArrayList<>();

        DistinctFaces(int imageSize, int maxCloseBits, SplittableRandom random) {
            this.imageSize = imageSize;
            this.maxCloseBits = maxCloseBits;
            this.random = random;
        }

        FaceImage next(int expression, int size) {
            for (int attempt = 0; attempt < 10_000; attempt++) {
                FaceImage face = SyntheticFaces.draw(expression, size, random);
                if (face.meanAndStd()[1] >= MIN_FACE_STD && register(face)) {
                    return face;
                }
            }
            throw new IllegalStateException("no face far enough from " + accepted.size()
                    + " others after 10000 draws; lower the sample counts");
        }

        /** Accepts {@code image} if it is further than the margin from every accepted image. */
        boolean register(FaceImage image) {
            long[] hashes = hashVariants(image, imageSize);
            for (long[] other : accepted) {
                if (closestDistance(hashes, other) <= maxCloseBits) {
                    return false;
                }
            }
            accepted.add(hashes);
            return true;
        }
    }

    /** Everything to write under the dataset folder, in writing order. */
    private static final class Dataset {
        static final Comparator<SampleFile> FILE_ORDER = Comparator.<SampleFile>comparingInt(
                        f -> SPLITS.indexOf(f.split))
                .thenComparingInt(f -> LABELS.indexOf(f.label))
                .thenComparing(f -> f.name);

        final List<SampleFile> files = new ArrayList<>();
        private final Map<String, Integer> nextNumber = new HashMap<>();

        SampleFile addImage(String split, String label, FaceImage image) {
            return add(split, label, ImageCodec.encodePng(image), image);
        }

        /** Another file with the very same bytes as {@code source}. */
        SampleFile addCopy(String split, String label, SampleFile source) {
            return add(split, label, source.bytes, source.image);
        }

        SampleFile addRaw(String split, String label, byte[] bytes) {
            return add(split, label, bytes, null);
        }

        private SampleFile add(String split, String label, byte[] bytes, FaceImage image) {
            int number = nextNumber.merge(split + "/" + label, 1, Integer::sum);
            SampleFile file = new SampleFile(split, label, String.format(Locale.ROOT, "%s_%04d.png", label, number), bytes, image);
            files.add(file);
            return file;
        }
    }

    /** One file of the dataset; {@code image} is null for files planted as undecodable. */
    private record SampleFile(String split, String label, String name, byte[] bytes, FaceImage image) {
        String relativePath() {
            return split + "/" + label + "/" + name;
        }
    }

    /** One CSV line without its newline; {@code badReason} is null for valid rows. */
    private record CsvRow(String text, String badReason) {}

    /** The planted problems, collected while planting. */
    private static final class Planted {
        final Map<String, List<String>> quarantine = new LinkedHashMap<>();
        final List<List<String>> exactGroups = new ArrayList<>();
        final List<List<String>> nearPairs = new ArrayList<>();
        final List<List<String>> leakageGroups = new ArrayList<>();
        final List<List<String>> labelConflictGroups = new ArrayList<>();
        final List<String> blank = new ArrayList<>();
        final List<String> wrongSize = new ArrayList<>();

        Planted() {
            for (Reason reason : Reason.values()) {
                quarantine.put(reason.code(), new ArrayList<>());
            }
        }

        void quarantine(Reason reason, SampleFile file) {
            quarantine.get(reason.code()).add(file.relativePath());
        }
    }
}
