package org.deepfer.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.deepfer.evaluate.Evaluation.CalibrationBin;
import org.deepfer.evaluate.Evaluation.ClassMetrics;
import org.deepfer.evaluate.Evaluation.RocCurve;
import org.deepfer.tables.Labels;
import org.junit.jupiter.api.Test;

class EvaluationTest {
    /** Float probabilities make the sums and confidences differ from the decimals by about 1e-7. */
    private static final double EPS = 1e-6;

    private static final List<String> NAMES = List.of("angry", "happy", "neutral");

    /**
     * Three classes, eight rows, chosen to have ties within every class's scores and a tie at the
     * edge of the top 2. Row: true label; (p0, p1, p2) → argmax.
     *
     * <pre>
     * 1: 0; (.7 .2 .1) → 0 ✓   top-2 ✓
     * 2: 0; (.5 .4 .1) → 0 ✓   top-2 ✓
     * 3: 0; (.2 .5 .3) → 1 ✗   top-2 ✗ (0.2 is third)
     * 4: 1; (.2 .6 .2) → 1 ✓   top-2 ✓
     * 5: 1; (.5 .4 .1) → 0 ✗   top-2 ✓
     * 6: 1; (.1 .3 .6) → 2 ✗   top-2 ✓
     * 7: 2; (.2 .2 .6) → 2 ✓   top-2 ✓
     * 8: 2; (.4 .3 .3) → 0 ✗   top-2 ✗ (class 1 ties with 2 at .3 and comes first, as in argmax)
     * </pre>
     */
    private static final int[] LABELS = {0, 0, 0, 1, 1, 1, 2, 2};

    private static final float[][] PROBABILITIES = {
        {.7f, .2f, .1f}, {.5f, .4f, .1f}, {.2f, .5f, .3f},
        {.2f, .6f, .2f}, {.5f, .4f, .1f}, {.1f, .3f, .6f},
        {.2f, .2f, .6f}, {.4f, .3f, .3f},
    };

    private static Evaluation handCase() {
        return Evaluation.of(LABELS, PROBABILITIES, NAMES);
    }

    @Test
    void accuracyAndTop2() {
        Evaluation e = handCase();
        assertEquals(8, e.samples());
        assertEquals(4 / 8.0, e.accuracy(), EPS); // rows 1, 2, 4, 7
        assertEquals(6 / 8.0, e.top2Accuracy(), EPS); // all but rows 3 and 8
    }

    @Test
    void confusionMatrixCountsAndRowShares() {
        // true 0 → predicted 0, 0, 1; true 1 → 1, 0, 2; true 2 → 2, 0.
        Evaluation e = handCase();
        assertEquals(List.of(List.of(2, 1, 0), List.of(1, 1, 1), List.of(1, 0, 1)), e.confusionMatrix());
        assertEquals(1, e.confusionCount(1, 2));
        List<List<Double>> shares = e.normalisedConfusionMatrix();
        assertRow(new double[] {2 / 3.0, 1 / 3.0, 0}, shares.get(0));
        assertRow(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, shares.get(1));
        assertRow(new double[] {0.5, 0, 0.5}, shares.get(2));
    }

    @Test
    void perClassPrecisionRecallF1AndAverages() {
        // Predicted per class (column sums): 4, 2, 2; support (row sums): 3, 3, 2.
        // precision: 2/4, 1/2, 1/2;  recall: 2/3, 1/3, 1/2
        // F1: 2·.5·(2/3)/(.5 + 2/3) = 4/7;  2·.5·(1/3)/(.5 + 1/3) = 2/5;  .5
        Evaluation e = handCase();
        ClassMetrics angry = e.perClass().get(0);
        ClassMetrics happy = e.perClass().get(1);
        ClassMetrics neutral = e.perClass().get(2);
        assertEquals("angry", angry.name());
        assertEquals(3, angry.support());
        assertEquals(3, happy.support());
        assertEquals(2, neutral.support());
        assertEquals(0.5, angry.precision(), EPS);
        assertEquals(0.5, happy.precision(), EPS);
        assertEquals(0.5, neutral.precision(), EPS);
        assertEquals(2 / 3.0, angry.recall(), EPS);
        assertEquals(1 / 3.0, happy.recall(), EPS);
        assertEquals(0.5, neutral.recall(), EPS);
        assertEquals(4 / 7.0, angry.f1(), EPS);
        assertEquals(2 / 5.0, happy.f1(), EPS);
        assertEquals(0.5, neutral.f1(), EPS);

        // macro: P = .5, R = (2/3 + 1/3 + 1/2)/3 = .5, F1 = (4/7 + 2/5 + 1/2)/3 = 103/210
        assertEquals(0.5, e.macroAverage().precision(), EPS);
        assertEquals(0.5, e.macroAverage().recall(), EPS);
        assertEquals(103 / 210.0, e.macroAverage().f1(), EPS);
        // weighted by support 3, 3, 2 of 8: P = .5, R = accuracy = .5,
        // F1 = (3·4/7 + 3·2/5 + 2·1/2)/8 = (137/35)/8 = 137/280
        assertEquals(0.5, e.weightedAverage().precision(), EPS);
        assertEquals(0.5, e.weightedAverage().recall(), EPS);
        assertEquals(137 / 280.0, e.weightedAverage().f1(), EPS);
    }

