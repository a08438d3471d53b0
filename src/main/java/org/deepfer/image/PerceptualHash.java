package org.deepfer.image;

import java.util.Arrays;

/**
 * 64-bit DCT perceptual hash: images that look alike (re-encoded, re-lit, a little noise) get
 * hashes a few bits apart, unrelated images about 32 bits apart.
 *
 * <p>The image is made gray, resized to 32x32, transformed with a 2-D DCT-II, and the 8x8 lowest
 * frequencies each give one bit: set when the coefficient is above the median of the 63 AC
 * (non-DC) coefficients. The DC term is left out of the median because it is overall brightness,
 * not structure; its own bit is therefore set for every image that is not black. Bit {@code 8v+u}
 * holds coefficient (vertical frequency v, horizontal frequency u).
 */
public final class PerceptualHash {
    private static final int SIDE = 32;
    private static final int LOW = 8;
    /**
     * Coefficients of a constant image should be exactly zero but come out as rounding noise of
     * about 1e-12; snapping them to zero gives constant images one stable hash instead of noise.
     * Real AC coefficients (unnormalised sums over 1024 pixels) are many orders of magnitude larger.
     */
    private static final double ROUNDING_NOISE = 1e-6;
    /** COSINES[x * LOW + u] = cos((2x + 1) u pi / 2N): computed once, used ~70k times per audit. */
    private static final double[] COSINES = cosineTable();

    private PerceptualHash() {}

    /** The perceptual hash of {@code image} (any size, gray or colour). */
    public static long of(FaceImage image) {
        FaceImage small = Resize.to(image.toGray(), SIDE, SIDE);
        byte[] px = small.pixels();

        // Separable DCT restricted to the 8 lowest frequencies: rows first, then columns. The inner
        // loops run over the 8 frequencies so that they are independent element-wise updates
        // (which the JIT vectorises) instead of one long dependent sum.
        double[] rowPass = new double[SIDE * LOW];
        for (int y = 0; y < SIDE; y++) {
            int rowStart = y * SIDE;
            int outStart = y * LOW;
            for (int x = 0; x < SIDE; x++) {
                double pixel = px[rowStart + x] & 0xFF;
                int cosStart = x * LOW;
                for (int u = 0; u < LOW; u++) {
                    rowPass[outStart + u] += pixel * COSINES[cosStart + u];
                }
            }
        }
        double[] coefficients = new double[LOW * LOW];
        for (int y = 0; y < SIDE; y++) {
            int cosStart = y * LOW;
            int inStart = y * LOW;
            for (int v = 0; v < LOW; v++) {
                double weight = COSINES[cosStart + v];
                int outStart = v * LOW;
                for (int u = 0; u < LOW; u++) {
                    coefficients[outStart + u] += weight * rowPass[inStart + u];
                }
            }
        }
        for (int i = 0; i < coefficients.length; i++) {
            if (Math.abs(coefficients[i]) < ROUNDING_NOISE) {
                coefficients[i] = 0;
            }
        }

        double median = medianOfAc(coefficients);
        long hash = 0;
        for (int i = 0; i < coefficients.length; i++) {
            if (coefficients[i] > median) {
                hash |= 1L << i;
            }
        }
        return hash;
    }

    /** Number of differing bits between two hashes (0..64). */
    public static int distance(long a, long b) {
        return Long.bitCount(a ^ b);
    }

    private static double medianOfAc(double[] coefficients) {
        // 63 values: the median is the middle element, no averaging needed.
        double[] ac = Arrays.copyOfRange(coefficients, 1, coefficients.length);
        Arrays.sort(ac);
        return ac[ac.length / 2];
    }

    private static double[] cosineTable() {
        double[] table = new double[LOW * SIDE];
        for (int u = 0; u < LOW; u++) {
            for (int x = 0; x < SIDE; x++) {
                table[x * LOW + u] = Math.cos((2 * x + 1) * u * Math.PI / (2 * SIDE));
            }
        }
        return table;
    }
}
