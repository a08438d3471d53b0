package org.deepfer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.sample.SyntheticFaces;
import org.junit.jupiter.api.Test;

class PerceptualHashTest {
    private static final int SIZE = 48;
    /** The audit's default near-duplicate threshold (audit.nearDupHamming). */
    private static final int NEAR_DUP_BITS = 5;

    @Test
    void identicalImagesHaveDistanceZero() {
        FaceImage face = face(SyntheticFaces.HAPPY, 1);
        FaceImage copy = FaceImage.gray(SIZE, SIZE, face.pixels().clone());

        assertEquals(0, PerceptualHash.distance(PerceptualHash.of(face), PerceptualHash.of(copy)));
    }

    @Test
    void slightBrightnessShiftKeepsHashClose() {
        FaceImage face = face(SyntheticFaces.SAD, 2);

        FaceImage brighter = map(face, v -> v + 12);
        FaceImage darker = map(face, v -> v - 12);

        assertTrue(distance(face, brighter) <= NEAR_DUP_BITS, "brighter: " + distance(face, brighter));
        assertTrue(distance(face, darker) <= NEAR_DUP_BITS, "darker: " + distance(face, darker));
    }

    @Test
    void littleNoiseKeepsHashClose() {
        FaceImage face = face(SyntheticFaces.SURPRISE, 3);
        SplittableRandom random = new SplittableRandom(7);
        FaceImage noisy = map(face, v -> v + random.nextInt(9) - 4);

        assertNotEquals(face, noisy);
        assertTrue(distance(face, noisy) <= NEAR_DUP_BITS, "noisy: " + distance(face, noisy));
    }

    @Test
    void rescaledImageKeepsHashClose() {
        FaceImage face = face(SyntheticFaces.NEUTRAL, 4);

        assertTrue(distance(face, Resize.to(face, 64, 64)) <= NEAR_DUP_BITS);
    }

    @Test
    void differentSyntheticFacesAreFarApart() {
        List<Long> hashes = new ArrayList<>();
        for (int seed = 0; seed < 21; seed++) {
            hashes.add(PerceptualHash.of(face(seed % SyntheticFaces.EXPRESSION_COUNT, 100 + seed)));
        }
        int[] distances = new int[hashes.size() * (hashes.size() - 1) / 2];
        int k = 0;
        for (int i = 0; i < hashes.size(); i++) {
            for (int j = i + 1; j < hashes.size(); j++) {
                distances[k++] = PerceptualHash.distance(hashes.get(i), hashes.get(j));
            }
        }
        Arrays.sort(distances);

        // Unrelated images land around 32 bits apart; the closest pair must still be a clear miss.
        int median = distances[distances.length / 2];
        assertTrue(median >= 24, "median distance " + median);
        assertTrue(distances[0] > NEAR_DUP_BITS, "closest pair " + distances[0]);
    }

    @Test
    void unrelatedPatternsAreFarApart() {
        FaceImage checkerboard = pattern((x, y) -> ((x / 6 + y / 6) % 2) * 200 + 20);
        FaceImage diagonalRamp = pattern((x, y) -> (x + y) * 255 / (2 * SIZE));
        FaceImage rings = pattern((x, y) -> 128 + (int) (100 * Math.sin(Math.hypot(x - 20, y - 28) / 3)));

        assertTrue(distance(checkerboard, diagonalRamp) > 3 * NEAR_DUP_BITS);
        assertTrue(distance(checkerboard, rings) > 3 * NEAR_DUP_BITS);
        assertTrue(distance(diagonalRamp, rings) > 3 * NEAR_DUP_BITS);
    }

    @Test
    void mirroredAsymmetricImageDiffers() {
        FaceImage face = face(SyntheticFaces.DISGUST, 5);
        FaceImage mirrored = pattern((x, y) -> face.at(SIZE - 1 - x, y));

        assertTrue(distance(face, mirrored) > 2 * NEAR_DUP_BITS, "mirrored: " + distance(face, mirrored));
    }

    @Test
    void constantImagesShareOneStableHashFarFromFaces() {
        long gray = PerceptualHash.of(pattern((x, y) -> 128));
        long dark = PerceptualHash.of(pattern((x, y) -> 40));

        // Only the DC bit survives; rounding noise in the AC terms must not leak into the hash.
        assertEquals(1L, gray);
        assertEquals(gray, dark);
        assertTrue(PerceptualHash.distance(gray, PerceptualHash.of(face(SyntheticFaces.FEAR, 6))) > 16);
    }

    @Test
    void colourImageHashesLikeItsGrayVersion() {
        FaceImage face = face(SyntheticFaces.ANGRY, 8);
        byte[] rgb = new byte[SIZE * SIZE * 3];
        for (int i = 0; i < SIZE * SIZE; i++) {
            Arrays.fill(rgb, 3 * i, 3 * i + 3, face.pixels()[i]);
        }

        assertEquals(PerceptualHash.of(face), PerceptualHash.of(FaceImage.of(SIZE, SIZE, 3, rgb)));
    }

    @Test
    void distanceCountsDifferingBits() {
        assertEquals(0, PerceptualHash.distance(0x5AL, 0x5AL));
        assertEquals(2, PerceptualHash.distance(0b1011L, 0b0001L));
        assertEquals(64, PerceptualHash.distance(-1L, 0L));
    }

    private static FaceImage face(int expression, long seed) {
        return SyntheticFaces.draw(expression, SIZE, new SplittableRandom(seed));
    }

    private static int distance(FaceImage a, FaceImage b) {
        return PerceptualHash.distance(PerceptualHash.of(a), PerceptualHash.of(b));
    }

    private interface PixelFunction {
        int at(int x, int y);
    }

    private static FaceImage pattern(PixelFunction value) {
        byte[] px = new byte[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                px[y * SIZE + x] = (byte) Math.max(0, Math.min(255, value.at(x, y)));
            }
        }
        return FaceImage.gray(SIZE, SIZE, px);
    }

    private static FaceImage map(FaceImage image, java.util.function.IntUnaryOperator change) {
        return pattern((x, y) -> change.applyAsInt(image.at(x, y)));
    }
}
