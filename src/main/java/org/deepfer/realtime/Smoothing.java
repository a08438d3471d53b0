package org.deepfer.realtime;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * Temporal smoothing of one face's class probabilities across frames, so the label does not
 * flicker with every frame's noise. One smoother per tracked face.
 */
public interface Smoothing {

    /** Adds this frame's probabilities and returns the smoothed ones (a new array, summing to 1). */
    float[] add(float[] probabilities);

    /** Makes the smoothers a configuration names: none, ema or median. */
    interface Factory {
        Smoothing create();

        /**
         * @param kind none | ema | median
         * @param alpha weight of the newest frame in the exponential moving average (0..1]
         * @param window frames the median looks back over
         */
        static Factory of(String kind, double alpha, int window) {
            return switch (kind.toLowerCase(Locale.ROOT)) {
                case "none" -> () -> p -> p.clone();
                case "ema" -> () -> new Ema(alpha);
                case "median" -> () -> new Median(window);
                default -> throw new IllegalArgumentException("unknown smoothing '" + kind
                        + "'; expected none, ema or median");
            };
        }
    }

    /** Exponential moving average: s = alpha * p + (1 - alpha) * s; the first frame is taken as it is. */
    final class Ema implements Smoothing {
        private final double alpha;
        private float[] state;

        public Ema(double alpha) {
            if (!(alpha > 0 && alpha <= 1)) {
                throw new IllegalArgumentException("EMA alpha must be in (0, 1], got " + alpha);
            }
            this.alpha = alpha;
        }

        @Override
        public float[] add(float[] p) {
            if (state == null) {
                state = p.clone();
            } else {
                for (int c = 0; c < p.length; c++) {
                    state[c] = (float) (alpha * p[c] + (1 - alpha) * state[c]);
                }
            }
            return state.clone();
        }
    }

    /**
     * Per-class median over the last {@code window} frames, renormalized to sum to 1: a single
     * outlying frame cannot flip the label, however confident it is.
     */
    final class Median implements Smoothing {
        private final int window;
        private final Deque<float[]> recent = new ArrayDeque<>();

        public Median(int window) {
            if (window < 1) {
                throw new IllegalArgumentException("median window must be at least 1 frame, got " + window);
            }
            this.window = window;
        }

        @Override
        public float[] add(float[] p) {
            recent.addLast(p.clone());
            if (recent.size() > window) {
                recent.removeFirst();
            }
            int n = recent.size();
            float[] out = new float[p.length];
            float[] column = new float[n];
            double sum = 0;
            for (int c = 0; c < p.length; c++) {
                int i = 0;
                for (float[] frame : recent) {
                    column[i++] = frame[c];
                }
                Arrays.sort(column);
                out[c] = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
                sum += out[c];
            }
            if (sum > 0) {
                for (int c = 0; c < out.length; c++) {
                    out[c] = (float) (out[c] / sum);
                }
            }
            return out;
        }
    }
}
