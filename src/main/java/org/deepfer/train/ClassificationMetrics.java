package org.deepfer.train;

/**
 * Accuracy, macro-F1 and per-class precision/recall/F1 from a confusion matrix
 * ({@code matrix[true][predicted]}).
 */
public record ClassificationMetrics(long[][] confusion, double accuracy, double macroF1, double[] precision,
        double[] recall, double[] f1) {

    /** Metrics of predictions against labels over {@code classes} classes. */
    public static ClassificationMetrics of(int[] labels, int[] predicted, int classes) {
        long[][] m = new long[classes][classes];
        for (int i = 0; i < labels.length; i++) {
            m[labels[i]][predicted[i]]++;
        }
        return of(m);
    }

    /** Metrics of a confusion matrix. Classes absent from both labels and predictions are left out of macro-F1. */
    public static ClassificationMetrics of(long[][] m) {
        int k = m.length;
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        long correct = 0;
        long total = 0;
        double f1Sum = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            long tp = m[c][c];
            long actual = 0;
            long predicted = 0;
            for (int j = 0; j < k; j++) {
                actual += m[c][j];
                predicted += m[j][c];
            }
            correct += tp;
            total += actual;
            precision[c] = predicted == 0 ? 0 : (double) tp / predicted;
            recall[c] = actual == 0 ? 0 : (double) tp / actual;
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
            if (actual + predicted > 0) {
                f1Sum += f1[c];
                present++;
            }
        }
        return new ClassificationMetrics(m, total == 0 ? 0 : (double) correct / total,
                present == 0 ? 0 : f1Sum / present, precision, recall, f1);
    }
}
