package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.SplittableRandom;

/**
 * Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) on a batch: images are blended (or a box
 * pasted) with the batch reversed, and the soft targets blended in the same proportion.
 */
final class Mixing {
    private Mixing() {}

    /** {x, targets} unchanged, or mixed: CutMix with probability {@code cutmix}, else mixup if alpha > 0. */
    static NDArray[] apply(NDArray x, NDArray targets, double alpha, double cutmix, SplittableRandom rnd) {
        // Both draws always happen, so switching one remedy on does not reshuffle the other.
        double u = rnd.nextDouble();
        double lambda = beta(rnd, alpha > 0 ? alpha : 1.0);
        long b = x.getShape().get(0);
        if (b < 2) {
            return new NDArray[] {x, targets};
        }
        NDArray reversedX = x.flip(0);
        NDArray reversedT = targets.flip(0);
        if (u < cutmix) {
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            long cutH = Math.round(h * Math.sqrt(1 - lambda));
            long cutW = Math.round(w * Math.sqrt(1 - lambda));
            long cy = (long) (rnd.nextDouble() * h);
            long cx = (long) (rnd.nextDouble() * w);
            long y0 = Math.max(0, cy - cutH / 2);
            long y1 = Math.min(h, cy + cutH / 2);
            long x0 = Math.max(0, cx - cutW / 2);
            long x1 = Math.min(w, cx + cutW / 2);
            if (y1 <= y0 || x1 <= x0) {
                return new NDArray[] {x, targets};
            }
            NDArray mixed = x.duplicate();
            NDIndex box = new NDIndex(":, :, {}:{}, {}:{}", y0, y1, x0, x1);
            mixed.set(box, reversedX.get(box));
            double kept = 1 - (double) (y1 - y0) * (x1 - x0) / (h * w);
            return new NDArray[] {mixed, targets.mul(kept).add(reversedT.mul(1 - kept))};
        }
        if (alpha <= 0) {
            return new NDArray[] {x, targets};
        }
        return new NDArray[] {x.mul(lambda).add(reversedX.mul(1 - lambda)),
            targets.mul(lambda).add(reversedT.mul(1 - lambda))};
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

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
