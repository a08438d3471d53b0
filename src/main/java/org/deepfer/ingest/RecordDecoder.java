package org.deepfer.ingest;

import java.util.Optional;
import org.deepfer.image.ContentHash;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.image.ImageDecodeException;
import org.deepfer.image.Resize;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;

/**
 * Turns raw input records (image files, FER2013 CSV lines) into {@link Ingested} faces or
 * quarantine entries. Pure: no Spark, no I/O; the ingest job maps it over partitions.
 */
public final class RecordDecoder {
    /** Quarantine reason codes beyond the image decoder's own. */
    public static final String BAD_LAYOUT = "bad_layout";
    public static final String UNKNOWN_SPLIT = "unknown_split";
    public static final String UNKNOWN_LABEL = "unknown_label";
    public static final String BAD_ROW = "bad_row";
    public static final String BAD_PIXELS = "bad_pixels";
    public static final String MISSING_FILE = "missing_file";
    public static final String UNLABELED = "unlabeled";

    private final int size;

    /** Faces are stored grayscale at {@code size}x{@code size}. */
    public RecordDecoder(int size) {
        this.size = size;
    }

    /**
     * A file from an image-folder tree; {@code relativePath} is relative to the input root and ends
     * in {@code <split>/<label>/<file>} (leading folders, e.g. a dataset prefix, are allowed), or in
     * {@code <label>/<file>} when the folder above the label is no split name, which then puts the
     * file in {@code defaultSplit}.
     */
    public Ingested fromFolderFile(String source, String relativePath, byte[] content, String defaultSplit) {
        String[] parts = relativePath.split("/");
        long bytes = content == null ? 0 : content.length;
        boolean splitFolder = parts.length >= 3 && Splits.normalize(parts[parts.length - 3]).isPresent();
        if (!splitFolder && (parts.length < 2 || Labels.indexOf(parts[parts.length - 2]).isEmpty())) {
            if (parts.length >= 3) {
                // Neither layout fits: report it as the more common one, naming the split folder.
                return fromLabeledFile(source, content, parts[parts.length - 3], parts[parts.length - 2]);
            }
            return Ingested.rejected(source, null, null, null, null, bytes, BAD_LAYOUT,
                    "expected <split>/<label>/<file> or <label>/<file> under the input folder, got '"
                            + relativePath + "'");
        }
        String splitName = splitFolder ? parts[parts.length - 3] : defaultSplit;
        return fromLabeledFile(source, content, splitName, parts[parts.length - 2]);
    }

    /** A file whose split and label come from somewhere else (folder names or a labels CSV). */
    public Ingested fromLabeledFile(String source, byte[] content, String splitName, String labelName) {
        long bytes = content == null ? 0 : content.length;
        Optional<String> split = Splits.normalize(splitName);
        if (split.isEmpty()) {
            return Ingested.rejected(source, null, null, null, labelName, bytes, UNKNOWN_SPLIT,
                    "split '" + splitName + "' is not one of train/validation/test (or their usual spellings)");
        }
        Optional<Integer> label = Labels.indexOf(labelName);
        if (label.isEmpty()) {
            return Ingested.rejected(source, null, split.get(), null, labelName, bytes, UNKNOWN_LABEL,
                    "label '" + labelName + "' is not one of " + Labels.NAMES);
        }
        FaceImage decoded;
        try {
            decoded = ImageCodec.decode(content);
        } catch (ImageDecodeException e) {
            return Ingested.rejected(source, null, split.get(), label.get(), Labels.NAMES.get(label.get()), bytes,
                    e.reason().code(), e.getMessage());
        }
        return face(source, null, split.get(), label.get(), decoded, bytes);
    }

    /**
     * One line of a FER2013-style CSV, given the column positions found in its header.
     *
     * @param usageColumn -1 when the CSV has no Usage column (then {@code defaultSplit} applies)
     */
    public Ingested fromCsvLine(
            String source, long lineNumber, String line, int emotionColumn, int pixelsColumn, int usageColumn,
            String defaultSplit) {
        String[] fields = line.split(",", -1);
        int needed = Math.max(emotionColumn, Math.max(pixelsColumn, usageColumn)) + 1;
        long bytes = line.length();
        if (fields.length < needed) {
            return Ingested.rejected(source, lineNumber, null, null, null, bytes, BAD_ROW,
                    "line " + lineNumber + ": expected at least " + needed + " comma-separated fields, got "
                            + fields.length);
        }
        String usage = usageColumn < 0 ? defaultSplit : unquote(fields[usageColumn]);
        Optional<String> split = Splits.normalize(usage);
        if (split.isEmpty()) {
            return Ingested.rejected(source, lineNumber, null, null, null, bytes, UNKNOWN_SPLIT,
                    "line " + lineNumber + ": Usage '" + usage + "' is not Training/PublicTest/PrivateTest");
        }
        String emotion = unquote(fields[emotionColumn]);
        int label;
        try {
            label = Integer.parseInt(emotion);
        } catch (NumberFormatException e) {
            label = -1;
        }
        if (label < 0 || label >= Labels.count()) {
            return Ingested.rejected(source, lineNumber, split.get(), null, null, bytes, UNKNOWN_LABEL,
                    "line " + lineNumber + ": emotion '" + emotion + "' is not an index 0.." + (Labels.count() - 1));
        }
        String labelName = Labels.NAMES.get(label);
        String[] tokens = unquote(fields[pixelsColumn]).trim().split("\\s+");
        int side = (int) Math.round(Math.sqrt(tokens.length));
        if (side * side != tokens.length || side == 0) {
            return Ingested.rejected(source, lineNumber, split.get(), label, labelName, bytes, BAD_PIXELS,
                    "line " + lineNumber + ": " + tokens.length + " pixel values do not form a square image"
                            + " (FER2013 rows have 2304 = 48x48)");
        }
        byte[] pixels = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            int v;
            try {
                v = Integer.parseInt(tokens[i]);
            } catch (NumberFormatException e) {
                return Ingested.rejected(source, lineNumber, split.get(), label, labelName, bytes, BAD_PIXELS,
                        "line " + lineNumber + ": pixel " + i + " is '" + tokens[i] + "', not a number");
            }
            if (v < 0 || v > 255) {
                return Ingested.rejected(source, lineNumber, split.get(), label, labelName, bytes, BAD_PIXELS,
                        "line " + lineNumber + ": pixel " + i + " is " + v + ", outside 0..255");
            }
            pixels[i] = (byte) v;
        }
        return face(source, lineNumber, split.get(), label, FaceImage.gray(side, side, pixels), bytes);
    }

    private Ingested face(String source, Long line, String split, int label, FaceImage decoded, long bytes) {
        FaceImage stored = Resize.to(decoded.toGray(), size, size);
        return new Ingested(source, line, split, label, Labels.NAMES.get(label), ContentHash.of(decoded.toGray()),
                decoded.width(), decoded.height(), decoded.channels(), stored.width(), stored.height(),
                stored.pixels(), bytes, null, null);
    }

    private static String unquote(String field) {
        String f = field.trim();
        return f.length() >= 2 && f.startsWith("\"") && f.endsWith("\"") ? f.substring(1, f.length() - 1) : f;
    }
}
