package org.deepfer.explain;

import org.deepfer.image.FaceImage;

/** Heat maps drawn over faces: a perceptually ordered colour scale blended over the gray face. */
public final class HeatMaps {
    /** Colour stops of the scale at 0, 0.25, 0.5, 0.75 and 1: dark blue, blue, green, yellow, red. */
    private static final int[][] STOPS = {
        {20, 20, 140}, {30, 110, 230}, {40, 200, 90}, {250, 220, 40}, {230, 30, 30}};

    private HeatMaps() {}

    /** The scale's colour at {@code v} in 0..1 (clamped), as r, g, b. */
    static int[] colour(double v) {
        double t = Math.min(1, Math.max(0, v)) * (STOPS.length - 1);
        int i = Math.min(STOPS.length - 2, (int) t);
        double f = t - i;
        int[] c = new int[3];
        for (int k = 0; k < 3; k++) {
            c[k] = (int) Math.round(STOPS[i][k] * (1 - f) + STOPS[i + 1][k] * f);
        }
        return c;
    }

    /**
     * An RGB copy of the gray {@code face} with {@code map} (0..1, the face's size, row-major)
     * blended over it: weak evidence stays mostly face, strong evidence mostly colour.
     */
    public static FaceImage overlay(FaceImage face, float[] map) {
        int n = face.width() * face.height();
        if (map.length != n) {
            throw new IllegalArgumentException("a " + face.width() + "x" + face.height() + " face needs a map of " + n
                    + " values, got " + map.length);
        }
        byte[] px = face.pixels();
        int c = face.channels();
        byte[] out = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            int gray = px[i * c] & 0xFF;
            double alpha = 0.25 + 0.45 * Math.min(1, Math.max(0, map[i]));
            int[] rgb = colour(map[i]);
            for (int k = 0; k < 3; k++) {
                out[i * 3 + k] = (byte) Math.round(gray * (1 - alpha) + rgb[k] * alpha);
            }
        }
        return FaceImage.of(face.width(), face.height(), 3, out);
    }
}
