package org.deepfer.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * Class-imbalance figures and remedies for one split's label counts: imbalance ratio, class weights
 * by inverse frequency and by effective number of samples (Cui et al., CVPR 2019), and a balanced
 * sampling plan. Training reads these from {@code results/class_weights.json}.
 *
 * @param counts images per class index
 * @param imbalanceRatio largest class over smallest non-empty class
 * @param inverseFrequencyWeights {@code N / (K * n_k)}: 1 for every class when balanced
 * @param effectiveNumberWeights {@code (1 - beta) / (1 - beta^n_k)}, scaled to sum to K
 * @param samplingProbability per-image probability that makes each class equally likely per draw
 * @param oversampleFactor how many times each class's images are drawn per balanced epoch of N draws
 * @param remedies plain-language advice for this imbalance
 */
public record ClassBalance(
        long[] counts,
        double imbalanceRatio,
        double[] inverseFrequencyWeights,
        double[] effectiveNumberWeights,
        double[] samplingProbability,
        double[] oversampleFactor,
        List<String> remedies) {

    /** Computes everything from the per-class counts; {@code names} label the remedies. */
    public static ClassBalance of(long[] counts, double beta, List<String> names) {
        int k = counts.length;
        long total = 0;
        long max = 0;
        long min = Long.MAX_VALUE;
        for (long c : counts) {
            total += c;
            max = Math.max(max, c);
            if (c > 0) {
                min = Math.min(min, c);
            }
        }
        double[] inverse = new double[k];
        double[] effective = new double[k];
        double[] sampling = new double[k];
        double[] oversample = new double[k];
        double effectiveSum = 0;
        for (int i = 0; i < k; i++) {
            if (counts[i] == 0) {
                continue;
            }
            inverse[i] = (double) total / (k * counts[i]);
            effective[i] = (1 - beta) / (1 - Math.pow(beta, counts[i]));
            effectiveSum += effective[i];
            sampling[i] = 1.0 / (k * counts[i]);
            oversample[i] = (double) total / k / counts[i];
        }
        for (int i = 0; i < k; i++) {
            effective[i] = effectiveSum == 0 ? 0 : effective[i] * k / effectiveSum;
        }
        double ratio = min == Long.MAX_VALUE ? 0 : (double) max / min;
        return new ClassBalance(counts.clone(), ratio, inverse, effective, sampling, oversample,
                remedies(counts, ratio, oversample, names));
    }

    private static List<String> remedies(long[] counts, double ratio, double[] oversample, List<String> names) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                out.add("class '" + names.get(i) + "' has no training images: collect data or drop the class");
            }
        }
        if (ratio < 1.5) {
            out.add("classes are roughly balanced (ratio " + String.format("%.2f", ratio) + "); no remedy needed");
            return out;
        }
        out.add(String.format("imbalance ratio %.1f: train with class-weighted cross entropy"
                + " (effective-number weights are the gentler choice) or focal loss", ratio));
        StringBuilder minority = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0 && oversample[i] >= 2) {
                minority.append(minority.length() == 0 ? "" : ", ")
                        .append(String.format("%s x%.1f", names.get(i), oversample[i]));
            }
        }
        if (minority.length() > 0) {
            out.add("balanced sampling would oversample " + minority
                    + "; pair it with augmentation so repeats are not identical");
        }
        out.add("report macro-F1 and per-class recall, not accuracy alone");
        return out;
    }
}