    @Test
    void rocAucCountsTiedPairsAsHalf() {
        // Class 0: positives .7 .5 .2, negatives (rows 4-8) .2 .5 .1 .2 .4; 15 pairs.
        //   .7 beats all 5 → 5;  .5 beats 4, ties .5 → 4.5;  .2 beats .1, ties .2 twice → 2.  11.5/15
        // Class 1: positives .6 .4 .3, negatives (rows 1-3, 7, 8) .2 .4 .5 .2 .3.
        //   .6 → 5;  .4 beats .2 .2 .3, ties .4 → 3.5;  .3 beats .2 .2, ties .3 → 2.5.  11/15
        // Class 2: positives .6 .3, negatives (rows 1-6) .1 .1 .3 .2 .1 .6; 12 pairs.
        //   .6 beats 5, ties .6 → 5.5;  .3 beats .1 .1 .2 .1, ties .3 → 4.5.  10/12
        Evaluation e = handCase();
        assertEquals(11.5 / 15, e.perClass().get(0).rocAuc(), EPS);
        assertEquals(11.0 / 15, e.perClass().get(1).rocAuc(), EPS);
        assertEquals(10.0 / 12, e.perClass().get(2).rocAuc(), EPS);
        // (23/30 + 22/30 + 25/30)/3 = 7/9
        assertEquals(7 / 9.0, e.macroRocAuc(), EPS);
    }

    @Test
    void averagePrecisionIsTheStepwiseSumOverThresholds() {
        // AP = Σ (R_n − R_{n−1}) · P_n over distinct scores, descending; (tp, fp) at each threshold.
        // Class 0 (3 positives): ≥.7 (1,0) P=1 R=1/3 → 1/3;  ≥.5 (2,1) P=2/3 R=2/3 → 2/9;
        //   ≥.4 (2,2) ΔR=0;  ≥.2 (3,4) P=3/7 R=1 → 1/7;  ≥.1 ΔR=0.   AP = 44/63
        // Class 1 (3 positives): ≥.6 (1,0) → 1/3;  ≥.5 (1,1) ΔR=0;  ≥.4 (2,2) P=1/2 → 1/6;
        //   ≥.3 (3,3) P=1/2 → 1/6;  ≥.2 ΔR=0.   AP = 2/3
        // Class 2 (2 positives): ≥.6 (1,1) P=1/2 R=1/2 → 1/4;  ≥.3 (2,2) P=1/2 R=1 → 1/4.   AP = 1/2
        Evaluation e = handCase();
        assertEquals(44 / 63.0, e.perClass().get(0).averagePrecision(), EPS);
        assertEquals(2 / 3.0, e.perClass().get(1).averagePrecision(), EPS);
        assertEquals(0.5, e.perClass().get(2).averagePrecision(), EPS);
        assertEquals((44 / 63.0 + 2 / 3.0 + 0.5) / 3, e.macroAveragePrecision(), EPS);
    }

    @Test
    void rocCurvesHaveOnePointPerThresholdWithoutCollinearOnes() {
        Evaluation e = handCase();
        // Class 0, (fp, tp) of 5 negatives and 3 positives: (0,0) (0,1) (1,2) (2,2) (4,3) (5,3), no three in line.
        RocCurve angry = e.rocCurves().get(0);
        assertEquals("angry", angry.className());
        assertRow(new double[] {0, 0, 0.2, 0.4, 0.8, 1}, angry.falsePositiveRates());
        assertRow(new double[] {0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1}, angry.truePositiveRates());
        // Class 2, of 6 negatives and 2 positives: (0,0) (1,1) (2,2) (3,2) (6,2); (1,1) lies on the
        // diagonal from (0,0) to (2,2) and (3,2) on the top edge, so both go.
        RocCurve neutral = e.rocCurves().get(2);
        assertRow(new double[] {0, 1 / 3.0, 1}, neutral.falsePositiveRates());
        assertRow(new double[] {0, 1, 1}, neutral.truePositiveRates());
        // The trapezoidal area under each curve is its AUC.
        for (int c = 0; c < 3; c++) {
            assertEquals(e.perClass().get(c).rocAuc(), trapezoid(e.rocCurves().get(c)), EPS);
        }
    }

