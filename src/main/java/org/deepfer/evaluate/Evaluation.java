package org.deepfer.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.deepfer.train.ClassificationMetrics;

/**
 * Everything the evaluate job reports about a model's predictions on one split, computed from what
 * the {@code predictions} table holds per row: the true label and the probability vector (the
 * prediction is its argmax). A plain immutable value, so that it can be written to JSON with
 * Jackson as it is (the field names below are the JSON keys), read back, and drawn by
 * {@link EvaluationPlots}.
 *
 * <p>Conventions, chosen to agree with scikit-learn (and, for macro-F1, with the training loop's
 * {@code ClassificationMetrics}) so that numbers can be compared with the literature:
 *
 * <ul>
 *   <li>The prediction is the first index of the largest probability, as numpy's and torch's
 *       {@code argmax}; top-2 uses the same tie order (a class tied with the true one counts as
 *       above it when its index is smaller), so top-1 hits are always top-2 hits.
 *   <li>Precision of a class that is never predicted, and recall of a class with no support, are 0,
 *       as is F1 when precision and recall are both 0 (scikit-learn's {@code zero_division=0}); a
 *       metric that is undefined must not look good.
 *   <li>Macro averages are unweighted means over the classes that occur in the labels or the
 *       predictions (scikit-learn's default label set): a class absent from both says nothing about
 *       the model. Weighted averages weight each class by its support, so absent classes weigh 0.
 *   <li>ROC-AUC and average precision are one-vs-rest on the class's probability column. A class
 *       without positives (no support) or without negatives has no ROC curve, so its AUC and
 *       average precision are NaN (its ROC curve is empty), and the macro AUC and macro average
 *       precision are the means over the classes where they are defined (NaN when none is).
 *   <li>Calibration uses equal-width bins over the top-1 confidence, each bin holding
 *       {@code (lower, upper]} (the first also holds 0), as Guo et al. (2017) do; the bounds are
 *       compared at float precision, so a stored {@code 0.6f} falls in the bin that ends at 0.6.
 * </ul>
 *
 * @param classNames the class of each probability index
 * @param samples the number of rows evaluated
 * @param accuracy share of rows whose argmax is the true label
 * @param top2Accuracy share of rows whose true label is among the two most probable classes
 * @param negativeLogLikelihood mean of {@code -ln p(true label)}; probabilities below
 *     {@link Float#MIN_NORMAL} (a float softmax that underflowed) count as that, so one underflow
 *     does not make the mean infinite
 * @param perClass one entry per class, in class order
 * @param macroAverage unweighted mean over the classes present in labels or predictions
 * @param weightedAverage mean weighted by support
 * @param macroRocAuc mean one-vs-rest ROC-AUC over the classes where it is defined
 * @param macroAveragePrecision mean average precision over the classes where it is defined
 * @param confusionMatrix counts, row = true class, column = predicted class
 * @param normalisedConfusionMatrix each row divided by its support (the recall of each prediction),
 *     all zeros for a class without support
 * @param calibration the reliability-diagram bins and the calibration errors
 * @param rocCurves one curve per class, in class order, for plotting
 */
