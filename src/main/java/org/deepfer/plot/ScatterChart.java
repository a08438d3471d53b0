package org.deepfer.plot;

import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelled scatter plots drawn with Java2D in the shared {@link ChartFrame} look: one dot per item
 * with its name next to it, for trade-offs such as validation accuracy against inference images
 * per second across the models of a sweep, where the reader wants to see which model sits where
 * rather than a trend.
 *
 * <p>Points whose x or y is not finite (or whose x is not positive on a log axis) are left out;
 * a chart without any drawable point still shows its title and axes, with "no data" in the plot.
 * A single point or equal values get a padded axis instead of a zero-width one.
 */
public final class ScatterChart {
    /** The default size of {@link #writePng(String, String, String, List, boolean, Path)}. */
    private static final int DEFAULT_WIDTH = 900;
    private static final int DEFAULT_HEIGHT = 600;
    /** Roughly how many tick intervals a linear axis gets before rounding to a nice step. */
    private static final int TICKS = 6;
    /** Share of the data range added on each side, so that dots and labels clear the axes. */
    private static final double MARGIN = 0.08;

    /** One dot: its label and position. */
    public record Point(String label, double x, double y) {
        public Point {
            label = label == null ? "" : label;
        }
    }

    private ScatterChart() {}

    /**
     * Draws the chart and writes it to {@code file} as PNG (900x600), creating parent folders.
     *
     * @param logX put x on a log scale, for quantities that span decades such as throughput
     */
    public static void writePng(
            String title, String xLabel, String yLabel, List<Point> points, boolean logX, Path file) {
        writePng(title, xLabel, yLabel, points, logX, DEFAULT_WIDTH, DEFAULT_HEIGHT, file);
    }

    /** As {@link #writePng(String, String, String, List, boolean, Path)}, at the given size. */
    public static void writePng(
            String title,
            String xLabel,
            String yLabel,
            List<Point> points,
            boolean logX,
            int width,
            int height,
            Path file) {
        ChartFrame.writePng(render(title, xLabel, yLabel, points, logX, width, height), file);
    }

