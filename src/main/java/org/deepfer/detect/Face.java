package org.deepfer.detect;

import java.util.Arrays;

/**
 * One detected face in frame pixels: its box, the detector's score and, when the detector finds
 * them, five landmarks.
 *
 * @param x left edge
 * @param y top edge
 * @param width box width
 * @param height box height
 * @param score the detector's confidence (0..1 for YuNet and the SSD; a cascade's level weight for Haar)
 * @param landmarks null, or ten values: the x, y of the right eye, left eye, nose tip, right and left
 *     mouth corner (right and left of the person, so the right eye is on the image's left)
 */
public record Face(double x, double y, double width, double height, double score, float[] landmarks) {
    /** Number of values in {@link #landmarks()}. */
    public static final int LANDMARK_VALUES = 10;

    public Face {
        if (!(width > 0 && height > 0)) {
            throw new IllegalArgumentException("a face box needs a positive size, got " + width + "x" + height);
        }
        if (landmarks != null) {
            if (landmarks.length != LANDMARK_VALUES) {
                throw new IllegalArgumentException("expected " + LANDMARK_VALUES + " landmark values, got "
                        + landmarks.length);
            }
            landmarks = landmarks.clone();
        }
    }

    /** A face without landmarks. */
    public static Face box(double x, double y, double width, double height, double score) {
        return new Face(x, y, width, height, score, null);
    }

    @Override
    public float[] landmarks() {
        return landmarks == null ? null : landmarks.clone();
    }

    public boolean hasLandmarks() {
        return landmarks != null;
    }

    public double centerX() {
        return x + width / 2;
    }

    public double centerY() {
        return y + height / 2;
    }

    /** Intersection over union of the two boxes: 1 for the same box, 0 for disjoint ones. */
    public double iou(Face other) {
        double ix = Math.max(0, Math.min(x + width, other.x + other.width) - Math.max(x, other.x));
        double iy = Math.max(0, Math.min(y + height, other.y + other.height) - Math.max(y, other.y));
        double intersection = ix * iy;
        double union = width * height + other.width * other.height - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /**
     * The angle of the line from the right eye to the left eye, in degrees, counter-clockwise
     * positive in image coordinates (y down): 0 for level eyes; NaN without landmarks.
     */
    public double eyeAngleDegrees() {
        if (landmarks == null) {
            return Double.NaN;
        }
        return Math.toDegrees(Math.atan2(landmarks[3] - landmarks[1], landmarks[2] - landmarks[0]));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Face f && x == f.x && y == f.y && width == f.width && height == f.height
                && score == f.score && Arrays.equals(landmarks, f.landmarks);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(x, y, width, height, score) + Arrays.hashCode(landmarks);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Face[%.0f,%.0f %.0fx%.0f score %.3f%s]", x, y, width, height,
                score, landmarks == null ? "" : " +landmarks");
    }
}
