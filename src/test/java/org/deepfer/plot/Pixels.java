package org.deepfer.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.util.Locale;

/** Pixel-exact comparison of rendered charts, for the tests that check what a PNG file holds. */
final class Pixels {
    private Pixels() {}

    /** {@code actual} has the size and every RGB value of {@code expected}; the first mismatch is named. */
    static void assertSame(BufferedImage expected, BufferedImage actual) {
        assertEquals(expected.getWidth(), actual.getWidth(), "width");
        assertEquals(expected.getHeight(), actual.getHeight(), "height");
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int want = expected.getRGB(x, y) & 0xFFFFFF;
                int got = actual.getRGB(x, y) & 0xFFFFFF;
                if (want != got) {
                    fail(String.format(Locale.ROOT, "pixel (%d, %d): %06x, expected %06x", x, y, got, want));
                }
            }
        }
    }
}
