package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) on a batch: images are blended (or a box
 * pasted) with the batch reversed, and the soft targets blended in the same proportion.
 */
final class Mixing {
    private Mixing() {}

    /**
     * What one batch's mixing does, drawn once and applicable to the batch at any input size: the
     * distillation teacher sees the same mix of the same faces as the student, in its own input.
     *
     * @param kind none, mixup or CutMix
     * @param kept the weight of the batch itself: mixup's lambda, or CutMix's area outside the box
     * @param top the CutMix box as fractions of the height and width: rows {@code [top, bottom)},
     *     columns {@code [left, right)}
     */
    record Mix(Kind kind, double kept, double top, double bottom, double left, double right) {
        enum Kind { NONE, MIXUP, CUTMIX }

        static final Mix NONE = new Mix(Kind.NONE, 1, 0, 0, 0, 0);

        /** {@code x} (B, C, H, W) mixed with itself reversed along the batch. */
        NDArray images(NDArray x) {
            if (kind == Kind.NONE) {
                return x;
            }
            NDArray reversed = x.flip(0);
            if (kind == Kind.MIXUP) {
                return x.mul(kept).add(reversed.mul(1 - kept));
            }
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            NDIndex box = new NDIndex(":, :, {}:{}, {}:{}", Math.round(top * h), Math.round(bottom * h),
                    Math.round(left * w), Math.round(right * w));
            NDArray mixed = x.duplicate();
            mixed.set(box, reversed.get(box));
            return mixed;
        }

        /** Soft {@code targets} (B, K) mixed in the images' proportion. */
        NDArray targets(NDArray targets) {
            return kind == Kind.NONE ? targets : targets.mul(kept).add(targets.flip(0).mul(1 - kept));
        }
    }

    /**
     * The mix of one batch of images shaped {@code shape} (B, C, H, W): CutMix with probability
     * {@code cutmix}, else mixup if alpha > 0, else none.
     */
    static Mix draw(Shape shape, double alpha, double cutmix, SplittableRandom rnd) {
        // Both draws always happen, so switching one remedy on does not reshuffle the other.
        double u = rnd.nextDouble();
        double lambda = beta(rnd, alpha > 0 ? alpha : 1.0);
        long b = shape.get(0);
        if (b < 2) {
            return Mix.NONE;
        }
        if (u < cutmix) {
            long h = shape.get(2);
            long w = shape.get(3);
            long cutH = Math.round(h * Math.sqrt(1 - lambda));
            long cutW = Math.round(w * Math.sqrt(1 - lambda));
            long cy = (long) (rnd.nextDouble() * h);
            long cx = (long) (rnd.nextDouble() * w);
            long y0 = Math.max(0, cy - cutH / 2);
            long y1 = Math.min(h, cy + cutH / 2);
            long x0 = Math.max(0, cx - cutW / 2);
            long x1 = Math.min(w, cx + cutW / 2);
            if (y1 <= y0 || x1 <= x0) {
                return Mix.NONE;
            }
            double kept = 1 - (double) (y1 - y0) * (x1 - x0) / (h * w);
            return new Mix(Mix.Kind.CUTMIX, kept, (double) y0 / h, (double) y1 / h, (double) x0 / w,
                    (double) x1 / w);
        }
        if (alpha <= 0) {
            return Mix.NONE;
        }
        return new Mix(Mix.Kind.MIXUP, lambda, 0, 0, 0, 0);
    }

    /** A Beta(alpha, alpha) draw from two Gamma draws (Marsaglia and Tsang). */
    static double beta(SplittableRandom rnd, double alpha) {
        double a = gamma(rnd, alpha);
        double b = gamma(rnd, alpha);
        return a / (a + b);
    }

    private static double gamma(SplittableRandom rnd, double shape) {
        if (shape < 1) {
            return gamma(rnd, shape + 1) * Math.pow(rnd.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = gaussian(rnd);
            double v = Math.pow(1 + c * z, 3);
            if (v > 0 && Math.log(rnd.nextDouble()) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /** A standard normal draw (Box-Muller): SplittableRandom has no nextGaussian on Java 17. */
    static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
