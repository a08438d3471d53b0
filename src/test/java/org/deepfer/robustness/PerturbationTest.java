package org.deepfer.robustness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Transforms;
import org.junit.jupiter.api.Test;

class PerturbationTest {
    /** A 48x48 face-like test card: a smooth gradient with texture, so every corruption shows. */
    private static FaceImage card() {
        SplittableRandom r = new SplittableRandom(3);
        byte[] px = new byte[48 * 48];
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 48; x++) {
                int v = 60 + 2 * x + y + r.nextInt(40) + ((x / 6 + y / 6) % 2 == 0 ? 30 : 0);
                px[y * 48 + x] = (byte) Math.min(255, v);
            }
        }
        return FaceImage.gray(48, 48, px);
    }

    private static double meanAbsDiff(FaceImage a, FaceImage b) {
        double sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF));
        }
        return sum / a.pixels().length;
    }

    @Test
    void everyPerturbationChangesTheFaceMoreAtHigherSeverityAndRepeatsWithTheSameSeed() {
        FaceImage face = card();
        for (Perturbation p : Perturbation.values()) {
            double previous = 0;
            for (int s = 1; s <= Perturbation.SEVERITIES; s++) {
                FaceImage a = p.apply(face, s, new SplittableRandom(11));
                FaceImage b = p.apply(face, s, new SplittableRandom(11));
                assertEquals(48, a.width(), p + " width");
                assertEquals(48, a.height(), p + " height");
                assertArrayEquals(a.pixels(), b.pixels(), p + " severity " + s + " is not reproducible");
                double d = meanAbsDiff(face, a);
                assertTrue(d > 0.5, p + " severity " + s + " barely changes the face: " + d);
                if (p != Perturbation.OCCLUSION_PATCH) { // the patch lands elsewhere on each severity
                    assertTrue(d > previous, p + " severity " + s + " changes less (" + d + ") than " + (s - 1)
                            + " (" + previous + ")");
                }
                previous = d;
            }
        }
    }

    @Test
    void bandsCoverTheEyesOrTheMouthAndNothingElse() {
        FaceImage face = card();
        FaceImage eyes = Perturbation.OCCLUSION_EYES.apply(face, 2, new SplittableRandom(1));
        FaceImage mouth = Perturbation.OCCLUSION_MOUTH.apply(face, 2, new SplittableRandom(1));
        for (int y = 0; y < 48; y++) {
            boolean eyeRow = y >= 14 && y < 23; // 0.18 * 48 = 9 rows centred at 0.38 * 48 = 18.2
            boolean mouthRow = y >= 32 && y < 43; // 0.22 * 48 = 11 rows centred at 0.78 * 48 = 37.4
            for (int x = 0; x < 48; x++) {
                int i = y * 48 + x;
                assertEquals(eyeRow ? 0 : face.pixels()[i] & 0xFF, eyes.pixels()[i] & 0xFF, "eyes at " + x + "," + y);
                assertEquals(mouthRow ? 0 : face.pixels()[i] & 0xFF, mouth.pixels()[i] & 0xFF,
                        "mouth at " + x + "," + y);
            }
        }
    }

    @Test
    void gaussianBlurKeepsFlatImagesAndSmoothsEdges() {
        byte[] flat = new byte[20 * 10];
        java.util.Arrays.fill(flat, (byte) 77);
        assertArrayEquals(flat, Transforms.gaussianBlur(FaceImage.gray(20, 10, flat), 1.7).pixels());

        byte[] step = new byte[20 * 10];
        for (int y = 0; y < 10; y++) {
            for (int x = 10; x < 20; x++) {
                step[y * 20 + x] = (byte) 200;
            }
        }
        byte[] blurred = Transforms.gaussianBlur(FaceImage.gray(20, 10, step), 1.0).pixels();
        int left = blurred[5 * 20 + 9] & 0xFF;
        int right = blurred[5 * 20 + 10] & 0xFF;
        assertTrue(left > 0 && left < 100 && right > 100 && right < 200, left + " | " + right);
        assertEquals(left + right, 200, 1, "a symmetric kernel splits a step evenly about its edge");
        assertEquals(0, blurred[5 * 20] & 0xFF, "far from the edge nothing moves");
        assertArrayEquals(step, Transforms.gaussianBlur(FaceImage.gray(20, 10, step), 0).pixels());
    }

    @Test
    void namesParseAndBadSeveritiesAreRefused() {
        assertEquals(Perturbation.OCCLUSION_EYES, Perturbation.parse("Occlusion_Eyes"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Perturbation.parse("fog"));
        assertTrue(e.getMessage().contains("fog") && e.getMessage().contains("jpeg"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Perturbation.BLUR.level(4));
        assertEquals(20, Perturbation.JPEG.level(2));
    }
}