public record Evaluation(
        List<String> classNames,
        int samples,
        double accuracy,
        double top2Accuracy,
        double negativeLogLikelihood,
        List<ClassMetrics> perClass,
        Average macroAverage,
        Average weightedAverage,
        double macroRocAuc,
        double macroAveragePrecision,
        List<List<Integer>> confusionMatrix,
        List<List<Double>> normalisedConfusionMatrix,
        Calibration calibration,
        List<RocCurve> rocCurves) {

    /** The number of confidence bins of the calibration figures, as in Guo et al. (2017). */
    public static final int CALIBRATION_BINS = 15;

    /**
     * Probabilities are clamped to at least this before taking logarithms: a float softmax
     * underflows to exactly 0 only when the true value is below about this, so the clamp changes
     * the loss of such a row by little while keeping it finite.
     */
    static final double MIN_PROBABILITY = Float.MIN_NORMAL;

    /** Sums further than this from 1 mean the caller passed logits or scores, not probabilities. */
    private static final double SUM_TOLERANCE = 1e-3;

    /**
     * Metrics of one class.
     *
     * @param name the class name
     * @param support rows whose true label is this class
     * @param precision share of rows predicted as this class that are this class; 0 if none is
     *     predicted as it
     * @param recall share of this class's rows predicted as it; 0 without support
     * @param f1 harmonic mean of precision and recall; 0 when both are 0
     * @param rocAuc one-vs-rest ROC-AUC; NaN without support or without negatives
     * @param averagePrecision one-vs-rest average precision (area under the step-wise
     *     precision-recall curve); NaN without support
     */
    public record ClassMetrics(
            String name, int support, double precision, double recall, double f1, double rocAuc,
            double averagePrecision) {}

    /** Precision, recall and F1 averaged over classes (macro or support-weighted). */
    public record Average(double precision, double recall, double f1) {}

    /**
     * One confidence bin of the reliability diagram.
     *
     * @param lower the bin's lower confidence bound (exclusive, except 0 for the first bin)
     * @param upper the bin's upper confidence bound (inclusive)
     * @param count rows whose top-1 confidence falls in the bin
     * @param accuracy share of those rows predicted correctly; NaN when the bin is empty
     * @param confidence mean top-1 confidence of those rows; NaN when the bin is empty
     */
    public record CalibrationBin(double lower, double upper, int count, double accuracy, double confidence) {}

    /**
     * How far confidence is from accuracy.
     *
     * @param expectedCalibrationError ECE: {@code Σ_b |acc(b) − conf(b)| · n_b / N}
     * @param maximumCalibrationError MCE: the largest {@code |acc(b) − conf(b)|} over non-empty bins
     * @param bins the equal-width bins from 0 to 1, empty ones included so that positions are fixed
     */
    public record Calibration(
            double expectedCalibrationError, double maximumCalibrationError, List<CalibrationBin> bins) {
        public Calibration {
            bins = List.copyOf(bins);
        }
    }

    /**
     * A one-vs-rest ROC curve from (0, 0) to (1, 1), one point per distinct score threshold, with
     * points that lie on a straight line between their neighbours left out (they add nothing to a
     * plot or to the area). Empty when the class has no positives or no negatives.
     */
    public record RocCurve(String className, List<Double> falsePositiveRates, List<Double> truePositiveRates) {
        public RocCurve {
            falsePositiveRates = List.copyOf(falsePositiveRates);
            truePositiveRates = List.copyOf(truePositiveRates);
            if (falsePositiveRates.size() != truePositiveRates.size()) {
                throw new IllegalArgumentException("ROC curve of '" + className + "' has "
                        + falsePositiveRates.size() + " false positive rates but " + truePositiveRates.size()
                        + " true positive rates");
            }
        }
    }

    /** Copies every list, so that the value cannot change after it is built (also when Jackson builds it). */
    public Evaluation {
        classNames = List.copyOf(classNames);
        perClass = List.copyOf(perClass);
        confusionMatrix = confusionMatrix.stream().map(List::copyOf).toList();
        normalisedConfusionMatrix = normalisedConfusionMatrix.stream().map(List::copyOf).toList();
        rocCurves = List.copyOf(rocCurves);
    }

    /** As {@link #of(int[], float[][], List, int)} with {@value #CALIBRATION_BINS} calibration bins. */
    public static Evaluation of(int[] labels, float[][] probabilities, List<String> classNames) {
        return of(labels, probabilities, classNames, CALIBRATION_BINS);
    }

    /**
     * Evaluates probability predictions against true labels.
     *
     * @param labels the true class of each row, in {@code 0 .. classNames.size() - 1}
     * @param probabilities one vector per row, as long as {@code classNames}, non-negative and summing
     *     to 1 (within {@value #SUM_TOLERANCE}, which catches logits passed by mistake)
     * @param classNames the name of each class index; at least two, as one-vs-rest needs a rest
     * @param calibrationBins how many equal-width confidence bins the calibration figures use
     * @throws IllegalArgumentException naming the first row or argument that does not fit
     */
    public static Evaluation of(int[] labels, float[][] probabilities, List<String> classNames, int calibrationBins) {
        validate(labels, probabilities, classNames, calibrationBins);
        int n = labels.length;
        int k = classNames.size();

        int[] predicted = new int[n];
        long[][] confusion = new long[k][k];
        int top2 = 0;
        double nll = 0;
        for (int i = 0; i < n; i++) {
            float[] p = probabilities[i];
            int y = labels[i];
            predicted[i] = argmax(p);
            confusion[y][predicted[i]]++;
            // Classes ranked above the true one: higher probability, or equal and earlier (argmax order).
            int above = 0;
            for (int j = 0; j < k; j++) {
                if (p[j] > p[y] || (p[j] == p[y] && j < y)) {
                    above++;
                }
            }
            top2 += above < 2 ? 1 : 0;
            nll -= Math.log(Math.max(p[y], MIN_PROBABILITY));
        }

        // Precision, recall and F1 as training reports them, so the two can never disagree.
        ClassificationMetrics base = ClassificationMetrics.of(confusion);
        double[] precision = base.precision();
        double[] recall = base.recall();
        double[] f1 = base.f1();
        List<ClassMetrics> perClass = new ArrayList<>(k);
        List<RocCurve> curves = new ArrayList<>(k);
        int[] support = new int[k];
        int[] predictedCount = new int[k];
        double aucSum = 0;
        int aucClasses = 0;
        double apSum = 0;
        int apClasses = 0;
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < k; j++) {
                support[c] += confusion[c][j];
                predictedCount[c] += confusion[j][c];
            }
            OneVsRest ovr = OneVsRest.of(labels, probabilities, c, classNames.get(c));
            curves.add(ovr.curve());
            if (!Double.isNaN(ovr.auc())) {
                aucSum += ovr.auc();
                aucClasses++;
            }
            if (!Double.isNaN(ovr.averagePrecision())) {
                apSum += ovr.averagePrecision();
                apClasses++;
            }
            perClass.add(new ClassMetrics(classNames.get(c), support[c], precision[c], recall[c], f1[c], ovr.auc(),
                    ovr.averagePrecision()));
        }

        double[] macro = new double[3];
        double[] weighted = new double[3];
        int present = 0;
        for (int c = 0; c < k; c++) {
            if (support[c] + predictedCount[c] > 0) {
                macro[0] += precision[c];
                macro[1] += recall[c];
                macro[2] += f1[c];
                present++;
            }
            double weight = (double) support[c] / n;
            weighted[0] += weight * precision[c];
            weighted[1] += weight * recall[c];
            weighted[2] += weight * f1[c];
        }
        // present >= 1: every row has a label, so at least that class is present.
        Average macroAverage = new Average(macro[0] / present, macro[1] / present, macro[2] / present);
        Average weightedAverage = new Average(weighted[0], weighted[1], weighted[2]);

        List<List<Integer>> counts = new ArrayList<>(k);
        List<List<Double>> normalised = new ArrayList<>(k);
        for (int t = 0; t < k; t++) {
            List<Integer> row = new ArrayList<>(k);
            List<Double> share = new ArrayList<>(k);
            for (int p = 0; p < k; p++) {
                row.add((int) confusion[t][p]);
                share.add(support[t] == 0 ? 0.0 : (double) confusion[t][p] / support[t]);
            }
            counts.add(row);
            normalised.add(share);
        }

        return new Evaluation(classNames, n, base.accuracy(), (double) top2 / n, nll / n, perClass,
                macroAverage, weightedAverage, aucClasses == 0 ? Double.NaN : aucSum / aucClasses,
                apClasses == 0 ? Double.NaN : apSum / apClasses, counts, normalised,
                calibration(labels, probabilities, predicted, calibrationBins), curves);
    }

    /** The number of rows with true class {@code trueClass} predicted as {@code predictedClass}. */
    public int confusionCount(int trueClass, int predictedClass) {
        return confusionMatrix.get(trueClass).get(predictedClass);
    }

    /**
     * The metrics as scikit-learn's {@code classification_report(..., digits=4)} prints them: one
     * row per class, then accuracy, macro avg and weighted avg, so that a report can be compared
     * with published numbers line by line. All classes are listed, including those without support.
     */
    public String classificationReport() {
        final int digits = 4;
        String lastHeading = "weighted avg";
        int width = Math.max(lastHeading.length(), digits);
        for (String name : classNames) {
            width = Math.max(width, name.length());
        }
        String nameFormat = "%" + width + "s ";
        String rowFormat = nameFormat + " %9." + digits + "f %9." + digits + "f %9." + digits + "f %9d\n";
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, nameFormat + " %9s %9s %9s %9s\n\n", "", "precision", "recall",
                "f1-score", "support"));
        for (ClassMetrics c : perClass) {
            report.append(String.format(Locale.ROOT, rowFormat, c.name(), c.precision(), c.recall(), c.f1(),
                    c.support()));
        }
        report.append('\n');
        report.append(String.format(Locale.ROOT, nameFormat + " %9s %9s %9." + digits + "f %9d\n", "accuracy", "",
                "", accuracy, samples));
        report.append(String.format(Locale.ROOT, rowFormat, "macro avg", macroAverage.precision(),
                macroAverage.recall(), macroAverage.f1(), samples));
        report.append(String.format(Locale.ROOT, rowFormat, lastHeading, weightedAverage.precision(),
                weightedAverage.recall(), weightedAverage.f1(), samples));
        return report.toString();
    }

    private static void validate(int[] labels, float[][] probabilities, List<String> classNames, int bins) {
        if (labels == null || probabilities == null || classNames == null) {
            throw new IllegalArgumentException("evaluation needs labels, probabilities and class names");
        }
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("evaluation needs at least 2 classes, got " + classNames);
        }
        if (labels.length != probabilities.length) {
            throw new IllegalArgumentException("got " + labels.length + " labels but " + probabilities.length
                    + " probability vectors; they must pair up");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("evaluation needs at least one row");
        }
        if (bins < 1) {
            throw new IllegalArgumentException("calibration needs at least one bin, got " + bins);
        }
        int k = classNames.size();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("row " + i + ": label " + labels[i] + " is not a class index 0.."
                        + (k - 1));
            }
            float[] p = probabilities[i];
            if (p == null || p.length != k) {
                throw new IllegalArgumentException("row " + i + ": " + (p == null ? "no" : String.valueOf(p.length))
                        + " probabilities, expected " + k + " (one per class)");
            }
            double sum = 0;
            for (float v : p) {
                if (!(v >= 0) || !Float.isFinite(v)) {
                    throw new IllegalArgumentException("row " + i + ": probability " + v + " is not a number in 0..1"
                            + " (" + Arrays.toString(p) + ")");
                }
                sum += v;
            }
            if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                throw new IllegalArgumentException("row " + i + ": probabilities sum to " + sum
                        + ", not 1; pass softmax outputs, not logits (" + Arrays.toString(p) + ")");
            }
        }
    }

    /** The first index of the largest value, as numpy's and torch's argmax. */
    static int argmax(float[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return best;
    }

    private static Calibration calibration(int[] labels, float[][] probabilities, int[] predicted, int binCount) {
        int[] count = new int[binCount];
        int[] hits = new int[binCount];
        double[] confidenceSum = new double[binCount];
        for (int i = 0; i < labels.length; i++) {
            float confidence = probabilities[i][predicted[i]];
            int b = bin(confidence, binCount);
            count[b]++;
            hits[b] += predicted[i] == labels[i] ? 1 : 0;
            confidenceSum[b] += confidence;
        }
        List<CalibrationBin> bins = new ArrayList<>(binCount);
        double ece = 0;
        double mce = 0;
        for (int b = 0; b < binCount; b++) {
            double lower = (double) b / binCount;
            double upper = (double) (b + 1) / binCount;
            if (count[b] == 0) {
                bins.add(new CalibrationBin(lower, upper, 0, Double.NaN, Double.NaN));
                continue;
            }
            double accuracy = (double) hits[b] / count[b];
            double confidence = confidenceSum[b] / count[b];
            double gap = Math.abs(accuracy - confidence);
            ece += gap * count[b] / labels.length;
            mce = Math.max(mce, gap);
            bins.add(new CalibrationBin(lower, upper, count[b], accuracy, confidence));
        }
        return new Calibration(ece, mce, bins);
    }

    /**
     * The bin holding {@code confidence}: {@code (b/B, (b+1)/B]}, with 0 in the first bin. The bounds
     * are compared at float precision, as the probabilities are floats: {@code 0.6f} is a little above
     * 0.6 but is what a model writes for 0.6, so it belongs in the bin that ends at 0.6, as it does when
     * the bins are computed in float32 (Guo et al.'s code).
     */
    static int bin(float confidence, int binCount) {
        int b = Math.max(0, Math.min(binCount - 1, (int) Math.ceil((double) confidence * binCount) - 1));
        while (b > 0 && confidence <= (float) ((double) b / binCount)) {
            b--;
        }
        while (b < binCount - 1 && confidence > (float) ((double) (b + 1) / binCount)) {
            b++;
        }
        return b;
    }

    /**
     * The one-vs-rest figures of one class, from a single sweep over its scores in descending
     * order, one step per distinct score (tied rows enter together, so ties are never broken by
     * row order).
     *
     * <p>AUC is the Mann–Whitney rank statistic: the share of (positive, negative) pairs in which
     * the positive scores higher, a tie counting 1/2. Each tied group's negatives are outranked by
     * all positives of earlier groups and tie with the group's own positives. This equals the
     * trapezoidal area under the ROC curve (ties become diagonal segments).
     *
     * <p>Average precision is scikit-learn's {@code average_precision_score}: {@code Σ (R_n −
     * R_{n−1}) · P_n} over the thresholds, the step-wise area under the precision-recall curve
     * without the optimistic interpolation of the trapezoidal rule.
     */
    private record OneVsRest(double auc, double averagePrecision, RocCurve curve) {
        static OneVsRest of(int[] labels, float[][] probabilities, int c, String name) {
            int n = labels.length;
            Integer[] order = new Integer[n];
            int positives = 0;
            for (int i = 0; i < n; i++) {
                order[i] = i;
                positives += labels[i] == c ? 1 : 0;
            }
            int negatives = n - positives;
            if (positives == 0) {
                return new OneVsRest(Double.NaN, Double.NaN, new RocCurve(name, List.of(), List.of()));
            }
            Arrays.sort(order, (a, b) -> Float.compare(probabilities[b][c], probabilities[a][c]));

            List<long[]> points = new ArrayList<>(); // (false positives, true positives) per threshold
            points.add(new long[] {0, 0});
            long tp = 0;
            long fp = 0;
            double correctlyOrderedPairs = 0;
            double averagePrecision = 0;
            int i = 0;
            while (i < n) {
                float score = probabilities[order[i]][c];
                long groupTp = 0;
                long groupFp = 0;
                while (i < n && probabilities[order[i]][c] == score) {
                    if (labels[order[i]] == c) {
                        groupTp++;
                    } else {
                        groupFp++;
                    }
                    i++;
                }
                correctlyOrderedPairs += groupFp * (tp + groupTp / 2.0);
                tp += groupTp;
                fp += groupFp;
                averagePrecision += (double) groupTp / positives * tp / (tp + fp);
                points.add(new long[] {fp, tp});
            }
            if (negatives == 0) {
                return new OneVsRest(Double.NaN, averagePrecision, new RocCurve(name, List.of(), List.of()));
            }
            double auc = correctlyOrderedPairs / ((double) positives * negatives);
            return new OneVsRest(auc, averagePrecision, curve(name, points, positives, negatives));
        }

        /** The points as rates, without those collinear with both neighbours (exact on the counts). */
        private static RocCurve curve(String name, List<long[]> points, int positives, int negatives) {
            List<Double> fpr = new ArrayList<>();
            List<Double> tpr = new ArrayList<>();
            long[] previous = null;
            for (int j = 0; j < points.size(); j++) {
                long[] p = points.get(j);
                if (previous != null && j + 1 < points.size()) {
                    long[] next = points.get(j + 1);
                    long cross = (p[0] - previous[0]) * (next[1] - previous[1])
                            - (next[0] - previous[0]) * (p[1] - previous[1]);
                    if (cross == 0) {
                        continue; // on the segment from the last kept point to the next one
                    }
                }
                fpr.add((double) p[0] / negatives);
                tpr.add((double) p[1] / positives);
                previous = p;
            }
            return new RocCurve(name, Collections.unmodifiableList(fpr), Collections.unmodifiableList(tpr));
        }
    }
}
