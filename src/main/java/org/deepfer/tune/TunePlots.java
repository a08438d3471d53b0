package org.deepfer.tune;

import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.deepfer.plot.ChartFrame;
import org.deepfer.plot.LineChart;

/**
 * The summary figure of a hyperparameter search: how the search progressed (each finished trial's
 * score over time and the best so far) next to which parameters mattered (the absolute Spearman
 * rank correlation of each parameter with the score). Drawn in the shared {@link ChartFrame} look,
 * the progress panel as a {@link LineChart}.
 *
 * <p>Rank correlation rather than linear correlation, because a hyperparameter's effect is rarely
 * linear (a learning rate that is too high hurts as much as one too low would not show, but a
 * monotone trend over the sampled range does, whatever its shape); on unit coordinates, so that a
 * loguniform parameter is judged on the log scale it was sampled on. It is a cheap first look,
 * not a variance decomposition: with a dozen trials, values below about 0.5 are mostly noise.
 */
public final class TunePlots {
    private static final int WIDTH = 1400;
    private static final int HEIGHT = 560;
    /** Fewer finished trials than this give no ranking worth reporting, so importance is 0. */
    private static final int MIN_TRIALS_FOR_IMPORTANCE = 3;

    private TunePlots() {}

    /**
     * One finished (or failed) trial as the plots need it.
     *
     * @param trialId the trial number
     * @param finishedSeconds when its last rung finished, in seconds since the search started
     * @param score its metric (higher is better); NaN for a failed trial, which is left out
     * @param unitCoordinates its point in [0, 1] per parameter, from {@link SearchSpace#unitCoordinates}
     */
    public record TrialPoint(int trialId, double finishedSeconds, double score, double[] unitCoordinates) {
        public TrialPoint {
            if (unitCoordinates == null) {
                throw new IllegalArgumentException("trial " + trialId + " has no unit coordinates");
            }
            unitCoordinates = unitCoordinates.clone();
        }

        @Override
        public double[] unitCoordinates() {
            return unitCoordinates.clone();
        }
    }

    /** Draws the two panels and writes them to {@code file} as PNG, creating parent folders. */
    public static void writePng(List<TrialPoint> trials, List<String> paramKeys, Path file) {
        writePng(trials, paramKeys, "score", file);
    }

    /**
     * As {@link #writePng(List, List, Path)}, with the metric's name (e.g. {@code val_macro_f1})
     * on the score axis.
     */
    public static void writePng(List<TrialPoint> trials, List<String> paramKeys, String metric, Path file) {
        ChartFrame.writePng(render(trials, paramKeys, metric, WIDTH, HEIGHT), file);
    }

    /**
     * The two panels side by side in one image: scores over time on the left, parameter
     * importance on the right.
     */
    public static BufferedImage render(
            List<TrialPoint> trials, List<String> paramKeys, String metric, int width, int height) {
        if (trials == null || paramKeys == null) {
            throw new IllegalArgumentException("tuning plot needs trial and parameter lists (use empty lists)");
        }
        double[] importance = importance(trials, paramKeys.size());
        int leftWidth = width / 2;
        return ChartFrame.sideBySide(List.of(
                LineChart.render(progressPanel(trials, metric == null ? "score" : metric), leftWidth, height),
                importanceChart(paramKeys, importance, finished(trials).size(), width - leftWidth, height)));
    }

    /**
     * |Spearman rank correlation| between each parameter's unit coordinate and the score, over the
     * trials with a finite score (and a finite coordinate for that parameter), in parameter
     * order. Tied values get their average rank. A parameter gets 0 where the correlation is
     * undefined (fewer than three trials, or all its values or all scores equal), so the result
     * can go into JSON as is.
     *
     * @param parameters how many coordinates each trial has
     * @throws IllegalArgumentException if a trial has a different number of coordinates
     */
    public static double[] importance(List<TrialPoint> trials, int parameters) {
        for (TrialPoint t : trials) {
            if (t.unitCoordinates.length != parameters) {
                throw new IllegalArgumentException("trial " + t.trialId() + " has " + t.unitCoordinates.length
                        + " coordinates, expected " + parameters + " (one per parameter)");
            }
        }
        List<TrialPoint> finished = finished(trials);
        double[] importance = new double[parameters];
        for (int d = 0; d < parameters; d++) {
            double[] x = new double[finished.size()];
            double[] y = new double[finished.size()];
            int n = 0;
            for (TrialPoint t : finished) {
                double c = t.unitCoordinates[d];
                if (Double.isFinite(c)) {
                    x[n] = c;
                    y[n] = t.score();
                    n++;
                }
            }
            if (n >= MIN_TRIALS_FOR_IMPORTANCE) {
                double rho = spearman(Arrays.copyOf(x, n), Arrays.copyOf(y, n));
                importance[d] = Double.isFinite(rho) ? Math.min(1, Math.abs(rho)) : 0;
            }
        }
        return importance;
    }

