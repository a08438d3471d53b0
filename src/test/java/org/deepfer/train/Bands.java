package org.deepfer.train;

import java.util.SplittableRandom;
import org.deepfer.tables.Labels;

/**
 * Faces a tiny network learns in a few epochs, for training tests that run without Spark: class c is
 * a bright band at rows 3c..3c+2 of a noisy {@value #FACE}x{@value #FACE} face.
 */
final class Bands {
    static final int FACE = 24;

    private Bands() {}

    /** {@code perClass} faces of every class, classes in turn, noise drawn from {@code seed}. */
    static FaceArrays faces(int perClass, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int classes = Labels.count();
        int n = perClass * classes;
        byte[] pixels = new byte[n * FACE * FACE];
        int[] labels = new int[n];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            labels[i] = c;
            ids[i] = "face-" + seed + "-" + i;
            for (int y = 0; y < FACE; y++) {
                boolean band = y >= 3 * c && y < 3 * c + 3;
                for (int x = 0; x < FACE; x++) {
                    pixels[i * FACE * FACE + y * FACE + x] = (byte) (band ? 200 + rnd.nextInt(40)
                            : 30 + rnd.nextInt(80));
                }
            }
        }
        return FaceArrays.of(FACE, pixels, labels, ids);
    }
}
