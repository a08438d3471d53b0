package org.deepfer.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Line charts of training curves (loss, accuracy, macro-F1 against epoch or step) drawn with
 * Java2D in the same style as {@link BarChart}, one panel or several side by side.
 *
 * <p>Points whose x or y is not finite are skipped and break the line there; a panel without any
 * finite point still draws its title, legend and axes, with "no data" in the plot.
 */
public final class LineChart {
    private static final Color AXIS = new Color(0x333333);
    private static final Color GRID = new Color(0xDDDDDD);
    private static final int MIN_WIDTH = 200;
    private static final int MIN_HEIGHT = 150;
    /** Roughly how many tick intervals the value axis gets before rounding to a nice step. */
    private static final int VALUE_TICKS = 5;
    /** The x axis is wider than tall, so it takes more ticks (e.g. every 2nd of 12 epochs). */
    private static final int TIME_TICKS = 8;
    private static final String NO_DATA = "no data";

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
     * BarChart#seriesColor(int)}; {@code markers} adds a dot at every point.
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
        validateSize(width, height, "chart");
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g, panel, layout(g, panel, width, height));
        } finally {
            g.dispose();
        }
        return image;
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
        validateSize(panelWidth, height, "each of " + panels.size() + " panels in a " + width + "-pixel-wide chart");
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            for (int i = 0; i < panels.size(); i++) {
                int left = i * panelWidth;
                int thisWidth = i == panels.size() - 1 ? width - left : panelWidth;
                g.drawImage(render(panels.get(i), thisWidth, height), left, 0, null);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Draws the panels side by side and writes them to {@code file} as PNG, creating parent folders. */
    public static void writePng(List<Panel> panels, int width, int height, Path file) {
        BarChart.writePng(renderPanels(panels, width, height), file);
    }

    /** Where {@link #render} puts the plot area (inside the axes) for this panel and size. */
    static Rectangle plotArea(Panel panel, int width, int height) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            return layout(g, panel, width, height).plot();
        } finally {
            g.dispose();
        }
    }

    private static void validateSize(int width, int height, String what) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException(what + " must be at least " + MIN_WIDTH + "x" + MIN_HEIGHT
                    + " pixels, got " + width + "x" + height);
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
            double step = BarChart.niceStep((high - low) / VALUE_TICKS);
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
            double step = BarChart.niceStep((high - low) / TIME_TICKS);
            return new Axis(low, high, wholeNumbers ? Math.max(1, step) : step);
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            // The tolerance keeps ticks that rounding puts a hair outside the range.
            long first = (long) Math.ceil(min / step - 1e-9);
            long last = (long) Math.floor(max / step + 1e-9);
            for (long i = first; i <= last; i++) {
                ticks.add(i * step);
            }
            return ticks;
        }

        String label(double tick) {
            return BarChart.formatNumber(tick, step);
        }

        /** Pixel along an axis of {@code length} pixels starting at {@code start}. */
        double toPixel(double value, int start, int length) {
            return start + length * (value - min) / (max - min);
        }
    }

    /** Everything measured before drawing: fonts, the plot rectangle and the two axes. */
    private record Layout(
            int width,
            int height,
            int pad,
            Font titleFont,
            Font labelFont,
            Font tickFont,
            Rectangle plot,
            Axis xAxis,
            Axis yAxis,
            boolean hasData) {}

    private static Layout layout(Graphics2D g, Panel panel, int width, int height) {
        int base = Math.max(11, Math.min(width, height) / 40);
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, base + 5);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, base + 1);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, base);

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

        FontMetrics titleMetrics = g.getFontMetrics(titleFont);
        FontMetrics labelMetrics = g.getFontMetrics(labelFont);
        FontMetrics tickMetrics = g.getFontMetrics(tickFont);
        int widestTick = 0;
        for (double tick : yAxis.ticks()) {
            widestTick = Math.max(widestTick, tickMetrics.stringWidth(yAxis.label(tick)));
        }
        int pad = base;
        int top = pad + titleMetrics.getHeight() + labelMetrics.getHeight() + pad; // title, legend
        int left = pad + labelMetrics.getHeight() + pad / 2 + widestTick + pad / 2;
        int right = width - 2 * pad;
        int bottom = height - pad - labelMetrics.getHeight() - pad / 2 - tickMetrics.getHeight() - pad / 2;
        Rectangle plot = new Rectangle(left, top, Math.max(1, right - left), Math.max(1, bottom - top));
        return new Layout(width, height, pad, titleFont, labelFont, tickFont, plot, xAxis, yAxis, hasData);
    }

    private static void draw(Graphics2D g, Panel panel, Layout layout) {
        Rectangle plot = layout.plot();
        int pad = layout.pad();
        FontMetrics titleMetrics = g.getFontMetrics(layout.titleFont());
        FontMetrics labelMetrics = g.getFontMetrics(layout.labelFont());
        FontMetrics tickMetrics = g.getFontMetrics(layout.tickFont());
        int plotBottom = plot.y + plot.height;
        int plotRight = plot.x + plot.width;

        g.setFont(layout.titleFont());
        g.setColor(AXIS);
        g.drawString(panel.title(), (layout.width() - titleMetrics.stringWidth(panel.title())) / 2,
                pad + titleMetrics.getAscent());
        double markerSize = markerSize(layout);
        drawLegend(g, panel, labelMetrics, markerSize, layout.width(), pad + titleMetrics.getHeight() + pad / 2, pad);

        // Grid lines and tick labels on both axes.
        g.setFont(layout.tickFont());
        for (double tick : layout.yAxis().ticks()) {
            int y = yPixel(layout.yAxis(), tick, plot);
            g.setColor(GRID);
            g.drawLine(plot.x, y, plotRight, y);
            g.setColor(AXIS);
            String label = layout.yAxis().label(tick);
            g.drawString(label, plot.x - pad / 2 - tickMetrics.stringWidth(label),
                    y + tickMetrics.getAscent() / 2 - 1);
        }
        for (double tick : layout.xAxis().ticks()) {
            int x = (int) Math.round(xPixel(layout, tick));
            g.setColor(GRID);
            g.drawLine(x, plot.y, x, plotBottom);
            g.setColor(AXIS);
            String label = layout.xAxis().label(tick);
            g.drawString(label, x - tickMetrics.stringWidth(label) / 2, plotBottom + pad / 2 + tickMetrics.getAscent());
        }

        // Axis labels: x centred under the tick labels, y rotated to read bottom to top.
        g.setFont(layout.labelFont());
        g.drawString(panel.xLabel(), plot.x + (plot.width - labelMetrics.stringWidth(panel.xLabel())) / 2,
                layout.height() - pad - labelMetrics.getDescent());
        Graphics2D rotated = (Graphics2D) g.create();
        try {
            rotated.translate(pad + labelMetrics.getAscent(), plot.y + plot.height / 2.0);
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(panel.yLabel(), -labelMetrics.stringWidth(panel.yLabel()) / 2, 0);
        } finally {
            rotated.dispose();
        }

        if (layout.hasData()) {
            for (int s = 0; s < panel.series().size(); s++) {
                drawSeries(g, panel.series().get(s), BarChart.seriesColor(s), panel.markers(), markerSize, layout);
            }
        } else {
            g.setFont(layout.labelFont());
            g.setColor(AXIS);
            g.drawString(NO_DATA, plot.x + (plot.width - labelMetrics.stringWidth(NO_DATA)) / 2,
                    plot.y + (plot.height + labelMetrics.getAscent()) / 2);
        }

        // Axes drawn last so curves do not cover them.
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(plot.x, plot.y, plot.x, plotBottom);
        g.drawLine(plot.x, plotBottom, plotRight, plotBottom);
    }

    /**
     * The curve as connected runs of finite points; a point with no finite neighbour gets a dot
     * even without markers, or it would not show at all.
     */
    private static void drawSeries(
            Graphics2D g, Series series, Color color, boolean markers, double markerSize, Layout layout) {
        Rectangle plot = layout.plot();
        double[] x = series.x;
        double[] y = series.y;
        g.setColor(color);
        g.setStroke(new BasicStroke(lineWidth(layout), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
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

    /** One line of line-and-dot swatches and names, centred under the title. */
    private static void drawLegend(
            Graphics2D g, Panel panel, FontMetrics metrics, double markerSize, int width, int y, int pad) {
        List<Series> series = panel.series();
        if (series.isEmpty()) {
            return;
        }
        int swatch = 2 * metrics.getAscent();
        int total = 0;
        for (Series s : series) {
            total += swatch + 4 + metrics.stringWidth(s.name()) + 2 * pad;
        }
        total -= 2 * pad;
        int x = Math.max(pad, (width - total) / 2);
        double middle = y + metrics.getHeight() / 2.0;
        g.setFont(metrics.getFont());
        for (int i = 0; i < series.size(); i++) {
            g.setColor(BarChart.seriesColor(i));
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new Line2D.Double(x, middle, x + swatch, middle));
            if (panel.markers()) {
                g.fill(new Ellipse2D.Double(x + swatch / 2.0 - markerSize / 2, middle - markerSize / 2,
                        markerSize, markerSize));
            }
            g.setColor(AXIS);
            String name = series.get(i).name();
            g.drawString(name, x + swatch + 4, y + metrics.getAscent());
            x += swatch + 4 + metrics.stringWidth(name) + 2 * pad;
        }
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
        int inset = (int) Math.ceil(markerSize(layout)) + 2;
        return layout.xAxis().toPixel(value, plot.x + inset, plot.width - 2 * inset);
    }

    private static int yPixel(Axis axis, double value, Rectangle plot) {
        return (int) Math.round(plot.y + plot.height - axis.toPixel(value, 0, plot.height));
    }

    /** Lines and dots grow a little with the image so large charts stay legible. */
    private static float lineWidth(Layout layout) {
        return Math.max(2f, Math.min(layout.width(), layout.height()) / 250f);
    }

    private static double markerSize(Layout layout) {
        return 3 * lineWidth(layout);
    }
}
