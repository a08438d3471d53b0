package org.deepfer.evaluate;

/**
 * Temperature scaling (Guo et al., 2017): one number T > 0 that divides the logits before the
 * softmax, fitted on a validation split to minimise the negative log-likelihood. It is the simplest
 * calibration that keeps every prediction (the argmax does not move, so accuracy and the confusion
 * matrix stay as they are) while making the confidence honest; T > 1 softens an over-confident
 * network, as deep networks trained with cross-entropy usually are.
 *
 * <p>The {@code predictions} table keeps probabilities, not logits, so {@link #fit(int[],
 * float[][])} and {@link #apply} work on probabilities and use {@code ln p} as the logits. That is
 * exact, not an approximation: if {@code p = softmax(z)} then {@code ln p = z − logsumexp(z)}, which
 * differs from {@code z} by one constant per row, and the softmax ignores such constants, so
 * {@code softmax(ln p / T) = softmax(z / T)}; written out, {@code softmax(ln p / T)_j = p_j^(1/T) /
 * Σ_i p_i^(1/T)}. The only loss is where the float softmax underflowed to 0: such probabilities are
 * taken as {@link Float#MIN_NORMAL}, about the largest value that underflows, so they stay tiny at
 * any temperature below about 3 ({@code MIN_NORMAL^(1/3) ≈ 2e-13}).
 *
 * <p>The fit is a golden-section search on {@code ln T} over {@code [ln 0.05, ln 20]}. That finds the
 * global minimum because the NLL is convex in {@code 1/T} (a log-sum-exp of linear functions of
 * it), hence unimodal in {@code ln T}, a monotone function of {@code 1/T}; searching on the log
 * scale gives the same relative precision to T = 0.1 and T = 10. An optimum outside the range ends
 * at its nearer end.
 */
public final class TemperatureScaling {
    /** The smallest temperature searched: sharper than this is never a sensible calibration. */
    public static final double MIN_TEMPERATURE = 0.05;
    /** The largest temperature searched: softer than this means the model is close to guessing. */
    public static final double MAX_TEMPERATURE = 20;
    /** Golden-section stops when the bracket on ln T is this narrow (T to about 1e-8 relative). */
    private static final double LOG_TOLERANCE = 1e-8;
    private static final double INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

    private TemperatureScaling() {}

    /**
     * The temperature that minimises the NLL of {@code softmax(ln p / T)}, i.e. of the model's logits
     * divided by T (see the class comment for why these agree).
     *
     * @param labels the true class of each row
     * @param probabilities the model's softmax outputs, one vector per row (e.g. from the
     *     {@code predictions} table of a validation split)
     */
    public static double fit(int[] labels, float[][] probabilities) {
        return minimise(labels, logProbabilities(labels, probabilities));
    }

