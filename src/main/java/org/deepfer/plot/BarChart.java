package org.deepfer.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Grouped bar charts (categories on x, one coloured bar per series) drawn with Java2D, for reports
 * such as class counts per split.
 */
public final class BarChart {
    /** Share of each category's slot taken by its bars; the rest separates the groups. */
    private static final double GROUP_FILL = 0.8;

    private BarChart() {}

    /**
     * The fill colour of series number {@code index} (0-based), as drawn in bars and legend; the
     * same as {@link ChartFrame#seriesColor(int)}, so a series has one colour in every chart.
     */
    public static Color seriesColor(int index) {
        return ChartFrame.seriesColor(index);
    }

    /**
     * Draws the chart.
     *
     * @param categories labels along the x axis, in order
     * @param series name to one value per category, drawn left to right within each group in the
     *     map's order
     */
    public static BufferedImage render(
            String title,
            String yLabel,
            List<String> categories,
            LinkedHashMap<String, double[]> series,
            int width,
            int height) {
        validate(categories, series, width, height);
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            draw(frame, title == null ? "" : title, yLabel == null ? "" : yLabel, categories, series);
            return frame.image();
        }
    }

    /** Draws the chart and writes it to {@code file} as PNG, creating parent folders. */
    public static void writePng(
            String title,
            String yLabel,
            List<String> categories,
            LinkedHashMap<String, double[]> series,
            int width,
            int height,
            Path file) {
        ChartFrame.writePng(render(title, yLabel, categories, series, width, height), file);
    }

    private static void validate(
            List<String> categories, LinkedHashMap<String, double[]> series, int width, int height) {
        ChartFrame.requireSize(width, height, "chart");
        if (categories == null || categories.isEmpty()) {
            throw new IllegalArgumentException("chart needs at least one category");
        }
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("chart needs at least one series");
        }
        for (Map.Entry<String, double[]> entry : series.entrySet()) {
            double[] values = entry.getValue();
            if (values == null || values.length != categories.size()) {
                throw new IllegalArgumentException("series '" + entry.getKey() + "' has "
                        + (values == null ? "no" : String.valueOf(values.length)) + " values, expected "
                        + categories.size() + " (one per category)");
            }
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i])) {
                    throw new IllegalArgumentException("series '" + entry.getKey() + "' value for '"
                            + categories.get(i) + "' is not finite: " + values[i]);
                }
            }
        }
    }

    private static void draw(
            ChartFrame frame,
            String title,
            String yLabel,
            List<String> categories,
            LinkedHashMap<String, double[]> series) {
        Graphics2D g = frame.g();
        int pad = frame.pad();
        double min = 0;
        double max = 0;
        for (double[] values : series.values()) {
            for (double v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min == max) {
            max = 1; // all zero: still draw a sensible axis
        }
        double step = ChartFrame.niceStep((max - min) / 5);
        double axisMin = Math.floor(min / step) * step;
        double axisMax = Math.ceil(max / step) * step;
        // Leave headroom for the value labels above the tallest bar.
        if (axisMax - max < step * 0.3) {
            axisMax += step;
        }
        List<String> ticks = new ArrayList<>();
        for (double t = axisMin; t <= axisMax + step / 2; t += step) {
            ticks.add(ChartFrame.formatNumber(t, step));
        }

        // Category names take the row of x tick labels and there is no x-axis title.
        FontMetrics labelMetrics = frame.labelMetrics();
        List<String> names = List.copyOf(series.keySet());
        int swatch = labelMetrics.getAscent();
        int top = frame.plotTop(Math.max(1, frame.legendRows(names, swatch)));
        int left = frame.plotLeft(frame.widestTick(ticks));
        int bottom = frame.height() - pad - labelMetrics.getHeight() - pad / 2;
        Rectangle plot = new Rectangle(left, top, frame.plotRight() - left, bottom - top);

        frame.title(title);
        frame.legend(names, swatch, (legend, i, x, rowTop) -> {
            legend.setColor(seriesColor(i));
            legend.fillRect(x, rowTop + (labelMetrics.getHeight() - swatch) / 2, swatch, swatch);
        });
        for (int i = 0; i < ticks.size(); i++) {
            frame.yTick(plot, yPixel(axisMin + i * step, axisMin, axisMax, plot), ticks.get(i));
        }
        frame.yAxisTitle(plot, yLabel);

        double slot = (double) plot.width / categories.size();
        double barWidth = slot * GROUP_FILL / series.size();
        int zeroY = yPixel(0, axisMin, axisMax, plot);
        Font valueFont = valueFont(g, series, step, barWidth, pad);
        FontMetrics valueMetrics = g.getFontMetrics(valueFont);
        int s = 0;
        for (double[] values : series.values()) {
            for (int c = 0; c < categories.size(); c++) {
                int x0 = (int) Math.round(left + c * slot + slot * (1 - GROUP_FILL) / 2 + s * barWidth);
                int x1 = (int) Math.round(left + c * slot + slot * (1 - GROUP_FILL) / 2 + (s + 1) * barWidth);
                int y = yPixel(values[c], axisMin, axisMax, plot);
                g.setColor(seriesColor(s));
                g.fillRect(x0, Math.min(y, zeroY), Math.max(1, x1 - x0 - 1), Math.abs(zeroY - y));
                String label = ChartFrame.formatNumber(values[c], step / 10);
                g.setFont(valueFont);
                g.setColor(ChartFrame.AXIS);
                int labelX = (x0 + x1) / 2 - valueMetrics.stringWidth(label) / 2;
                int labelY = values[c] >= 0 ? y - 3 : y + valueMetrics.getAscent() + 2;
                g.drawString(label, labelX, labelY);
            }
            s++;
        }
        frame.axes(plot, zeroY);

        g.setFont(frame.labelFont());
        for (int c = 0; c < categories.size(); c++) {
            String category = categories.get(c) == null ? "" : categories.get(c);
            String name = fit(category, labelMetrics, (int) slot - 2);
            int centre = (int) Math.round(left + (c + 0.5) * slot);
            frame.centredAt(name, centre, bottom + pad / 2 + labelMetrics.getAscent());
        }
    }

    /** The largest font (up to the tick size) whose value labels fit their bars, but not below 8pt. */
    private static Font valueFont(
            Graphics2D g, LinkedHashMap<String, double[]> series, double step, double barWidth, int base) {
        for (int size = base; size > 8; size--) {
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, size);
            FontMetrics metrics = g.getFontMetrics(font);
            boolean fits = true;
            for (double[] values : series.values()) {
                for (double v : values) {
                    fits &= metrics.stringWidth(ChartFrame.formatNumber(v, step / 10)) <= barWidth + 4;
                }
            }
            if (fits) {
                return font;
            }
        }
        return new Font(Font.SANS_SERIF, Font.PLAIN, 8);
    }

    private static int yPixel(double value, double axisMin, double axisMax, Rectangle plot) {
        return (int) Math.round(plot.y + plot.height * (axisMax - value) / (axisMax - axisMin));
    }

    /** {@code text} shortened with an ellipsis until it fits {@code maxWidth} pixels. */
    private static String fit(String text, FontMetrics metrics, int maxWidth) {
        if (metrics.stringWidth(text) <= maxWidth) {
            return text;
        }
        for (int end = text.length() - 1; end > 0; end--) {
            String shortened = text.substring(0, end) + "…";
            if (metrics.stringWidth(shortened) <= maxWidth) {
                return shortened;
            }
        }
        return "…";
    }
}
