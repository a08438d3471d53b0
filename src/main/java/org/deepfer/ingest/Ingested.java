package org.deepfer.ingest;

import java.io.Serializable;

/**
 * One input record after ingest's pure decoding step: either a face ready for the {@code faces}
 * table ({@code reason == null}) or a rejected record bound for {@code quarantine}.
 *
 * @param source unique name of the record: file URI, or {@code <csv>#L<line>} for CSV rows
 * @param line 1-based line number for CSV rows, null for files
 * @param reason null for faces; otherwise a stable code such as {@code corrupt} or {@code bad_pixels}
 */
public record Ingested(
        String source,
        Long line,
        String split,
        Integer label,
        String labelName,
        String id,
        int origWidth,
        int origHeight,
        int origChannels,
        int width,
        int height,
        byte[] pixels,
        long fileBytes,
        String reason,
        String detail)
        implements Serializable {

    public boolean isFace() {
        return reason == null;
    }

    /** A record that could not become a face, with why. */
    public static Ingested rejected(
            String source, Long line, String split, Integer label, String labelName, long fileBytes, String reason,
            String detail) {
        return new Ingested(source, line, split, label, labelName, null, 0, 0, 0, 0, 0, null, fileBytes, reason,
                detail);
    }
}