    @Test
    void negativeLogLikelihoodIsTheMeanOfMinusLogTrueProbability() {
        // −(ln .7 + ln .5 + ln .2 + ln .6 + ln .4 + ln .3 + ln .6 + ln .3)/8 = −ln(0.0009072)/8 ≈ 0.875643
        assertEquals(-Math.log(0.0009072) / 8, handCase().negativeLogLikelihood(), EPS);
    }

    @Test
    void calibrationBinsEceAndMce() {
        // Top-1 confidences and hits: .7 ✓, .5 ✓, .5 ✗, .6 ✓, .5 ✗, .6 ✗, .6 ✓, .4 ✗.
        // 15 bins (b/15, (b+1)/15]: .4 → bin 5 (ends at .4), .5 → bin 7, .6 → bin 8 (ends at .6), .7 → bin 10.
        // bin 5: n=1, acc 0,   conf .4 → gap .4
        // bin 7: n=3, acc 1/3, conf .5 → gap 1/6
        // bin 8: n=3, acc 2/3, conf .6 → gap 1/15
        // bin 10: n=1, acc 1,  conf .7 → gap .3
        // ECE = (1·.4 + 3·1/6 + 3·1/15 + 1·.3)/8 = 1.4/8 = .175;  MCE = .4
        Evaluation.Calibration calibration = handCase().calibration();
        assertEquals(15, calibration.bins().size());
        assertEquals(0.175, calibration.expectedCalibrationError(), EPS);
        assertEquals(0.4, calibration.maximumCalibrationError(), EPS);
        int[] counts = new int[15];
        counts[5] = 1;
        counts[7] = 3;
        counts[8] = 3;
        counts[10] = 1;
        for (int b = 0; b < 15; b++) {
            CalibrationBin bin = calibration.bins().get(b);
            assertEquals(counts[b], bin.count(), "bin " + b);
            assertEquals(b / 15.0, bin.lower(), 1e-12);
            assertEquals((b + 1) / 15.0, bin.upper(), 1e-12);
            assertEquals(counts[b] == 0, Double.isNaN(bin.accuracy()), "bin " + b);
        }
        assertEquals(1 / 3.0, calibration.bins().get(7).accuracy(), EPS);
        assertEquals(0.5, calibration.bins().get(7).confidence(), EPS);
        assertEquals(2 / 3.0, calibration.bins().get(8).accuracy(), EPS);
        assertEquals(0.6, calibration.bins().get(8).confidence(), EPS);
    }

    @Test
    void binBoundsFollowTheDecimalTheFloatStandsFor() {
        assertEquals(0, Evaluation.bin(0f, 15));
        assertEquals(0, Evaluation.bin(1 / 15f, 15));
        assertEquals(1, Evaluation.bin(Math.nextUp(1 / 15f), 15));
        assertEquals(8, Evaluation.bin(0.6f, 15)); // (8/15, 9/15 = .6]
        assertEquals(9, Evaluation.bin(0.61f, 15));
        assertEquals(14, Evaluation.bin(1f, 15));
        assertEquals(4, Evaluation.bin(0.5f, 10)); // (.4, .5]
    }

    @Test
    void classificationReportMatchesScikitLearnLayout() {
        // scikit-learn's format strings, filled in with the numbers above:
        // "{:>12s} " + " {:>9}" * 4 for the header, "{:>12s} " + " {:>9.4f}" * 3 + " {:>9}" for rows.
        String expected = ""
                + "              precision    recall  f1-score   support\n"
                + "\n"
                + "       angry     0.5000    0.6667    0.5714         3\n"
                + "       happy     0.5000    0.3333    0.4000         3\n"
                + "     neutral     0.5000    0.5000    0.5000         2\n"
                + "\n"
                + "    accuracy                         0.5000         8\n"
                + "   macro avg     0.5000    0.5000    0.4905         8\n"
                + "weighted avg     0.5000    0.5000    0.4893         8\n";
        assertEquals(expected, handCase().classificationReport());
    }

