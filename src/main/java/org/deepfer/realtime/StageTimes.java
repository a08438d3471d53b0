package org.deepfer.realtime;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Milliseconds spent per frame in each stage of the loop, and their summary. */
public final class StageTimes {
    /** The stages, in loop order; "total" is the whole frame, end to end. */
    public static final String[] STAGES = {"decode", "detect", "preprocess", "inference", "smoothing", "draw",
        "write", "total"};

    private final Map<String, double[]> samples = new LinkedHashMap<>();
    private int frames;

    public StageTimes() {
        for (String s : STAGES) {
            samples.put(s, new double[1024]);
        }
    }

    /** Records one frame: milliseconds per stage, in {@link #STAGES} order. */
    public void add(double... millis) {
        if (millis.length != STAGES.length) {
            throw new IllegalArgumentException("expected " + STAGES.length + " stage times, got " + millis.length);
        }
        for (int i = 0; i < STAGES.length; i++) {
            double[] column = samples.get(STAGES[i]);
            if (frames == column.length) {
                column = Arrays.copyOf(column, column.length * 2);
                samples.put(STAGES[i], column);
            }
            column[frames] = millis[i];
        }
        frames++;
    }

    public int frames() {
        return frames;
    }

    /** Mean of a stage over all frames. */
    public double mean(String stage) {
        double[] v = values(stage);
        return v.length == 0 ? Double.NaN : Arrays.stream(v).sum() / v.length;
    }

    /** The q-quantile (0..1) of a stage, nearest rank. */
    public double quantile(String stage, double q) {
        double[] v = values(stage);
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private double[] values(String stage) {
        double[] column = samples.get(stage);
        if (column == null) {
            throw new IllegalArgumentException("unknown stage '" + stage + "'");
        }
        return Arrays.copyOf(column, frames);
    }

    /** One CSV row per stage: stage, mean, p50, p95, p99, max (ms). */
    public String csv() {
        StringBuilder out = new StringBuilder("stage,mean_ms,p50_ms,p95_ms,p99_ms,max_ms\n");
        for (String s : STAGES) {
            out.append(String.format(Locale.ROOT, "%s,%.3f,%.3f,%.3f,%.3f,%.3f%n", s, mean(s), quantile(s, 0.5),
                    quantile(s, 0.95), quantile(s, 0.99), quantile(s, 1.0)));
        }
        return out.toString();
    }
}
