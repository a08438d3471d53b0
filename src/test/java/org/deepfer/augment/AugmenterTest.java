package org.deepfer.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import org.deepfer.config.DeepFerConfig.AugmentPolicy;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;
import org.junit.jupiter.api.Test;

class AugmenterTest {
    /** The policy shipped in conf/deepfer.yaml. */
    private static final AugmentPolicy DEFAULT_POLICY =
            new AugmentPolicy(0.5, 12.0, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6.0, 0.2, 0.25, 0.25, 0, 0, 3.0);
    /** Every probability 0 and every range collapsed to "no change". */
    private static final AugmentPolicy NEUTRAL_POLICY =
            new AugmentPolicy(0, 0, 0, 1, 1, 0, 0, 0, 0, 6.0, 0, 0, 0.25, 0, 0, 3.0);
    /** The default ranges with every optional operation certain to happen. */
    private static final AugmentPolicy EVERY_OP_POLICY =
            new AugmentPolicy(1, 12.0, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 1, 6.0, 1, 1, 0.25, 0, 0, 3.0);

    private static FaceImage face(int width, int height) {
        byte[] px = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                px[y * width + x] = (byte) (40 + 3 * x + 2 * y + ((x * y) % 7) * 5);
            }
        }
        return FaceImage.gray(width, height, px);
    }

    @Test
    void sameRowVariantAndSeedGiveIdenticalBytesWhateverRanInBetween() {
        Augmenter augmenter = new Augmenter(DEFAULT_POLICY);
        FaceImage image = face(48, 48);
        Augmenter.Augmented first = augmenter.apply(image, "train/000123", 1, 42);
        for (int v = 0; v < 20; v++) {
            augmenter.apply(image, "train/other" + v, v, 7);
        }
        Augmenter.Augmented again = new Augmenter(DEFAULT_POLICY).apply(image, "train/000123", 1, 42);
        assertArrayEquals(first.image().pixels(), again.image().pixels());
        assertEquals(first.ops(), again.ops());
    }

    @Test
    void variantsRowsAndSeedsGiveDifferentAugmentations() {
        Augmenter augmenter = new Augmenter(DEFAULT_POLICY);
        FaceImage image = face(48, 48);
        Set<FaceImage> seen = new HashSet<>();
        for (int variant = 0; variant < 10; variant++) {
            seen.add(augmenter.apply(image, "train/000123", variant, 42).image());
        }
        assertEquals(10, seen.size());
        FaceImage base = augmenter.apply(image, "train/000123", 0, 42).image();
        assertNotEquals(base, augmenter.apply(image, "train/000124", 0, 42).image());
        assertNotEquals(base, augmenter.apply(image, "train/000123", 0, 43).image());
    }

    @Test
    void variantSeedIsPinnedSoAugmentedTablesStayReproducible() {
        // Changing the mixing function silently changes every faces_aug row; these pin it down.
        assertEquals(8904006606604977357L, Augmenter.variantSeed("train/000123", 1, 42));
        assertNotEquals(Augmenter.variantSeed("ab", 0, 0), Augmenter.variantSeed("ba", 0, 0));
        assertNotEquals(Augmenter.variantSeed("a", 1, 0), Augmenter.variantSeed("a", 0, 1));
    }

    @Test
    void augmentedBytesArePinned() {
        // Pure Java arithmetic and StrictMath make these bytes the same on every JVM; a change here
        // means previously written faces_aug rows can no longer be regenerated.
        FaceImage image = face(48, 48);
        Augmenter.Augmented typical = new Augmenter(DEFAULT_POLICY).apply(image, "train/000123", 1, 42);
        assertEquals("flip,rot=4.8,scale=1.09,shift=(2.4,1.3),bright=-0.08,contrast=0.86,gamma=1.15",
                typical.ops());
        assertEquals(2820779618L, crc(typical.image()));
        Augmenter.Augmented everything = new Augmenter(EVERY_OP_POLICY).apply(image, "train/000123", 1, 42);
        assertEquals("flip,rot=4.8,scale=1.09,shift=(2.4,1.3),bright=-0.08,contrast=0.86,gamma=1.15,"
                + "noise=6.0,blur,cutout=(36,21,12)", everything.ops());
        assertEquals(360935154L, crc(everything.image()));
    }

    private static long crc(FaceImage image) {
        CRC32 crc = new CRC32();
        crc.update(image.pixels());
        return crc.getValue();
    }

    @Test
    void neutralPolicyReturnsTheInputPixels() {
        Augmenter augmenter = new Augmenter(NEUTRAL_POLICY);
        FaceImage image = face(48, 48);
        for (int variant = 0; variant < 5; variant++) {
            Augmenter.Augmented out = augmenter.apply(image, "train/7", variant, 42);
            assertArrayEquals(image.pixels(), out.image().pixels());
            assertEquals("none", out.ops());
        }
    }

    @Test
    void certainFlipAloneIsAnExactMirror() {
        AugmentPolicy flipOnly = new AugmentPolicy(1, 0, 0, 1, 1, 0, 0, 0, 0, 6.0, 0, 0, 0.25, 0, 0, 3.0);
        FaceImage image = face(48, 48);
        Augmenter.Augmented out = new Augmenter(flipOnly).apply(image, "train/7", 0, 42);
        assertEquals(Transforms.flipHorizontal(image), out.image());
        assertEquals("flip", out.ops());
    }

    @Test
    void certainCutoutCoversASquareOfTheConfiguredSize() {
        AugmentPolicy cutoutOnly = new AugmentPolicy(0, 0, 0, 1, 1, 0, 0, 0, 0, 6.0, 0, 1, 0.25, 0, 0, 3.0);
        FaceImage image = face(48, 48);
        Augmenter.Augmented out = new Augmenter(cutoutOnly).apply(image, "train/7", 3, 42);
        assertTrue(out.ops().matches("cutout=\\(\\d+,\\d+,12\\)"), out.ops());
        String[] parts = out.ops().replaceAll("[^0-9,]", "").split(",");
        int x = Integer.parseInt(parts[0]);
        int y = Integer.parseInt(parts[1]);
        assertTrue(x + 12 <= 48 && y + 12 <= 48, out.ops());
        int fill = out.image().at(x, y);
        for (int yy = 0; yy < 48; yy++) {
            for (int xx = 0; xx < 48; xx++) {
                boolean inside = xx >= x && xx < x + 12 && yy >= y && yy < y + 12;
                assertEquals(inside ? fill : image.at(xx, yy), out.image().at(xx, yy));
            }
        }
    }

    @Test
    void colourImagesKeepTheirShapeAndInputIsUntouched() {
        byte[] px = new byte[32 * 24 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 31);
        }
        FaceImage rgb = FaceImage.of(32, 24, 3, px);
        byte[] before = px.clone();
        Augmenter.Augmented out = new Augmenter(EVERY_OP_POLICY).apply(rgb, "x", 0, 1);
        assertEquals(32, out.image().width());
        assertEquals(24, out.image().height());
        assertEquals(3, out.image().channels());
        assertArrayEquals(before, rgb.pixels());
        String[] expectedOps = {"flip", "rot=", "scale=", "shift=", "bright=", "noise=6.0", "blur", "cutout="};
        for (String op : expectedOps) {
            assertTrue(out.ops().contains(op), op + " missing from " + out.ops());
        }
    }

    /** Only the blur of {@code maxSigma} (certain), every other operation off. */
    private static AugmentPolicy gaussianBlurOnly(double maxSigma) {
        return new AugmentPolicy(0, 0, 0, 1, 1, 0, 0, 0, 0, 6.0, 1, 0, 0.25, maxSigma, 0, 3.0);
    }

    @Test
    void gaussianBlurDrawsItsSigmaUpToTheMaximumAndSmoothsMoreTheLargerItIs() {
        Augmenter augmenter = new Augmenter(gaussianBlurOnly(2.5));
        FaceImage image = face(48, 48);
        double smallest = Double.MAX_VALUE;
        double largest = 0;
        FaceImage leastBlurred = null;
        FaceImage mostBlurred = null;
        for (int variant = 0; variant < 40; variant++) {
            Augmenter.Augmented out = augmenter.apply(image, "train/7", variant, 42);
            assertTrue(out.ops().matches("blur=\\d\\.\\d\\d"), out.ops());
            double sigma = Double.parseDouble(out.ops().substring("blur=".length()));
            assertTrue(sigma >= 0 && sigma <= 2.5, out.ops());
            smallest = Math.min(smallest, sigma);
            largest = Math.max(largest, sigma);
            // The Gaussian blur of the drawn sigma: the printed sigma is within 0.005 of it, which moves a
            // pixel by less than half a grey level on this face, plus a level of rounding either way.
            int diff = maxAbsDiff(Transforms.gaussianBlur(image, sigma), out.image());
            assertTrue(diff <= 2, out.ops() + " differs by " + diff + " from the blur of that sigma");
            if (sigma == smallest) {
                leastBlurred = out.image();
            }
            if (sigma == largest) {
                mostBlurred = out.image();
            }
        }
        assertTrue(smallest < 0.8 && largest > 1.7, "sigmas drawn from " + smallest + " to " + largest);
        assertTrue(roughness(mostBlurred) < 0.5 * roughness(leastBlurred),
                roughness(mostBlurred) + " at sigma " + largest + ", " + roughness(leastBlurred) + " at " + smallest);
    }

    @Test
    void gaussianBlurSigmaScalesWithTheFaceSize() {
        Augmenter augmenter = new Augmenter(gaussianBlurOnly(2.0));
        for (int variant = 0; variant < 5; variant++) {
            double at48 = Double.parseDouble(augmenter.apply(face(48, 48), "train/7", variant, 42).ops().substring(5));
            double at96 = Double.parseDouble(augmenter.apply(face(96, 96), "train/7", variant, 42).ops().substring(5));
            assertEquals(2 * at48, at96, 0.011, "variant " + variant);
        }
    }

    @Test
    void downscaleShrinksByTheDrawnFactorAndResizesBack() {
        AugmentPolicy downscaleOnly = new AugmentPolicy(0, 0, 0, 1, 1, 0, 0, 0, 0, 6.0, 0, 0, 0.25, 0, 1, 4.0);
        Augmenter augmenter = new Augmenter(downscaleOnly);
        FaceImage image = face(48, 48);
        Set<Integer> sizes = new HashSet<>();
        for (int variant = 0; variant < 30; variant++) {
            Augmenter.Augmented out = augmenter.apply(image, "train/7", variant, 42);
            if (out.ops().equals("none")) {
                // A factor so close to 1 that the small size rounds back to 48: nothing to do.
                assertArrayEquals(image.pixels(), out.image().pixels());
                continue;
            }
            assertTrue(out.ops().matches("downscale=\\d+x\\d+"), out.ops());
            String[] size = out.ops().substring("downscale=".length()).split("x");
            int small = Integer.parseInt(size[0]);
            assertEquals(small, Integer.parseInt(size[1]), out.ops());
            // A factor from [1, 4]: down to between 12 and 47 pixels.
            assertTrue(small >= 12 && small < 48, out.ops());
            assertEquals(Resize.to(Resize.to(image, small, small), 48, 48), out.image(), out.ops());
            sizes.add(small);
        }
        assertTrue(sizes.size() >= 10, "small sizes " + sizes);
        assertTrue(sizes.stream().anyMatch(s -> s <= 16), "small sizes " + sizes);
    }

    @Test
    void newOperationsOffLeaveTheOldDrawsAlone() {
        // The policy fields added later are drawn after the others: with them at work the earlier
        // operations are drawn exactly as before, the blur and downscale come on top.
        AugmentPolicy degraded = new AugmentPolicy(0.5, 12.0, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6.0, 1, 0.25, 0.25,
                2.0, 1, 3.0);
        Augmenter.Augmented out = new Augmenter(degraded).apply(face(48, 48), "train/000123", 1, 42);
        assertTrue(out.ops().startsWith("flip,rot=4.8,scale=1.09,shift=(2.4,1.3),bright=-0.08,contrast=0.86,"
                + "gamma=1.15,blur="), out.ops());
        assertTrue(out.ops().contains(",downscale="), out.ops());
    }

    private static int maxAbsDiff(FaceImage a, FaceImage b) {
        int worst = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            worst = Math.max(worst, Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF)));
        }
        return worst;
    }

    /** The mean squared difference between horizontally and vertically neighbouring pixels. */
    private static double roughness(FaceImage image) {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                if (x + 1 < image.width()) {
                    double d = image.at(x + 1, y) - image.at(x, y);
                    sum += d * d;
                    count++;
                }
                if (y + 1 < image.height()) {
                    double d = image.at(x, y + 1) - image.at(x, y);
                    sum += d * d;
                    count++;
                }
            }
        }
        return sum / count;
    }

    @Test
    void invalidPoliciesAreRejectedWithTheFieldNamed() {
        assertRejected(new AugmentPolicy(1.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "augment.policy.flipProbability", "1.5");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 1.2, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "minScale", "1.2");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, Double.NaN, 6, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "augment.policy.noiseProbability", "NaN");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0, 0, 0, 3.0),
                "augment.policy.cutoutSize", "0.0");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, -1, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "augment.policy.noiseStd", "-1.0");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 1.0, 0.3, 6, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "augment.policy.gamma", "1.0");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, 0, 0, 3.0),
                "augment.policy.minScale", "0.0");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, -1, 0, 3),
                "augment.policy.blurMaxSigma", "-1.0");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, 0, 1.5, 3),
                "augment.policy.downscaleProbability", "1.5");
        assertRejected(new AugmentPolicy(0.5, 12, 0.08, 0.9, 1.1, 0.2, 0.2, 0.2, 0.3, 6, 0.2, 0.25, 0.25, 0, 0.2, 0.5),
                "augment.policy.maxDownscale", "0.5");
    }

    private static void assertRejected(AugmentPolicy policy, String field, String value) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Augmenter(policy));
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }
}
