package org.deepfer.augment;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;

/**
 * Draws one random augmentation of a face from the configured policy, reproducibly: the result
 * depends only on (row id, variant, seed), never on call order, thread or JVM.
 */
public final class Augmenter implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final String FIELD_PREFIX = "augment.policy.";
    /** The face size that blurMaxSigma is given at; the sigma scales with larger or smaller faces. */
    private static final double REFERENCE_SIZE = 48;
    /** Beyond it a 48-pixel face is a flat smear: no expression is left to learn. */
    private static final double MAX_BLUR_SIGMA = 8;
    /** Beyond it a 48-pixel face has fewer than 6 pixels a side. */
    private static final double MAX_DOWNSCALE = 8;

    private final DeepFerConfig.AugmentPolicy policy;

    /** One augmented image and a short, human-readable list of the operations applied to it. */
    public record Augmented(FaceImage image, String ops) {}

    /** @throws IllegalArgumentException naming the first policy field that is out of range */
    public Augmenter(DeepFerConfig.AugmentPolicy policy) {
        if (policy == null) {
            throw new IllegalArgumentException("augment.policy is missing");
        }
        requireProbability("flipProbability", policy.flipProbability());
        requireRange("maxRotationDegrees", policy.maxRotationDegrees(), 0, 180, "[0, 180] degrees");
        requireRange("maxShift", policy.maxShift(), 0, 0.5, "[0, 0.5] (fraction of the image size)");
        requireRange("minScale", policy.minScale(), Double.MIN_VALUE, 10, "(0, 10]");
        requireRange("maxScale", policy.maxScale(), Double.MIN_VALUE, 10, "(0, 10]");
        if (policy.minScale() > policy.maxScale()) {
            throw new IllegalArgumentException(FIELD_PREFIX + "minScale must be <= maxScale, got minScale "
                    + policy.minScale() + " > maxScale " + policy.maxScale());
        }
        requireRange("brightness", policy.brightness(), 0, 1, "[0, 1] (fraction of the full range)");
        requireRange("contrast", policy.contrast(), 0, 1,
                "[0, 1] (factor drawn from [1 - contrast, 1 + contrast])");
        // Gamma 1 - gamma must stay positive, so the range is open at 1.
        requireRange("gamma", policy.gamma(), 0, Math.nextDown(1.0),
                "[0, 1) (exponent drawn from [1 - gamma, 1 + gamma])");
        requireProbability("noiseProbability", policy.noiseProbability());
        requireRange("noiseStd", policy.noiseStd(), 0, 255, "[0, 255] grey levels");
        requireProbability("blurProbability", policy.blurProbability());
        requireProbability("cutoutProbability", policy.cutoutProbability());
        requireRange("cutoutSize", policy.cutoutSize(), Double.MIN_VALUE, 1,
                "(0, 1] (fraction of the image size)");
        requireRange("blurMaxSigma", policy.blurMaxSigma(), 0, MAX_BLUR_SIGMA,
                "[0, " + MAX_BLUR_SIGMA + "] pixels at 48 (0: the fixed 3x3 kernel)");
        requireProbability("downscaleProbability", policy.downscaleProbability());
        requireRange("maxDownscale", policy.maxDownscale(), 1, MAX_DOWNSCALE, "[1, " + MAX_DOWNSCALE + "] (a factor)");
        this.policy = policy;
    }

    /**
     * Augmentation number {@code variant} of the image stored under {@code rowId}.
     *
     * <p>Every parameter is drawn on every call, in a fixed order, whether or not its operation ends
     * up applied; so changing one probability in the policy does not reshuffle the other draws.
     */
    public Augmented apply(FaceImage image, String rowId, int variant, long seed) {
        SplittableRandom rnd = new SplittableRandom(variantSeed(rowId, variant, seed));
        boolean flip = rnd.nextDouble() < policy.flipProbability();
        double rotation = symmetric(rnd, policy.maxRotationDegrees());
        double scale = between(rnd, policy.minScale(), policy.maxScale());
        double shiftX = symmetric(rnd, policy.maxShift()) * image.width();
        double shiftY = symmetric(rnd, policy.maxShift()) * image.height();
        double brightness = symmetric(rnd, policy.brightness());
        double contrast = 1 + symmetric(rnd, policy.contrast());
        double gamma = 1 + symmetric(rnd, policy.gamma());
        boolean noise = rnd.nextDouble() < policy.noiseProbability();
        long noiseSeed = rnd.nextLong();
        boolean blur = rnd.nextDouble() < policy.blurProbability();
        boolean cutout = rnd.nextDouble() < policy.cutoutProbability();
        double cutoutX = rnd.nextDouble();
        double cutoutY = rnd.nextDouble();
        // Drawn after the original ones, so that policies without them keep their old streams.
        double blurSigma = between(rnd, 0, policy.blurMaxSigma()) * image.width() / REFERENCE_SIZE;
        boolean downscale = rnd.nextDouble() < policy.downscaleProbability();
        double downscaleFactor = between(rnd, 1, policy.maxDownscale());

        StringBuilder ops = new StringBuilder();
        FaceImage out = image;
        boolean moved = rotation != 0 || scale != 1 || shiftX != 0 || shiftY != 0;
        if (moved) {
            // The flip rides along in the same resampling, so pixels are interpolated only once.
            out = Transforms.affine(out, rotation, scale, shiftX, shiftY, flip);
        } else if (flip) {
            out = Transforms.flipHorizontal(out);
        }
        if (flip) {
            append(ops, "flip");
        }
        if (rotation != 0) {
            append(ops, "rot=" + decimal(rotation, 1, false));
        }
        if (scale != 1) {
            append(ops, "scale=" + decimal(scale, 2, false));
        }
        if (shiftX != 0 || shiftY != 0) {
            append(ops, "shift=(" + decimal(shiftX, 1, false) + "," + decimal(shiftY, 1, false) + ")");
        }
        if (brightness != 0 || contrast != 1 || gamma != 1) {
            out = Transforms.adjust(out, brightness, contrast, gamma);
            append(ops, "bright=" + decimal(brightness, 2, true) + ",contrast=" + decimal(contrast, 2, false)
                    + ",gamma=" + decimal(gamma, 2, false));
        }
        if (noise && policy.noiseStd() > 0) {
            out = Transforms.gaussianNoise(out, policy.noiseStd(), new SplittableRandom(noiseSeed));
            append(ops, "noise=" + decimal(policy.noiseStd(), 1, false));
        }
        if (blur && policy.blurMaxSigma() == 0) {
            out = Transforms.blur3x3(out);
            append(ops, "blur");
        } else if (blur && blurSigma > 0) {
            out = Transforms.gaussianBlur(out, blurSigma);
            append(ops, "blur=" + decimal(blurSigma, 2, false));
        }
        if (downscale) {
            // The robustness job's downscale perturbation, at a drawn factor.
            FaceImage lowResolution = Resize.downAndBack(out, downscaleFactor);
            if (lowResolution != out) {
                append(ops, "downscale=" + Resize.shrunk(out.width(), downscaleFactor) + "x"
                        + Resize.shrunk(out.height(), downscaleFactor));
                out = lowResolution;
            }
        }
        if (cutout) {
            int shorterSide = Math.min(out.width(), out.height());
            int side = Math.max(1, (int) Math.round(policy.cutoutSize() * shorterSide));
            int x = (int) (cutoutX * (out.width() - side + 1));
            int y = (int) (cutoutY * (out.height() - side + 1));
            // Filled with the face's own mean grey so the patch hides features without adding a
            // brightness cue that a black square would.
            int fill = (int) Math.round(out.meanAndStd()[0]);
            out = Transforms.cutout(out, x, y, side, fill);
            append(ops, "cutout=(" + x + "," + y + "," + side + ")");
        }
        return new Augmented(out, ops.length() == 0 ? "none" : ops.toString());
    }

    /**
     * The seed of the random stream behind {@code apply(image, rowId, variant, seed)}: a 64-bit FNV-1a
     * hash of the row id's UTF-16 code units, combined with the variant and the seed through
     * SplitMix64's finaliser, so that neighbouring ids, variants or seeds give unrelated streams.
     */
    public static long variantSeed(String rowId, int variant, long seed) {
        if (rowId == null) {
            throw new IllegalArgumentException("rowId is null");
        }
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < rowId.length(); i++) {
            hash ^= rowId.charAt(i);
            hash *= 0x100000001b3L;
        }
        long mixed = mix64(hash);
        mixed = mix64(mixed ^ (variant * 0x9e3779b97f4a7c15L));
        return mix64(mixed + seed * 0xd1b54a32d192ed03L);
    }

    /** The policy this augmenter draws from. */
    public DeepFerConfig.AugmentPolicy policy() {
        return policy;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [-limit, limit]; exactly 0 when the limit is 0, so neutral policies stay neutral. */
    private static double symmetric(SplittableRandom rnd, double limit) {
        double u = rnd.nextDouble();
        return limit == 0 ? 0 : (2 * u - 1) * limit;
    }

    /** Uniform in [low, high]; exactly {@code low} when the range is empty. */
    private static double between(SplittableRandom rnd, double low, double high) {
        double u = rnd.nextDouble();
        return low == high ? low : low + u * (high - low);
    }

    private static void append(StringBuilder ops, String op) {
        if (ops.length() > 0) {
            ops.append(',');
        }
        ops.append(op);
    }

    /**
     * {@code value} rounded half away from zero to {@code decimals} places, without "-0.0"; done by
     * hand because String.format costs about as much as the pixel work on a 48x48 face.
     */
    private static String decimal(double value, int decimals, boolean plusSign) {
        long factor = 1;
        for (int i = 0; i < decimals; i++) {
            factor *= 10;
        }
        long scaled = Math.round(Math.abs(value) * factor);
        StringBuilder text = new StringBuilder(12);
        if (value < 0 && scaled != 0) {
            text.append('-');
        } else if (plusSign) {
            text.append('+');
        }
        text.append(scaled / factor).append('.');
        String fraction = Long.toString(scaled % factor);
        text.append("0".repeat(decimals - fraction.length())).append(fraction);
        return text.toString();
    }

    private static void requireProbability(String field, double value) {
        requireRange(field, value, 0, 1, "a probability in [0, 1]");
    }

    private static void requireRange(String field, double value, double min, double max, String expected) {
        // Written so that NaN fails too.
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(
                    FIELD_PREFIX + field + " must be " + expected + ", got " + value);
        }
    }
}