    /** Spearman's rank correlation: Pearson's correlation of the (average) ranks; NaN if either is constant. */
    static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks, ties sharing the average of the ranks they span. */
    static double[] ranks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = average;
            }
            i = j + 1;
        }
        return ranks;
    }

    private static double pearson(double[] x, double[] y) {
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < x.length; i++) {
            meanX += x[i];
            meanY += y[i];
        }
        meanX /= x.length;
        meanY /= y.length;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
            syy += (y[i] - meanY) * (y[i] - meanY);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Trials with a finite score, in the order they finished (ties by id). */
    private static List<TrialPoint> finished(List<TrialPoint> trials) {
        List<TrialPoint> out = new ArrayList<>();
        for (TrialPoint t : trials) {
            if (t != null && Double.isFinite(t.score()) && Double.isFinite(t.finishedSeconds())) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparingDouble(TrialPoint::finishedSeconds).thenComparingInt(TrialPoint::trialId));
        return out;
    }

    /**
     * Each trial's score as an isolated dot (NaN between points breaks LineChart's line) and the
     * best so far as a step line, over seconds, minutes or hours, whichever keeps the numbers short.
     */
    private static LineChart.Panel progressPanel(List<TrialPoint> trials, String metric) {
        List<TrialPoint> finished = finished(trials);
        double last = finished.isEmpty() ? 0 : finished.get(finished.size() - 1).finishedSeconds();
        double unit = last > 3 * 3600 ? 3600 : last > 600 ? 60 : 1;
        String unitName = unit == 3600 ? "hours" : unit == 60 ? "minutes" : "seconds";
        int n = finished.size();
        double[] dotX = new double[Math.max(0, 2 * n - 1)];
        double[] dotY = new double[dotX.length];
        Arrays.fill(dotX, Double.NaN);
        Arrays.fill(dotY, Double.NaN);
        double[] bestX = new double[Math.max(0, 2 * n - 1)];
        double[] bestY = new double[bestX.length];
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            TrialPoint t = finished.get(i);
            double time = t.finishedSeconds() / unit;
            dotX[2 * i] = time;
            dotY[2 * i] = t.score();
            if (i > 0) {
                // The best so far holds until this trial finishes, then steps up if it beat it.
                bestX[2 * i - 1] = time;
                bestY[2 * i - 1] = best;
            }
            best = Math.max(best, t.score());
            bestX[2 * i] = time;
            bestY[2 * i] = best;
        }
        return new LineChart.Panel("Search progress", unitName + " since start", metric, List.of(
                new LineChart.Series("trial", dotX, dotY),
                new LineChart.Series("best so far", bestX, bestY)), false);
    }

    /**
     * Horizontal bars, most important parameter on top, so that full config keys fit as row
     * labels (BarChart's vertical bars would cut them to a few letters).
     */
    private static BufferedImage importanceChart(
            List<String> keys, double[] importance, int trialCount, int width, int height) {
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            drawImportance(frame, keys, importance, trialCount);
            return frame.image();
        }
    }

    private static void drawImportance(ChartFrame frame, List<String> keys, double[] importance, int trialCount) {
        Graphics2D g = frame.g();
        int width = frame.width();
        int pad = frame.pad();
        FontMetrics labelMetrics = frame.labelMetrics();
        FontMetrics tickMetrics = frame.tickMetrics();
        frame.title("Parameter importance");

        // Row labels are parameter names rather than tick labels, and the value of the longest
        // bar needs room on its right.
        int maxLabel = width * 2 / 5;
        int widest = 0;
        for (String key : keys) {
            widest = Math.max(widest, Math.min(maxLabel, labelMetrics.stringWidth(key == null ? "" : key)));
        }
        int top = frame.plotTop(0);
        int left = pad + widest + pad / 2;
        int right = width - 2 * pad - tickMetrics.stringWidth("0.00");
        Rectangle plot = new Rectangle(left, top, Math.max(1, right - left), Math.max(1, frame.plotBottom() - top));

        // The scale is always 0..1, what a correlation's magnitude can take, so charts of
        // different searches compare at a glance.
        for (int i = 0; i <= 5; i++) {
            double value = i / 5.0;
            frame.xTick(plot, left + (int) Math.round(plot.width * value), String.format(Locale.ROOT, "%.1f", value));
        }
        frame.xAxisTitle(plot, "|Spearman rank correlation| with score, " + trialCount + " finished trial"
                + (trialCount == 1 ? "" : "s"));

        Integer[] order = new Integer[keys.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -importance[i]).thenComparingInt(i -> i));
        if (order.length > 0) {
            double slot = (double) plot.height / order.length;
            double barHeight = Math.max(1, slot * 0.7);
            for (int row = 0; row < order.length; row++) {
                int p = order[row];
                double value = Math.max(0, Math.min(1, importance[p]));
                int y0 = (int) Math.round(top + row * slot + (slot - barHeight) / 2);
                int barWidth = (int) Math.round(plot.width * value);
                g.setColor(ChartFrame.seriesColor(0));
                g.fillRect(left + 1, y0, Math.max(0, barWidth), (int) Math.round(barHeight));
                int middle = (int) Math.round(top + (row + 0.5) * slot);
                g.setColor(ChartFrame.AXIS);
                g.setFont(frame.labelFont());
                String key = fit(keys.get(p) == null ? "" : keys.get(p), labelMetrics, maxLabel);
                g.drawString(key, left - pad / 2 - labelMetrics.stringWidth(key),
                        middle + labelMetrics.getAscent() / 2 - 1);
                g.setFont(frame.tickFont());
                String text = String.format(Locale.ROOT, "%.2f", importance[p]);
                g.drawString(text, left + barWidth + 4, middle + tickMetrics.getAscent() / 2 - 1);
            }
        }
        frame.axes(plot);
    }

    /**
     * {@code text} shortened from the front with an ellipsis until it fits, since the end of a
     * config key ("…cutoutProbability") says more than its section.
     */
    private static String fit(String text, FontMetrics metrics, int maxWidth) {
        if (metrics.stringWidth(text) <= maxWidth) {
            return text;
        }
        for (int start = 1; start < text.length(); start++) {
            String shortened = "…" + text.substring(start);
            if (metrics.stringWidth(shortened) <= maxWidth) {
                return shortened;
            }
        }
        return "…";
    }
}