    @Test
    void reportWidensForLongClassNames() {
        List<String> names = List.of("a-very-long-class-name", "b");
        Evaluation e = Evaluation.of(new int[] {0, 1}, new float[][] {{.9f, .1f}, {.2f, .8f}}, names);
        String[] lines = e.classificationReport().split("\n");
        assertEquals("a-very-long-class-name     1.0000    1.0000    1.0000         1", lines[2]);
        assertEquals("                     b     1.0000    1.0000    1.0000         1", lines[3]);
    }

    @Test
    void perfectClassifierScoresOneEverywhereAndIsNearlyCalibrated() {
        int n = 70;
        int[] labels = new int[n];
        float[][] p = new float[n][];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 7;
            p[i] = new float[7];
            java.util.Arrays.fill(p[i], 0.005f);
            p[i][labels[i]] = 0.97f;
        }
        Evaluation e = Evaluation.of(labels, p, Labels.NAMES);
        assertEquals(Labels.NAMES, e.classNames());
        assertEquals(1, e.accuracy(), EPS);
        assertEquals(1, e.top2Accuracy(), EPS);
        assertEquals(1, e.macroRocAuc(), EPS);
        assertEquals(1, e.macroAveragePrecision(), EPS);
        assertEquals(1, e.macroAverage().f1(), EPS);
        assertEquals(1, e.weightedAverage().f1(), EPS);
        for (ClassMetrics c : e.perClass()) {
            assertEquals(10, c.support());
            assertEquals(1, c.rocAuc(), EPS);
            assertEquals(1, c.precision(), EPS);
            assertEquals(1, c.recall(), EPS);
        }
        for (int t = 0; t < 7; t++) {
            for (int q = 0; q < 7; q++) {
                assertEquals(t == q ? 10 : 0, e.confusionCount(t, q));
            }
        }
        // Every row is right at confidence .97: ECE = MCE = .03.
        assertEquals(0.03, e.calibration().expectedCalibrationError(), EPS);
        assertEquals(0.03, e.calibration().maximumCalibrationError(), EPS);
        assertEquals(-Math.log(0.97), e.negativeLogLikelihood(), EPS);
        // The ROC curve goes straight up then across.
        assertRow(new double[] {0, 0, 1}, e.rocCurves().get(0).falsePositiveRates());
        assertRow(new double[] {0, 1, 1}, e.rocCurves().get(0).truePositiveRates());
    }

    @Test
    void classWithoutSupportHasZeroScoresAndNoAuc() {
        // Class 2 never occurs; row 3 is predicted as it.  true 0 → 0, 0;  true 1 → 1, 2.
        int[] labels = {0, 0, 1, 1};
        float[][] p = {{.8f, .1f, .1f}, {.6f, .3f, .1f}, {.2f, .7f, .1f}, {.1f, .3f, .6f}};
        Evaluation e = Evaluation.of(labels, p, NAMES);
        ClassMetrics absent = e.perClass().get(2);
        assertEquals(0, absent.support());
        assertEquals(0, absent.precision());
        assertEquals(0, absent.recall());
        assertEquals(0, absent.f1());
        assertTrue(Double.isNaN(absent.rocAuc()));
        assertTrue(Double.isNaN(absent.averagePrecision()));
        assertTrue(e.rocCurves().get(2).falsePositiveRates().isEmpty());
        assertEquals(List.of(0.0, 0.0, 0.0), e.normalisedConfusionMatrix().get(2));
        // Class 0: positives .8 .6 beat negatives .2 .1 → AUC 1.
        // Class 1: positives .7 .3, negatives .1 .3: .7 beats both → 2; .3 beats .1, ties .3 → 1.5; 3.5/4.
        assertEquals(1, e.perClass().get(0).rocAuc(), EPS);
        assertEquals(3.5 / 4, e.perClass().get(1).rocAuc(), EPS);
        assertEquals((1 + 3.5 / 4) / 2, e.macroRocAuc(), EPS); // class 2 left out, not counted as 0 or 0.5
        // Class 2 was predicted, so it is in macro-F1 (as in scikit-learn): F1 1, 2/3, 0.
        // class 0: P 2/2 R 2/2 → 1; class 1: P 1/1 R 1/2 → 2/3.
        assertEquals((1 + 2 / 3.0 + 0) / 3, e.macroAverage().f1(), EPS);
        // Weighted by support 2, 2, 0.
        assertEquals((1 + 2 / 3.0) / 2, e.weightedAverage().f1(), EPS);
    }

    @Test
    void classNeitherPresentNorPredictedIsLeftOutOfMacroAverages() {
        int[] labels = {0, 1};
        float[][] p = {{.8f, .1f, .1f}, {.2f, .7f, .1f}};
        Evaluation e = Evaluation.of(labels, p, NAMES);
        assertEquals(1, e.macroAverage().f1(), EPS);
        assertEquals(1, e.macroAverage().precision(), EPS);
        assertEquals(1, e.macroRocAuc(), EPS);
    }

    @Test
    void singleClassLabelsLeaveEveryAucUndefined() {
        // Class 0 has no negatives, the others no positives.
        int[] labels = {0, 0};
        float[][] p = {{.8f, .1f, .1f}, {.5f, .3f, .2f}};
        Evaluation e = Evaluation.of(labels, p, NAMES);
        assertTrue(Double.isNaN(e.macroRocAuc()));
        assertTrue(Double.isNaN(e.perClass().get(0).rocAuc()));
        assertEquals(1, e.perClass().get(0).averagePrecision(), EPS); // every prediction is a true positive
        assertEquals(1, e.macroAveragePrecision(), EPS);
    }

    @Test
    void writesReadableJsonAndReadsItBack() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Evaluation e = Evaluation.of(new int[] {0, 0}, new float[][] {{.8f, .1f, .1f}, {.5f, .3f, .2f}}, NAMES);
        String text = json.writeValueAsString(e);
        for (String field : List.of("\"classNames\"", "\"accuracy\"", "\"top2Accuracy\"", "\"negativeLogLikelihood\"",
                "\"perClass\"", "\"precision\"", "\"recall\"", "\"f1\"", "\"support\"", "\"rocAuc\"",
                "\"averagePrecision\"", "\"macroAverage\"", "\"weightedAverage\"", "\"macroRocAuc\"",
                "\"confusionMatrix\"", "\"normalisedConfusionMatrix\"", "\"expectedCalibrationError\"",
                "\"maximumCalibrationError\"", "\"bins\"", "\"falsePositiveRates\"")) {
            assertTrue(text.contains(field), field + " missing from " + text);
        }
        assertFalse(text.contains("classificationReport"), text);
        assertEquals(e, json.readValue(text, Evaluation.class));

        Evaluation hand = handCase();
        assertEquals(hand, json.readValue(json.writeValueAsString(hand), Evaluation.class));
    }

    @Test
    void resultCannotBeChanged() {
        Evaluation e = handCase();
        assertThrows(UnsupportedOperationException.class, () -> e.confusionMatrix().get(0).set(0, 99));
        assertThrows(UnsupportedOperationException.class, () -> e.perClass().clear());
        assertThrows(UnsupportedOperationException.class, () -> e.rocCurves().get(0).truePositiveRates().clear());
    }

    @Test
    void rejectsInputThatIsNotWhatThePredictionsTableHolds() {
        float[][] two = {{.5f, .5f, 0f}, {.2f, .3f, .5f}};
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(new int[] {0}, two, NAMES));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(new int[] {0, 3}, two, NAMES));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(new int[] {}, new float[][] {}, NAMES));
        assertThrows(IllegalArgumentException.class,
                () -> Evaluation.of(new int[] {0, 1}, new float[][] {{.5f, .5f}, {.2f, .8f}}, NAMES));
        IllegalArgumentException logits = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.of(new int[] {0, 1}, new float[][] {{2f, -1f, 0.5f}, {.2f, .3f, .5f}}, NAMES));
        assertTrue(logits.getMessage().contains("row 0"), logits.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Evaluation.of(new int[] {0}, new float[][] {{Float.NaN, .5f, .5f}}, NAMES));
        assertThrows(IllegalArgumentException.class,
                () -> Evaluation.of(new int[] {0}, new float[][] {{1f}}, List.of("only")));
    }

    private static void assertRow(double[] expected, List<Double> actual) {
        assertEquals(expected.length, actual.size(), "length of " + actual);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i), EPS, "index " + i + " of " + actual);
        }
    }

    private static double trapezoid(RocCurve curve) {
        List<Double> x = curve.falsePositiveRates();
        List<Double> y = curve.truePositiveRates();
        double area = 0;
        for (int i = 1; i < x.size(); i++) {
            area += (x.get(i) - x.get(i - 1)) * (y.get(i) + y.get(i - 1)) / 2;
        }
        return area;
    }
}