    /** Draws the chart into a new image of {@code width x height} pixels. */
    public static BufferedImage render(
            String title, String xLabel, String yLabel, List<Point> points, boolean logX, int width, int height) {
        ChartFrame.requireSize(width, height, "chart");
        if (points == null) {
            throw new IllegalArgumentException("scatter chart needs a point list (use an empty list)");
        }
        List<Point> drawable = drawable(points, logX);
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            draw(frame, title == null ? "" : title, xLabel == null ? "" : xLabel, yLabel == null ? "" : yLabel,
                    drawable, logX);
            return frame.image();
        }
    }

    /** Where {@link #render} puts the plot area (inside the axes) for these points and size. */
    static Rectangle plotArea(List<Point> points, boolean logX, int width, int height) {
        try (ChartFrame frame = ChartFrame.measuring(width, height)) {
            return layout(frame, drawable(points, logX), logX).plot();
        }
    }

    /** The points that can be placed: finite, and with a positive x on a log axis. */
    private static List<Point> drawable(List<Point> points, boolean logX) {
        List<Point> drawable = new ArrayList<>();
        for (Point p : points) {
            if (p != null && Double.isFinite(p.x()) && Double.isFinite(p.y()) && (!logX || p.x() > 0)) {
                drawable.add(p);
            }
        }
        return drawable;
    }

    /**
     * A linear or log axis: {@code min} and {@code max} are data values (not logarithms), ticks
     * are values where grid lines go.
     */
    private record Axis(double min, double max, boolean log, List<Double> ticks, double step) {
        /** A nice-stepped linear range holding {@code [low, high]} with a margin on each side. */
        static Axis linear(double low, double high) {
            if (low == high) {
                double pad = low == 0 ? 1 : Math.abs(low) * 0.1;
                low -= pad;
                high += pad;
            } else {
                double margin = (high - low) * MARGIN;
                low -= margin;
                high += margin;
            }
            double step = ChartFrame.niceStep((high - low) / TICKS);
            double min = Math.floor(low / step) * step;
            double max = Math.ceil(high / step) * step;
            return new Axis(min, max, false, ChartFrame.ticks(min, max, step), step);
        }

        /**
         * A log range holding {@code [low, high]} (both positive) with a margin on each side; ticks
         * at 1×10^k over many decades, 1, 2 and 5×10^k over a few and every integer multiple
         * within about one, so that there are always some labels to read values off.
         */
        static Axis logarithmic(double low, double high) {
            double logLow = Math.log10(low);
            double logHigh = Math.log10(high);
            double span = logHigh - logLow;
            double margin = span == 0 ? 0.15 : Math.max(span * MARGIN, 0.02);
            logLow -= margin;
            logHigh += margin;
            span = logHigh - logLow;
            int[] mantissas = span > 4 ? new int[] {1} : span > 1.2 ? new int[] {1, 2, 5}
                    : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9};
            double min = Math.pow(10, logLow);
            double max = Math.pow(10, logHigh);
            List<Double> ticks = new ArrayList<>();
            for (int decade = (int) Math.floor(logLow); decade <= (int) Math.ceil(logHigh); decade++) {
                double power = Math.pow(10, decade);
                for (int m : mantissas) {
                    double tick = m * power;
                    if (tick >= min && tick <= max) {
                        ticks.add(tick);
                    }
                }
            }
            return new Axis(min, max, true, ticks, Double.NaN);
        }

        /** Share of the way from {@code min} to {@code max}, on this axis's scale. */
        double fraction(double value) {
            if (log) {
                return (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            }
            return (value - min) / (max - min);
        }

        String label(double tick) {
            // On a log axis each tick is its own resolution: 0.02, 200, 3000.
            return ChartFrame.formatNumber(tick, log ? tick : step);
        }
    }

    private record Layout(Rectangle plot, Axis xAxis, Axis yAxis) {}

    private static Layout layout(ChartFrame frame, List<Point> points, boolean logX) {
        double xLow = Double.POSITIVE_INFINITY;
        double xHigh = Double.NEGATIVE_INFINITY;
        double yLow = Double.POSITIVE_INFINITY;
        double yHigh = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            xLow = Math.min(xLow, p.x());
            xHigh = Math.max(xHigh, p.x());
            yLow = Math.min(yLow, p.y());
            yHigh = Math.max(yHigh, p.y());
        }
        if (points.isEmpty()) {
            xLow = logX ? 1 : 0;
            xHigh = logX ? 10 : 1;
            yLow = 0;
            yHigh = 1;
        }
        Axis xAxis = logX ? Axis.logarithmic(xLow, xHigh) : Axis.linear(xLow, xHigh);
        Axis yAxis = Axis.linear(yLow, yHigh);
        int widestTick = frame.widestTick(yAxis.ticks().stream().map(yAxis::label).toList());
        return new Layout(frame.plotArea(0, widestTick), xAxis, yAxis);
    }

    private static void draw(
            ChartFrame frame, String title, String xLabel, String yLabel, List<Point> points, boolean logX) {
        Layout layout = layout(frame, points, logX);
        Rectangle plot = layout.plot();
        int pad = frame.pad();
        FontMetrics tickMetrics = frame.tickMetrics();
        frame.title(title);

        // Grid lines and tick labels; x labels that would run into the previous one are skipped
        // (the grid line stays), which matters for the crowded 7, 8, 9 of a log axis.
        for (double tick : layout.yAxis().ticks()) {
            frame.yTick(plot, yPixel(layout, tick), layout.yAxis().label(tick));
        }
        int lastLabelEnd = Integer.MIN_VALUE;
        for (double tick : layout.xAxis().ticks()) {
            int x = xPixel(layout, tick);
            frame.xGridLine(plot, x);
            String label = layout.xAxis().label(tick);
            int labelWidth = tickMetrics.stringWidth(label);
            int labelStart = x - labelWidth / 2;
            if (labelStart > lastLabelEnd + pad / 2) {
                frame.xTickLabel(plot, x, label);
                lastLabelEnd = labelStart + labelWidth;
            }
        }
        frame.xAxisTitle(plot, logX && !xLabel.isEmpty() ? xLabel + " (log scale)" : xLabel);
        frame.yAxisTitle(plot, yLabel);

        if (points.isEmpty()) {
            frame.noData(plot);
        } else {
            drawPoints(frame, points, layout);
        }
        frame.axes(plot);
    }

    /**
     * Dots coloured by position with {@link ChartFrame#seriesColor(int)}, then their labels: each
     * label goes to the first of right-above, right-below, left-above, left-below of its dot that
     * stays inside the image and clear of the labels placed before it (or right-above if none
     * does), so that neighbouring models stay readable.
     */
    private static void drawPoints(ChartFrame frame, List<Point> points, Layout layout) {
        Graphics2D g = frame.g();
        int width = frame.width();
        int height = frame.height();
        double dot = Math.max(7, Math.min(width, height) / 70.0);
        int[][] centres = new int[points.size()][];
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            int x = xPixel(layout, p.x());
            int y = yPixel(layout, p.y());
            centres[i] = new int[] {x, y};
            g.setColor(ChartFrame.seriesColor(i));
            g.fill(new Ellipse2D.Double(x - dot / 2, y - dot / 2, dot, dot));
        }
        g.setFont(frame.tickFont());
        FontMetrics metrics = frame.tickMetrics();
        List<Rectangle> placed = new ArrayList<>();
        // Dots count as taken too, so a label does not hide another model's dot.
        for (int[] c : centres) {
            int d = (int) Math.ceil(dot);
            placed.add(new Rectangle(c[0] - d / 2, c[1] - d / 2, d, d));
        }
        int gap = (int) Math.ceil(dot / 2) + 2;
        for (int i = 0; i < points.size(); i++) {
            String label = points.get(i).label();
            if (label.isEmpty()) {
                continue;
            }
            int w = metrics.stringWidth(label);
            int h = metrics.getAscent() + metrics.getDescent();
            int x = centres[i][0];
            int y = centres[i][1];
            Rectangle[] candidates = {
                new Rectangle(x + gap, y - gap - h, w, h),
                new Rectangle(x + gap, y + gap, w, h),
                new Rectangle(x - gap - w, y - gap - h, w, h),
                new Rectangle(x - gap - w, y + gap, w, h),
            };
            Rectangle own = placed.get(i);
            Rectangle chosen = null;
            for (Rectangle r : candidates) {
                if (r.x < 0 || r.y < 0 || r.x + r.width > width || r.y + r.height > height) {
                    continue;
                }
                boolean clear = true;
                for (Rectangle other : placed) {
                    if (other != own && other.intersects(r)) {
                        clear = false;
                        break;
                    }
                }
                if (clear) {
                    chosen = r;
                    break;
                }
            }
            if (chosen == null) {
                chosen = inside(candidates[x + gap + w <= width ? 0 : 2], width, height);
            }
            placed.add(chosen);
            g.setColor(ChartFrame.AXIS);
            g.drawString(label, chosen.x, chosen.y + metrics.getAscent());
        }
    }

    /** {@code r} moved the least needed to lie inside the {@code width x height} image. */
    private static Rectangle inside(Rectangle r, int width, int height) {
        int x = Math.max(0, Math.min(width - r.width, r.x));
        int y = Math.max(0, Math.min(height - r.height, r.y));
        return new Rectangle(x, y, r.width, r.height);
    }

    private static int xPixel(Layout layout, double value) {
        Rectangle plot = layout.plot();
        return (int) Math.round(plot.x + plot.width * layout.xAxis().fraction(value));
    }

    private static int yPixel(Layout layout, double value) {
        Rectangle plot = layout.plot();
        return (int) Math.round(plot.y + plot.height * (1 - layout.yAxis().fraction(value)));
    }
}
