package org.deepfer.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepfer.image.ImageCodec;

/**
 * Grouped bar charts (categories on x, one coloured bar per series) drawn with Java2D, for reports
 * such as class counts per split.
 */
public final class BarChart {
    /** Distinguishable on screen and in grey print; cycled when there are more series. */
    private static final Color[] PALETTE = {
        new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728),
        new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
    };
    private static final Color AXIS = new Color(0x333333);
    private static final Color GRID = new Color(0xDDDDDD);
    private static final int MIN_WIDTH = 200;
    private static final int MIN_HEIGHT = 150;
    /** Share of each category's slot taken by its bars; the rest separates the groups. */
    private static final double GROUP_FILL = 0.8;

    private BarChart() {}

    /** The fill colour of series number {@code index} (0-based), as drawn in bars and legend. */
    public static Color seriesColor(int index) {
        return PALETTE[Math.floorMod(index, PALETTE.length)];
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
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            String safeTitle = title == null ? "" : title;
            String safeYLabel = yLabel == null ? "" : yLabel;
            draw(g, safeTitle, safeYLabel, categories, series, width, height);
        } finally {
            g.dispose();
        }
        return image;
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
        writePng(render(title, yLabel, categories, series, width, height), file);
    }

    /** Writes a rendered chart to {@code file} as PNG, creating parent folders (shared with LineChart). */
    static void writePng(java.awt.image.BufferedImage chart, Path file) {
        byte[] png = ImageCodec.write(chart, "png");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + file, e);
        }
    }

    private static void validate(
            List<String> categories, LinkedHashMap<String, double[]> series, int width, int height) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException("chart must be at least " + MIN_WIDTH + "x" + MIN_HEIGHT
                    + " pixels, got " + width + "x" + height);
        }
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
            Graphics2D g,
            String title,
            String yLabel,
            List<String> categories,
            LinkedHashMap<String, double[]> series,
            int width,
            int height) {
        int base = Math.max(11, Math.min(width, height) / 40);
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, base + 5);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, base + 1);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, base);

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
        double step = niceStep((max - min) / 5);
        double axisMin = Math.floor(min / step) * step;
        double axisMax = Math.ceil(max / step) * step;
        // Leave headroom for the value labels above the tallest bar.
        if (axisMax - max < step * 0.3) {
            axisMax += step;
        }
        List<String> ticks = new ArrayList<>();
        for (double t = axisMin; t <= axisMax + step / 2; t += step) {
            ticks.add(formatNumber(t, step));
        }

        FontMetrics titleMetrics = g.getFontMetrics(titleFont);
        FontMetrics labelMetrics = g.getFontMetrics(labelFont);
        FontMetrics tickMetrics = g.getFontMetrics(tickFont);
        int widestTick = 0;
        for (String t : ticks) {
            widestTick = Math.max(widestTick, tickMetrics.stringWidth(t));
        }
        int pad = base;
        int top = pad + titleMetrics.getHeight() + labelMetrics.getHeight() + pad; // title, legend
        int left = pad + labelMetrics.getHeight() + pad / 2 + widestTick + pad / 2;
        int right = width - 2 * pad;
        int bottom = height - pad - labelMetrics.getHeight() - pad / 2;
        int plotHeight = bottom - top;
        int plotWidth = right - left;

        g.setFont(titleFont);
        g.setColor(AXIS);
        g.drawString(title, (width - titleMetrics.stringWidth(title)) / 2, pad + titleMetrics.getAscent());
        drawLegend(g, labelFont, labelMetrics, series, width, pad + titleMetrics.getHeight() + pad / 2, pad);

        // Horizontal grid lines and tick labels.
        g.setFont(tickFont);
        for (int i = 0; i < ticks.size(); i++) {
            double value = axisMin + i * step;
            int y = yPixel(value, axisMin, axisMax, top, plotHeight);
            g.setColor(GRID);
            g.drawLine(left, y, right, y);
            g.setColor(AXIS);
            String t = ticks.get(i);
            g.drawString(t, left - pad / 2 - tickMetrics.stringWidth(t), y + tickMetrics.getAscent() / 2 - 1);
        }

        // Y-axis label, rotated to read bottom to top.
        g.setFont(labelFont);
        Graphics2D rotated = (Graphics2D) g.create();
        try {
            rotated.translate(pad + labelMetrics.getAscent(), top + plotHeight / 2.0);
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(yLabel, -labelMetrics.stringWidth(yLabel) / 2, 0);
        } finally {
            rotated.dispose();
        }

        double slot = (double) plotWidth / categories.size();
        double barWidth = slot * GROUP_FILL / series.size();
        int zeroY = yPixel(0, axisMin, axisMax, top, plotHeight);
        Font valueFont = valueFont(g, series, step, barWidth, base);
        FontMetrics valueMetrics = g.getFontMetrics(valueFont);
        int s = 0;
        for (double[] values : series.values()) {
            for (int c = 0; c < categories.size(); c++) {
                int x0 = (int) Math.round(left + c * slot + slot * (1 - GROUP_FILL) / 2 + s * barWidth);
                int x1 = (int) Math.round(left + c * slot + slot * (1 - GROUP_FILL) / 2 + (s + 1) * barWidth);
                int y = yPixel(values[c], axisMin, axisMax, top, plotHeight);
                g.setColor(seriesColor(s));
                g.fillRect(x0, Math.min(y, zeroY), Math.max(1, x1 - x0 - 1), Math.abs(zeroY - y));
                String label = formatNumber(values[c], step / 10);
                g.setFont(valueFont);
                g.setColor(AXIS);
                int labelX = (x0 + x1) / 2 - valueMetrics.stringWidth(label) / 2;
                int labelY = values[c] >= 0 ? y - 3 : y + valueMetrics.getAscent() + 2;
                g.drawString(label, labelX, labelY);
            }
            s++;
        }

        // Axes drawn last so bars do not cover them.
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, zeroY, right, zeroY);

        g.setFont(labelFont);
        for (int c = 0; c < categories.size(); c++) {
            String category = categories.get(c) == null ? "" : categories.get(c);
            String name = fit(category, labelMetrics, (int) slot - 2);
            int centre = (int) Math.round(left + (c + 0.5) * slot);
            int baseline = bottom + pad / 2 + labelMetrics.getAscent();
            g.drawString(name, centre - labelMetrics.stringWidth(name) / 2, baseline);
        }
    }

    /** One line of swatches and names, centred under the title. */
    private static void drawLegend(
            Graphics2D g,
            Font font,
            FontMetrics metrics,
            LinkedHashMap<String, double[]> series,
            int width,
            int y,
            int pad) {
        int swatch = metrics.getAscent();
        int total = 0;
        for (String name : series.keySet()) {
            total += swatch + 4 + metrics.stringWidth(name) + 2 * pad;
        }
        total -= 2 * pad;
        int x = Math.max(pad, (width - total) / 2);
        g.setFont(font);
        int s = 0;
        for (String name : series.keySet()) {
            g.setColor(seriesColor(s++));
            g.fillRect(x, y + (metrics.getHeight() - swatch) / 2, swatch, swatch);
            g.setColor(AXIS);
            g.drawString(name, x + swatch + 4, y + metrics.getAscent());
            x += swatch + 4 + metrics.stringWidth(name) + 2 * pad;
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
                    fits &= metrics.stringWidth(formatNumber(v, step / 10)) <= barWidth + 4;
                }
            }
            if (fits) {
                return font;
            }
        }
        return new Font(Font.SANS_SERIF, Font.PLAIN, 8);
    }

    private static int yPixel(double value, double axisMin, double axisMax, int top, int plotHeight) {
        return (int) Math.round(top + plotHeight * (axisMax - value) / (axisMax - axisMin));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}: steps people read at a glance. */
    static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double fraction = rough / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /** Integers without decimals; otherwise as many decimals as {@code resolution} needs. */
    static String formatNumber(double value, double resolution) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        int decimals = (int) Math.max(0, Math.min(6, Math.ceil(-Math.log10(resolution) - 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
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
