package org.deepfer.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link SampleGenerator} wrote and every data problem it planted (stored as planted.json), so
 * that ingest and audit tests can assert exact counts instead of "at least one".
 *
 * <p>Paths are relative to {@link #datasetDir()} with '/' separators, e.g.
 * {@code train/happy/happy_0007.png}. Every relation group lists its paths sorted, and groups are
 * sorted by their first path. Relations are disjoint: no image takes part in two planted relations,
 * so exact groups and near pairs never chain into bigger clusters.
 *
 * @param seed the seed that produced the sample; the same seed gives byte-identical files
 * @param imageSize side of every correctly sized image (FER2013: 48)
 * @param nearDupHamming the pHash threshold the sample was built against: planted near duplicates
 *     are within {@code nearDupHamming - 2} bits, every unplanned pair is further than
 *     {@code nearDupHamming}
 * @param datasetDir the image-folder dataset under the output folder: {@code <split>/<label>/<file>}
 * @param csvFile the FER2013-style CSV under the output folder
 * @param filesPerSplit every file written under each split, quarantine files included
 * @param cleanImagesPerSplitAndLabel split, then label, to the number of files that decode as
 *     images there: blank, wrongly sized and duplicate images count, quarantine files do not
 * @param cleanImageCount the sum of {@code cleanImagesPerSplitAndLabel}
 * @param quarantine reason code ({@code corrupt}, {@code zero_byte}, {@code not_an_image}, as
 *     {@link org.deepfer.image.ImageDecodeException.Reason#code()} reports them) to the paths
 *     planted with that problem
 * @param exactDuplicateGroups groups of paths with identical pixel content: two plain duplicate
 *     pairs inside train, the train-to-validation leak and the label conflict
 * @param nearDuplicatePairs pairs within the pHash threshold whose pixels differ: two inside train
 *     and the train-to-test leak
 * @param leakageGroups the groups above (exact or near) that span more than one split
 * @param labelConflictGroups the groups above whose paths carry more than one label
 * @param blank near-constant images (standard deviation below 2, one of them exactly constant)
 * @param wrongSize decodable faces that are not {@code imageSize} square
 * @param csvCleanRows valid data rows in the CSV: every clean, correctly sized image of the folder
 *     dataset, so the CSV holds the same duplicates, leaks, conflicts and blanks
 * @param csvBadRows the planted invalid CSV rows
 */
public record SampleManifest(
        long seed,
        int imageSize,
        int nearDupHamming,
        String datasetDir,
        String csvFile,
        Map<String, Integer> filesPerSplit,
        Map<String, Map<String, Integer>> cleanImagesPerSplitAndLabel,
        int cleanImageCount,
        Map<String, List<String>> quarantine,
        List<List<String>> exactDuplicateGroups,
        List<List<String>> nearDuplicatePairs,
        List<List<String>> leakageGroups,
        List<List<String>> labelConflictGroups,
        List<String> blank,
        List<String> wrongSize,
        int csvCleanRows,
        List<CsvBadRow> csvBadRows) {

    /** Reason code of a CSV row whose pixel list does not hold imageSize squared values. */
    public static final String CSV_WRONG_PIXEL_COUNT = "wrong_pixel_count";
    /** Reason code of a CSV row with a pixel token that is not an integer. */
    public static final String CSV_NON_NUMERIC_PIXEL = "non_numeric_pixel";
    /** Reason code of a CSV row with a pixel value outside 0..255. */
    public static final String CSV_PIXEL_OUT_OF_RANGE = "pixel_out_of_range";
    /** Reason code of a CSV row whose emotion is not one of 0..6. */
    public static final String CSV_EMOTION_OUT_OF_RANGE = "emotion_out_of_range";
    /** Reason code of a CSV row whose Usage is not Training, PublicTest or PrivateTest. */
    public static final String CSV_UNKNOWN_USAGE = "unknown_usage";

    /**
     * One planted invalid CSV row.
     *
     * @param line 1-based line number in the CSV file (the header is line 1)
     * @param reason one of the {@code CSV_*} reason codes of {@link SampleManifest}
     */
    public record CsvBadRow(int line, String reason) {}

    public SampleManifest {
        filesPerSplit = orderedCopy(filesPerSplit);
        Map<String, Map<String, Integer>> perSplit = new LinkedHashMap<>();
        cleanImagesPerSplitAndLabel.forEach((split, perLabel) -> perSplit.put(split, orderedCopy(perLabel)));
        cleanImagesPerSplitAndLabel = Collections.unmodifiableMap(perSplit);
        Map<String, List<String>> quarantineCopy = new LinkedHashMap<>();
        quarantine.forEach((reason, paths) -> quarantineCopy.put(reason, List.copyOf(paths)));
        quarantine = Collections.unmodifiableMap(quarantineCopy);
        exactDuplicateGroups = deepCopy(exactDuplicateGroups);
        nearDuplicatePairs = deepCopy(nearDuplicatePairs);
        leakageGroups = deepCopy(leakageGroups);
        labelConflictGroups = deepCopy(labelConflictGroups);
        blank = List.copyOf(blank);
        wrongSize = List.copyOf(wrongSize);
        csvBadRows = List.copyOf(csvBadRows);
    }

    /** Reads a planted.json written by {@link SampleGenerator}. */
    public static SampleManifest read(Path file) {
        try {
            return new ObjectMapper().readValue(file.toFile(), SampleManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sample manifest " + file, e);
        }
    }

    /** Files written under the dataset folder, over all splits. */
    public int totalFiles() {
        return filesPerSplit.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Files planted as undecodable, over all reasons. */
    public int quarantineCount() {
        return quarantine.values().stream().mapToInt(List::size).sum();
    }

    /** Clean images in one split, over all labels. */
    public int cleanImageCount(String split) {
        return cleanImagesPerSplitAndLabel.getOrDefault(split, Map.of()).values().stream()
                .mapToInt(Integer::intValue)
                .sum();
    }

    /** Lines in the CSV file: header, clean rows and bad rows. */
    public int csvLineCount() {
        return 1 + csvCleanRows + csvBadRows.size();
    }

    private static <V> Map<String, V> orderedCopy(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    private static List<List<String>> deepCopy(List<List<String>> groups) {
        return groups.stream().map(List::copyOf).toList();
    }
}
