package org.deepfer.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Line charts of training curves (loss, accuracy, macro-F1 against epoch or step) drawn with
 * Java2D in the shared {@link ChartFrame} look, one panel or several side by side.
 *
 * <p>Points whose x or y is not finite are skipped and break the line there; a panel without any
 * finite point still draws its title, legend and axes, with "no data" in the plot.
 */
public final class LineChart {
    /** Roughly how many tick intervals the value axis gets before rounding to a nice step. */
    private static final int VALUE_TICKS = 5;
    /** The x axis is wider than tall, so it takes more ticks (e.g. every 2nd of 12 epochs). */
    private static final int TIME_TICKS = 8;

    /** One named curve; {@code x} and {@code y} are parallel arrays, drawn in array order. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            name = name == null ? "" : name;
            if (x == null || y == null) {
                throw new IllegalArgumentException("series '" + name + "' needs both x and y values");
            }
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but "
                        + y.length + " y values; they must pair up");
            }
            x = x.clone();
            y = y.clone();
        }

        /** A curve over epochs 1, 2, …, {@code y.length}. */
        public static Series overEpochs(String name, double[] y) {
            if (y == null) {
                throw new IllegalArgumentException("series '" + name + "' needs y values");
            }
            double[] epochs = new double[y.length];
            for (int i = 0; i < epochs.length; i++) {
                epochs[i] = i + 1;
            }
            return new Series(name, epochs, y);
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }
    }

    /**
     * One chart: title, axis labels and its curves, coloured by position with {@link
     * ChartFrame#seriesColor(int)}; {@code markers} adds a dot at every point.
     */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, boolean markers) {
        public Panel {
            title = title == null ? "" : title;
            xLabel = xLabel == null ? "" : xLabel;
            yLabel = yLabel == null ? "" : yLabel;
            if (series == null) {
                throw new IllegalArgumentException("panel '" + title + "' has no series list (use an empty list)");
            }
            for (int i = 0; i < series.size(); i++) {
                if (series.get(i) == null) {
                    throw new IllegalArgumentException("panel '" + title + "' series " + i + " is null");
                }
            }
            series = List.copyOf(series);
        }

        /** A panel with markers at every point. */
        public Panel(String title, String xLabel, String yLabel, List<Series> series) {
            this(title, xLabel, yLabel, series, true);
        }
    }

    private LineChart() {}

    /** Draws one panel filling the whole image. */
    public static BufferedImage render(Panel panel, int width, int height) {
        if (panel == null) {
            throw new IllegalArgumentException("line chart needs a panel");
        }
        ChartFrame.requireSize(width, height, "chart");
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            draw(frame, panel, layout(frame, panel));
            return frame.image();
        }
    }

    /**
     * Draws {@code panels} left to right, each as wide as {@code width / panels.size()} (the last
     * takes any leftover pixel) and as high as the image, e.g. loss next to accuracy.
     */
    public static BufferedImage renderPanels(List<Panel> panels, int width, int height) {
        if (panels == null || panels.isEmpty()) {
            throw new IllegalArgumentException("line chart needs at least one panel");
        }
        int panelWidth = width / panels.size();
        ChartFrame.requireSize(panelWidth, height,
                "each of " + panels.size() + " panels in a " + width + "-pixel-wide chart");
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < panels.size(); i++) {
            int thisWidth = i == panels.size() - 1 ? width - i * panelWidth : panelWidth;
            images.add(render(panels.get(i), thisWidth, height));
        }
        return ChartFrame.sideBySide(images);
    }

    /** Draws the panels side by side and writes them to {@code file} as PNG, creating parent folders. */
    public static void writePng(List<Panel> panels, int width, int height, Path file) {
        ChartFrame.writePng(renderPanels(panels, width, height), file);
    }

    /** Where {@link #render} puts the plot area (inside the axes) for this panel and size. */
    static Rectangle plotArea(Panel panel, int width, int height) {
        try (ChartFrame frame = ChartFrame.measuring(width, height)) {
            return layout(frame, panel).plot();
        }
    }

    /** An axis from {@code min} to {@code max} with a tick at every multiple of {@code step} inside. */
    private record Axis(double min, double max, double step) {
        /**
         * The smallest nice-stepped range holding {@code [low, high]}, as values (loss, accuracy)
         * read best against a grid that starts and ends on a tick.
         */
        static Axis roundedOut(double low, double high) {
            if (low == high) {
                double pad = low == 0 ? 1 : Math.abs(low) * 0.1;
                low -= pad;
                high += pad;
            }
            double step = ChartFrame.niceStep((high - low) / VALUE_TICKS);
            return new Axis(Math.floor(low / step) * step, Math.ceil(high / step) * step, step);
        }

        /**
         * Exactly {@code [low, high]}, so training time fills the width from the first epoch to the
         * last; whole-number data (epochs, steps) never gets fractional ticks.
         */
        static Axis spanning(double low, double high, boolean wholeNumbers) {
            if (low == high) {
                double pad = wholeNumbers || low == 0 ? 1 : Math.abs(low) * 0.1;
                low -= pad;
                high += pad;
            }
            double step = ChartFrame.niceStep((high - low) / TIME_TICKS);
            return new Axis(low, high, wholeNumbers ? Math.max(1, step) : step);
        }

        List<Double> ticks() {
            return ChartFrame.ticks(min, max, step);
        }

        String label(double tick) {
            return ChartFrame.formatNumber(tick, step);
        }

        /** Pixel along an axis of {@code length} pixels starting at {@code start}. */
        double toPixel(double value, int start, int length) {
            return start + length * (value - min) / (max - min);
        }
    }

    /** Everything measured before drawing: the plot rectangle, the two axes and the line widths. */
    private record Layout(Rectangle plot, Axis xAxis, Axis yAxis, boolean hasData, float lineWidth) {
        /** Dots are a few line widths wide. */
        double markerSize() {
            return 3 * lineWidth;
        }
    }

    private static Layout layout(ChartFrame frame, Panel panel) {
        double xLow = Double.POSITIVE_INFINITY;
        double xHigh = Double.NEGATIVE_INFINITY;
        double yLow = Double.POSITIVE_INFINITY;
        double yHigh = Double.NEGATIVE_INFINITY;
        boolean wholeX = true;
        for (Series series : panel.series()) {
            double[] x = series.x;
            double[] y = series.y;
            for (int i = 0; i < x.length; i++) {
                if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                    xLow = Math.min(xLow, x[i]);
                    xHigh = Math.max(xHigh, x[i]);
                    yLow = Math.min(yLow, y[i]);
                    yHigh = Math.max(yHigh, y[i]);
                    wholeX &= x[i] == Math.rint(x[i]);
                }
            }
        }
        boolean hasData = xLow <= xHigh;
        Axis xAxis = hasData ? Axis.spanning(xLow, xHigh, wholeX) : Axis.spanning(0, 1, false);
        Axis yAxis = hasData ? Axis.roundedOut(yLow, yHigh) : Axis.roundedOut(0, 1);
        int widestTick = frame.widestTick(yAxis.ticks().stream().map(yAxis::label).toList());
        // One legend row is kept even without series, so that panels side by side line up.
        int legendRows = Math.max(1, frame.legendRows(names(panel), swatchWidth(frame)));
        Rectangle plot = frame.plotArea(legendRows, widestTick);
        return new Layout(plot, xAxis, yAxis, hasData, frame.lineWidth());
    }

    private static void draw(ChartFrame frame, Panel panel, Layout layout) {
        Rectangle plot = layout.plot();
        frame.title(panel.title());
        drawLegend(frame, panel, layout.markerSize());

        for (double tick : layout.yAxis().ticks()) {
            frame.yTick(plot, yPixel(layout.yAxis(), tick, plot), layout.yAxis().label(tick));
        }
        for (double tick : layout.xAxis().ticks()) {
            frame.xTick(plot, (int) Math.round(xPixel(layout, tick)), layout.xAxis().label(tick));
        }
        frame.xAxisTitle(plot, panel.xLabel());
        frame.yAxisTitle(plot, panel.yLabel());

        if (layout.hasData()) {
            for (int s = 0; s < panel.series().size(); s++) {
                drawSeries(frame.g(), panel.series().get(s), ChartFrame.seriesColor(s), panel.markers(), layout);
            }
        } else {
            frame.noData(plot);
        }
        frame.axes(plot);
    }

    /**
     * The curve as connected runs of finite points; a point with no finite neighbour gets a dot
     * even without markers, or it would not show at all.
     */
    private static void drawSeries(Graphics2D g, Series series, Color color, boolean markers, Layout layout) {
        Rectangle plot = layout.plot();
        double markerSize = layout.markerSize();
        double[] x = series.x;
        double[] y = series.y;
        g.setColor(color);
        g.setStroke(new BasicStroke(layout.lineWidth(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double line = new Path2D.Double();
        List<double[]> dots = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (!finite(x, y, i)) {
                continue;
            }
            double px = xPixel(layout, x[i]);
            double py = plot.y + plot.height - layout.yAxis().toPixel(y[i], 0, plot.height);
            boolean joinsPrevious = i > 0 && finite(x, y, i - 1);
            boolean joinsNext = i + 1 < x.length && finite(x, y, i + 1);
            if (joinsPrevious) {
                line.lineTo(px, py);
            } else {
                line.moveTo(px, py);
            }
            if (markers || (!joinsPrevious && !joinsNext)) {
                dots.add(new double[] {px, py});
            }
        }
        g.draw(line);
        for (double[] dot : dots) {
            g.fill(new Ellipse2D.Double(dot[0] - markerSize / 2, dot[1] - markerSize / 2, markerSize, markerSize));
        }
    }

    /** Line-and-dot swatches (dots only with markers) and series names, centred under the title. */
    private static void drawLegend(ChartFrame frame, Panel panel, double markerSize) {
        int swatch = swatchWidth(frame);
        double half = frame.labelMetrics().getHeight() / 2.0;
        frame.legend(names(panel), swatch, (g, i, x, top) -> {
            double middle = top + half;
            g.setColor(ChartFrame.seriesColor(i));
            // Left set: the grid lines drawn next use this stroke too, as they always have.
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new Line2D.Double(x, middle, x + swatch, middle));
            if (panel.markers()) {
                g.fill(new Ellipse2D.Double(x + swatch / 2.0 - markerSize / 2, middle - markerSize / 2,
                        markerSize, markerSize));
            }
        });
    }

    private static List<String> names(Panel panel) {
        return panel.series().stream().map(Series::name).toList();
    }

    /** A legend swatch is a short stretch of line, two letters wide. */
    private static int swatchWidth(ChartFrame frame) {
        return 2 * frame.labelMetrics().getAscent();
    }

    private static boolean finite(double[] x, double[] y, int i) {
        return Double.isFinite(x[i]) && Double.isFinite(y[i]);
    }

    /**
     * The x axis spans the data exactly, so the first and last points are kept a marker's width
     * inside the plot instead of sitting on the y axis or the right edge.
     */
    private static double xPixel(Layout layout, double value) {
        Rectangle plot = layout.plot();
        int inset = (int) Math.ceil(layout.markerSize()) + 2;
        return layout.xAxis().toPixel(value, plot.x + inset, plot.width - 2 * inset);
    }

    private static int yPixel(Axis axis, double value, Rectangle plot) {
        return (int) Math.round(plot.y + plot.height - axis.toPixel(value, 0, plot.height));
    }
}
