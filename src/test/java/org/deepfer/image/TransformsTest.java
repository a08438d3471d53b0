package org.deepfer.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {

    /** A gray image whose every pixel differs from its neighbours, so misplaced pixels show. */
    private static FaceImage grayPattern(int width, int height) {
        byte[] px = new byte[width * height];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37 + 11);
        }
        return FaceImage.gray(width, height, px);
    }

    private static FaceImage rgbPattern(int width, int height) {
        byte[] px = new byte[width * height * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 53 + 7);
        }
        return FaceImage.of(width, height, 3, px);
    }

    @Test
    void cropCopiesTheRectangleOfEveryChannelAndRefusesOneOutside() {
        FaceImage rgb = rgbPattern(6, 5);
        FaceImage crop = Transforms.crop(rgb, 2, 1, 3, 4);
        assertEquals(3, crop.width());
        assertEquals(4, crop.height());
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(rgb.pixels()[((y + 1) * 6 + x + 2) * 3 + k], crop.pixels()[(y * 3 + x) * 3 + k]);
                }
            }
        }
        assertArrayEquals(rgb.pixels(), Transforms.crop(rgb, 0, 0, 6, 5).pixels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.crop(rgb, 4, 0, 3, 2));
        assertEquals("crop 3x2 at (4, 0) is not inside a 6x5 image", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transforms.crop(rgb, -1, 0, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Transforms.crop(rgb, 0, 0, 0, 2));
    }

    @Test
    void flipMirrorsEachRowAndTwiceIsIdentity() {
        FaceImage rgb = rgbPattern(5, 3);
        FaceImage flipped = Transforms.flipHorizontal(rgb);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                for (int k = 0; k < 3; k++) {
                    int mirrored = (y * 5 + 4 - x) * 3 + k;
                    assertEquals(rgb.pixels()[mirrored], flipped.pixels()[(y * 5 + x) * 3 + k]);
                }
            }
        }
        assertEquals(rgb, Transforms.flipHorizontal(flipped));
        FaceImage gray = grayPattern(48, 48);
        assertEquals(gray, Transforms.flipHorizontal(Transforms.flipHorizontal(gray)));
    }

    @Test
    void affineWithIdentityParametersReturnsTheInputPixelsExactly() {
        for (FaceImage image : new FaceImage[] {grayPattern(48, 48), grayPattern(7, 4), rgbPattern(6, 9)}) {
            assertEquals(image, Transforms.affine(image, 0, 1, 0, 0, false));
        }
    }

    @Test
    void affineFlipAloneEqualsFlipHorizontal() {
        FaceImage image = rgbPattern(8, 5);
        assertEquals(Transforms.flipHorizontal(image), Transforms.affine(image, 0, 1, 0, 0, true));
    }

    @Test
    void rotationBy90DegreesTurnsContentCounterClockwise() {
        for (int size : new int[] {5, 6}) {
            FaceImage image = grayPattern(size, size);
            FaceImage rotated = Transforms.affine(image, 90, 1, 0, 0, false);
            // Counter-clockwise on screen: the right edge becomes the top edge.
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    assertEquals(image.at(size - 1 - y, x), rotated.at(x, y), "pixel (" + x + "," + y + ")");
                }
            }
        }
    }

    @Test
    void integerShiftMovesContentAndRepeatsTheEdge() {
        FaceImage image = grayPattern(6, 4);
        FaceImage shifted = Transforms.affine(image, 0, 1, 2, -1, false);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                int sourceX = Math.max(0, x - 2);
                int sourceY = Math.min(3, y + 1);
                assertEquals(image.at(sourceX, sourceY), shifted.at(x, y));
            }
        }
    }

    @Test
    void adjustWithNeutralParametersIsIdentity() {
        FaceImage image = grayPattern(48, 48);
        assertEquals(image, Transforms.adjust(image, 0, 1, 1));
        FaceImage rgb = rgbPattern(4, 4);
        assertEquals(rgb, Transforms.adjust(rgb, 0, 1, 1));
    }

    @Test
    void adjustAppliesBrightnessContrastAndGammaAsDocumented() {
        FaceImage image = FaceImage.gray(4, 1, new byte[] {0, 64, (byte) 128, (byte) 255});
        // Brightness +0.2 of 255 = +51 grey levels, clipped at 255.
        assertArrayEquals(new byte[] {51, 115, (byte) 179, (byte) 255},
                Transforms.adjust(image, 0.2, 1, 1).pixels());
        // Contrast 0 flattens everything to mid-grey 127.5 -> 128.
        assertArrayEquals(new byte[] {(byte) 128, (byte) 128, (byte) 128, (byte) 128},
                Transforms.adjust(image, 0, 0, 1).pixels());
        // Gamma 2 squares the 0..1 level: 64/255 -> 16.06, 128/255 -> 64.25.
        assertArrayEquals(new byte[] {0, 16, 64, (byte) 255}, Transforms.adjust(image, 0, 1, 2).pixels());
    }

    @Test
    void blurOfAConstantImageIsTheSameImage() {
        byte[] px = new byte[10 * 7 * 3];
        Arrays.fill(px, (byte) 173);
        FaceImage constant = FaceImage.of(10, 7, 3, px);
        assertEquals(constant, Transforms.blur3x3(constant));
    }

    @Test
    void blurSpreadsASinglePointWithTheOneTwoOneKernel() {
        byte[] px = new byte[25];
        px[12] = (byte) 160;
        FaceImage blurred = Transforms.blur3x3(FaceImage.gray(5, 5, px));
        // 160 * {4, 2, 1} / 16.
        assertEquals(40, blurred.at(2, 2));
        assertEquals(20, blurred.at(1, 2));
        assertEquals(20, blurred.at(2, 3));
        assertEquals(10, blurred.at(1, 1));
        assertEquals(10, blurred.at(3, 3));
        assertEquals(0, blurred.at(0, 0));
        assertEquals(0, blurred.at(4, 2));
    }

    @Test
    void cutoutFillsExactlyTheSquareInEveryChannel() {
        FaceImage image = rgbPattern(10, 8);
        FaceImage cut = Transforms.cutout(image, 3, 2, 4, 99);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 10; x++) {
                boolean inside = x >= 3 && x < 7 && y >= 2 && y < 6;
                for (int k = 0; k < 3; k++) {
                    int i = (y * 10 + x) * 3 + k;
                    int expected = inside ? 99 : image.pixels()[i] & 0xFF;
                    assertEquals(expected, cut.pixels()[i] & 0xFF, "(" + x + "," + y + ") channel " + k);
                }
            }
        }
    }

    @Test
    void cutoutIsClippedAtTheBorder() {
        FaceImage image = grayPattern(6, 6);
        FaceImage cut = Transforms.cutout(image, 4, -1, 3, 0);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                boolean inside = x >= 4 && y <= 1;
                assertEquals(inside ? 0 : image.at(x, y), cut.at(x, y));
            }
        }
    }

    @Test
    void noiseIsReproducibleForTheSameStreamAndZeroStdIsIdentity() {
        FaceImage image = grayPattern(48, 48);
        FaceImage a = Transforms.gaussianNoise(image, 8, new SplittableRandom(5));
        FaceImage b = Transforms.gaussianNoise(image, 8, new SplittableRandom(5));
        assertEquals(a, b);
        assertNotEquals(image, a);
        assertEquals(image, Transforms.gaussianNoise(image, 0, new SplittableRandom(5)));
    }

    @Test
    void noiseHasTheRequestedSpreadOnMidGrey() {
        byte[] px = new byte[200 * 200];
        Arrays.fill(px, (byte) 128);
        FaceImage noisy = Transforms.gaussianNoise(FaceImage.gray(200, 200, px), 10, new SplittableRandom(1));
        double[] meanStd = noisy.meanAndStd();
        assertEquals(128, meanStd[0], 0.2);
        assertEquals(10, meanStd[1], 0.2);
    }

    @Test
    void transformsNeverModifyTheirInput() {
        FaceImage image = rgbPattern(12, 9);
        byte[] before = image.pixels().clone();
        Transforms.flipHorizontal(image);
        Transforms.affine(image, 17, 1.2, 1.5, -2.5, true);
        Transforms.adjust(image, 0.2, 1.3, 0.8);
        Transforms.gaussianNoise(image, 20, new SplittableRandom(3));
        Transforms.blur3x3(image);
        Transforms.cutout(image, 1, 1, 5, 0);
        assertArrayEquals(before, image.pixels());
    }

    @Test
    void invalidParametersAreRejected() {
        FaceImage image = grayPattern(4, 4);
        assertThrows(IllegalArgumentException.class, () -> Transforms.affine(image, 0, 0, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> Transforms.adjust(image, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.cutout(image, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.cutout(image, 0, 0, 2, 256));
    }
}