    /** As {@link #fit(int[], float[][])}, for raw logits (any finite values) instead of probabilities. */
    public static double fitLogits(int[] labels, float[][] logits) {
        validate(labels, logits);
        double[][] z = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            z[i] = new double[logits[i].length];
            for (int j = 0; j < z[i].length; j++) {
                if (!Float.isFinite(logits[i][j])) {
                    throw new IllegalArgumentException("row " + i + ": logit " + logits[i][j] + " is not finite");
                }
                z[i][j] = logits[i][j];
            }
        }
        return minimise(labels, z);
    }

    /**
     * Probabilities at temperature {@code t}: {@code p_j^(1/t) / Σ_i p_i^(1/t)} per row, computed in log
     * space so that small {@code t} does not underflow. The argmax of every row is unchanged; {@code t
     * = 1} returns the input (up to float rounding).
     */
    public static float[][] apply(float[][] probabilities, double t) {
        checkTemperature(t);
        float[][] scaled = new float[probabilities.length][];
        for (int i = 0; i < probabilities.length; i++) {
            float[] p = probabilities[i];
            double[] z = new double[p.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < p.length; j++) {
                z[j] = logOf(p[j], i) / t;
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (int j = 0; j < p.length; j++) {
                z[j] = Math.exp(z[j] - max);
                sum += z[j];
            }
            scaled[i] = new float[p.length];
            for (int j = 0; j < p.length; j++) {
                scaled[i][j] = (float) (z[j] / sum);
            }
        }
        return scaled;
    }

    /**
     * The mean NLL of {@code softmax(ln p / t)}, for reporting the loss before and after calibration;
     * at {@code t = 1} it is {@link Evaluation#negativeLogLikelihood()} of the same rows up to the
     * float rounding of their sums (here each row is renormalised).
     */
    public static double negativeLogLikelihood(int[] labels, float[][] probabilities, double t) {
        checkTemperature(t);
        return nll(labels, logProbabilities(labels, probabilities), 1 / t);
    }

    private static double[][] logProbabilities(int[] labels, float[][] probabilities) {
        validate(labels, probabilities);
        double[][] z = new double[probabilities.length][];
        for (int i = 0; i < probabilities.length; i++) {
            z[i] = new double[probabilities[i].length];
            for (int j = 0; j < z[i].length; j++) {
                z[i][j] = logOf(probabilities[i][j], i);
            }
        }
        return z;
    }

    private static double logOf(float p, int row) {
        if (!(p >= 0) || !(p <= 1.001f)) {
            throw new IllegalArgumentException("row " + row + ": " + p + " is not a probability; pass softmax "
                    + "outputs to fit/apply, or logits to fitLogits");
        }
        return Math.log(Math.max(p, Evaluation.MIN_PROBABILITY));
    }

    /** Golden-section search for the minimum of the NLL over ln T. */
    private static double minimise(int[] labels, double[][] z) {
        double a = Math.log(MIN_TEMPERATURE);
        double b = Math.log(MAX_TEMPERATURE);
        double c = b - INVERSE_GOLDEN_RATIO * (b - a);
        double d = a + INVERSE_GOLDEN_RATIO * (b - a);
        double fc = nll(labels, z, Math.exp(-c));
        double fd = nll(labels, z, Math.exp(-d));
        while (b - a > LOG_TOLERANCE) {
            if (fc <= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - INVERSE_GOLDEN_RATIO * (b - a);
                fc = nll(labels, z, Math.exp(-c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + INVERSE_GOLDEN_RATIO * (b - a);
                fd = nll(labels, z, Math.exp(-d));
            }
        }
        return Math.exp((a + b) / 2);
    }

    /** Mean of {@code logsumexp(β z) − β z_y}, with the row maximum taken out for stability. */
    private static double nll(int[] labels, double[][] z, double beta) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double[] row = z[i];
            double max = Double.NEGATIVE_INFINITY;
            for (double v : row) {
                max = Math.max(max, beta * v);
            }
            double sum = 0;
            for (double v : row) {
                sum += Math.exp(beta * v - max);
            }
            total += max + Math.log(sum) - beta * row[labels[i]];
        }
        return total / z.length;
    }

    private static void validate(int[] labels, float[][] rows) {
        if (labels == null || rows == null || labels.length != rows.length) {
            throw new IllegalArgumentException("temperature scaling needs one label per row, got "
                    + (labels == null ? "no" : String.valueOf(labels.length)) + " labels and "
                    + (rows == null ? "no" : String.valueOf(rows.length)) + " rows");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("temperature scaling needs at least one row");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || labels[i] < 0 || labels[i] >= rows[i].length) {
                throw new IllegalArgumentException("row " + i + ": label " + labels[i] + " is not an index into its "
                        + (rows[i] == null ? "missing" : rows[i].length + "-class") + " vector");
            }
        }
    }

    private static void checkTemperature(double t) {
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new IllegalArgumentException("temperature must be a positive number, got " + t);
        }
    }
}
