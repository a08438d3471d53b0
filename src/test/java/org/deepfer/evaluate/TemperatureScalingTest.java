package org.deepfer.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deepfer.tables.Labels;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {
    private static final int CLASSES = 7;
    private static final int ROWS = 20_000;

    /**
     * A perfectly calibrated model: random logits, and each label drawn from the softmax of its
     * row, so that {@code p} is the true class distribution and the best temperature is 1.
     */
    private record Calibrated(int[] labels, float[][] logits, float[][] probabilities) {
        static Calibrated draw(long seed) {
            Random random = new Random(seed);
            int[] labels = new int[ROWS];
            float[][] logits = new float[ROWS][CLASSES];
            float[][] probabilities = new float[ROWS][];
            for (int i = 0; i < ROWS; i++) {
                for (int j = 0; j < CLASSES; j++) {
                    logits[i][j] = (float) (2 * random.nextGaussian());
                }
                probabilities[i] = softmax(logits[i], 1);
                double u = random.nextDouble();
                int label = CLASSES - 1;
                double cumulative = 0;
                for (int j = 0; j < CLASSES; j++) {
                    cumulative += probabilities[i][j];
                    if (u < cumulative) {
                        label = j;
                        break;
                    }
                }
                labels[i] = label;
            }
            return new Calibrated(labels, logits, probabilities);
        }
    }

    @Test
    void recoversTheTemperatureOfOverconfidentProbabilities() {
        Calibrated data = Calibrated.draw(7);
        // p^3 renormalised = softmax(3 · logits): three times too sharp, so T = 3 undoes it.
        float[][] overconfident = power(data.probabilities(), 3);
        double t = TemperatureScaling.fit(data.labels(), overconfident);
        assertEquals(3, t, 3 * 0.05, "fitted T");

        double before = TemperatureScaling.negativeLogLikelihood(data.labels(), overconfident, 1);
        double after = TemperatureScaling.negativeLogLikelihood(data.labels(), overconfident, t);
        assertTrue(after < before, "NLL " + before + " → " + after);
        // Scaled back, the probabilities are close to the calibrated ones and ECE drops.
        float[][] scaled = TemperatureScaling.apply(overconfident, t);
        double ecBefore = Evaluation.of(data.labels(), overconfident, Labels.NAMES).calibration()
                .expectedCalibrationError();
        Evaluation calibrated = Evaluation.of(data.labels(), scaled, Labels.NAMES);
        assertTrue(calibrated.calibration().expectedCalibrationError() < ecBefore / 3,
                "ECE " + ecBefore + " → " + calibrated.calibration().expectedCalibrationError());
        assertEquals(after, calibrated.negativeLogLikelihood(), 1e-5);
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(data.probabilities()[i], scaled[i], 0.03f, "row " + i);
        }
    }

    @Test
    void calibratedProbabilitiesKeepTemperatureOne() {
        Calibrated data = Calibrated.draw(11);
        assertEquals(1, TemperatureScaling.fit(data.labels(), data.probabilities()), 0.05);
    }

    @Test
    void underconfidentProbabilitiesGetATemperatureBelowOne() {
        Calibrated data = Calibrated.draw(13);
        float[][] soft = power(data.probabilities(), 0.5);
        assertEquals(0.5, TemperatureScaling.fit(data.labels(), soft), 0.5 * 0.05);
    }

    @Test
    void probabilitiesAndTheirLogitsGiveTheSameTemperature() {
        // softmax(ln p / T) = softmax(z / T): ln p differs from z by a constant per row.
        Calibrated data = Calibrated.draw(17);
        float[][] sharpLogits = new float[ROWS][CLASSES];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < CLASSES; j++) {
                sharpLogits[i][j] = 2 * data.logits()[i][j];
            }
        }
        double fromLogits = TemperatureScaling.fitLogits(data.labels(), sharpLogits);
        double fromProbabilities = TemperatureScaling.fit(data.labels(), power(data.probabilities(), 2));
        assertEquals(fromLogits, fromProbabilities, 1e-4 * fromLogits);
        assertEquals(2, fromLogits, 2 * 0.05);
    }

    @Test
    void fittedTemperatureIsAMinimumOfTheLoss() {
        Calibrated data = Calibrated.draw(19);
        float[][] p = power(data.probabilities(), 1.7);
        double t = TemperatureScaling.fit(data.labels(), p);
        double at = TemperatureScaling.negativeLogLikelihood(data.labels(), p, t);
        assertTrue(at <= TemperatureScaling.negativeLogLikelihood(data.labels(), p, t * 1.01));
        assertTrue(at <= TemperatureScaling.negativeLogLikelihood(data.labels(), p, t / 1.01));
    }

    @Test
    void applyRaisesToOneOverTAndRenormalises() {
        // (.8, .2) at T = 2: (√.8, √.2) / (√.8 + √.2) = (2, 1)/3, as √.8 = 2·√.2.
        float[][] scaled = TemperatureScaling.apply(new float[][] {{.8f, .2f}}, 2);
        assertArrayEquals(new float[] {2 / 3f, 1 / 3f}, scaled[0], 1e-6f);
        // NLL of label 0 there: −ln(2/3).
        assertEquals(-Math.log(2 / 3.0),
                TemperatureScaling.negativeLogLikelihood(new int[] {0}, new float[][] {{.8f, .2f}}, 2), 1e-6);
        // T = 1 leaves probabilities as they are; a small T sharpens without underflow trouble.
        float[][] p = {{.5f, .3f, .2f}, {.1f, .1f, .8f}};
        assertArrayEquals(p[0], TemperatureScaling.apply(p, 1)[0], 1e-6f);
        float[] sharp = TemperatureScaling.apply(p, 0.05)[0];
        assertEquals(1, sharp[0], 1e-4);
        // Exact zeros stay (nearly) zero at usual temperatures.
        assertEquals(0, TemperatureScaling.apply(new float[][] {{1f, 0f}}, 3)[0][1], 1e-12);
    }

    @Test
    void perfectlySeparatedDataEndsAtTheSmallestTemperature() {
        // Every row right: sharper is always better, so the search stops at the bound.
        int[] labels = {0, 1, 2, 0};
        float[][] p = {{.6f, .2f, .2f}, {.2f, .6f, .2f}, {.1f, .1f, .8f}, {.5f, .25f, .25f}};
        assertEquals(TemperatureScaling.MIN_TEMPERATURE, TemperatureScaling.fit(labels, p), 1e-6);
    }

    @Test
    void rejectsWhatItCannotScale() {
        float[][] p = {{.5f, .5f}};
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.apply(p, 0));
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.apply(p, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.fit(new int[] {2}, p));
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.fit(new int[] {0, 1}, p));
        assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.fit(new int[] {0}, new float[][] {{3f, -1f}})); // logits, not probabilities
        assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.fitLogits(new int[] {0}, new float[][] {{Float.NaN, 1f}}));
    }

    private static float[] softmax(float[] z, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, scale * v);
        }
        double[] e = new double[z.length];
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            e[j] = Math.exp(scale * z[j] - max);
            sum += e[j];
        }
        float[] p = new float[z.length];
        for (int j = 0; j < z.length; j++) {
            p[j] = (float) (e[j] / sum);
        }
        return p;
    }

    /** {@code p^k} renormalised per row: the softmax of k times the logits. */
    private static float[][] power(float[][] p, double k) {
        float[][] out = new float[p.length][];
        for (int i = 0; i < p.length; i++) {
            double sum = 0;
            double[] raised = new double[p[i].length];
            for (int j = 0; j < raised.length; j++) {
                raised[j] = Math.pow(p[i][j], k);
                sum += raised[j];
            }
            out[i] = new float[raised.length];
            for (int j = 0; j < raised.length; j++) {
                out[i][j] = (float) (raised[j] / sum);
            }
        }
        return out;
    }
}
