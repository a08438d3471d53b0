package org.deepfer.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepfer.image.ImageCodec;

/**
 * The look shared by every chart of the project ({@link BarChart}, {@link LineChart}, {@link
 * ScatterChart}, the tuning and evaluation plots): a white antialiased canvas, fonts scaled to the
 * image, the axis and grid greys and series colours, and the pieces every chart draws the same way
 * (title, legend row, tick labels, grid lines, axis titles, axes, "no data").
 *
 * <p>Layout, in pixels, with {@code pad} = the tick font size: the title's top at {@code pad}, an
 * optional legend row under it, the plot below that; left of the plot the rotated y-axis title and
 * the y tick labels, each followed by {@code pad / 2}; under the plot a row of x tick labels and the
 * x-axis title, ending {@code pad} above the bottom edge; {@code 2 * pad} free right of the plot.
 * Charts that need other margins compute their own from the same pieces.
 *
 * <p>Open one per image with try-with-resources; closing it releases the graphics context.
 */
public final class ChartFrame implements AutoCloseable {
    /** Text, tick labels and axes. */
    public static final Color AXIS = new Color(0x333333);
    /** Grid lines behind the data. */
    public static final Color GRID = new Color(0xDDDDDD);
    /** Distinguishable on screen and in grey print; cycled when there are more series. */
    private static final Color[] PALETTE = {
        new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728),
        new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
    };
    /** The smallest chart whose title, ticks and plot still fit. */
    private static final int MIN_WIDTH = 200;
    private static final int MIN_HEIGHT = 150;
    private static final String NO_DATA = "no data";

    private final BufferedImage image;
    private final Graphics2D g;
    private final int width;
    private final int height;
    private final int pad;
    private final Font titleFont;
    private final Font labelFont;
    private final Font tickFont;
    private final FontMetrics titleMetrics;
    private final FontMetrics labelMetrics;
    private final FontMetrics tickMetrics;

    /** Paints one legend swatch whose slot starts at {@code x} in a legend row whose top is {@code top}. */
    @FunctionalInterface
    public interface Swatch {
        void paint(Graphics2D g, int index, int x, int top);
    }

    private ChartFrame(BufferedImage image, int width, int height) {
        this.image = image;
        this.width = width;
        this.height = height;
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        pad = Math.max(11, Math.min(width, height) / 40);
        titleFont = new Font(Font.SANS_SERIF, Font.BOLD, pad + 5);
        labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, pad + 1);
        tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, pad);
        titleMetrics = g.getFontMetrics(titleFont);
        labelMetrics = g.getFontMetrics(labelFont);
        tickMetrics = g.getFontMetrics(tickFont);
    }

    /** A new white {@code width x height} image to draw a chart on. */
    public static ChartFrame open(int width, int height) {
        return new ChartFrame(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), width, height);
    }

    /**
     * A frame for a {@code width x height} chart that only measures (on a 1x1 scratch image), so that
     * a chart can tell where it would put things without drawing them.
     */
    public static ChartFrame measuring(int width, int height) {
        return new ChartFrame(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), width, height);
    }

    @Override
    public void close() {
        g.dispose();
    }

    /** The fill colour of series number {@code index} (0-based), the same in every chart. */
    public static Color seriesColor(int index) {
        return PALETTE[Math.floorMod(index, PALETTE.length)];
    }

    public BufferedImage image() {
        return image;
    }

    public Graphics2D g() {
        return g;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The unit of spacing: the tick font size, at least 11 and growing with the image. */
    public int pad() {
        return pad;
    }

    public Font titleFont() {
        return titleFont;
    }

    /** Axis titles, legend entries and "no data". */
    public Font labelFont() {
        return labelFont;
    }

    public Font tickFont() {
        return tickFont;
    }

    public FontMetrics titleMetrics() {
        return titleMetrics;
    }

    public FontMetrics labelMetrics() {
        return labelMetrics;
    }

    public FontMetrics tickMetrics() {
        return tickMetrics;
    }

    /** Lines grow a little with the image so large charts stay legible. */
    public float lineWidth() {
        return Math.max(2f, Math.min(width, height) / 250f);
    }

    /** The width of the widest of {@code labels} in the tick font, for the room left of the plot. */
    public int widestTick(Iterable<String> labels) {
        int widest = 0;
        for (String label : labels) {
            widest = Math.max(widest, tickMetrics.stringWidth(label));
        }
        return widest;
    }

    /** The top of the legend's first row under the title. */
    public int legendTop() {
        return pad + titleMetrics.getHeight() + pad / 2;
    }

    /** The top of the plot: under the title and {@code legendRows} rows of legend. */
    public int plotTop(int legendRows) {
        return pad + titleMetrics.getHeight() + legendRows * labelMetrics.getHeight() + pad;
    }

    /** The left of the plot: right of the rotated y-axis title and y tick labels {@code widestTick} wide. */
    public int plotLeft(int widestTick) {
        return pad + labelMetrics.getHeight() + pad / 2 + widestTick + pad / 2;
    }

    public int plotRight() {
        return width - 2 * pad;
    }

    /** The bottom of the plot: above a row of x tick labels and the x-axis title. */
    public int plotBottom() {
        return height - pad - labelMetrics.getHeight() - pad / 2 - tickMetrics.getHeight() - pad / 2;
    }

    /** The plot with the standard margins (at least 1x1), as {@link #plotTop}, {@link #plotLeft} and so on. */
    public Rectangle plotArea(int legendRows, int widestTick) {
        int top = plotTop(legendRows);
        int left = plotLeft(widestTick);
        return new Rectangle(left, top, Math.max(1, plotRight() - left), Math.max(1, plotBottom() - top));
    }

    /** {@code text} in the title font, centred across the top. */
    public void title(String text) {
        g.setFont(titleFont);
        g.setColor(AXIS);
        g.drawString(text, (width - titleMetrics.stringWidth(text)) / 2, pad + titleMetrics.getAscent());
    }

    /**
     * Swatches {@code swatchWidth} wide and {@code names} under the title, in rows as wide as the
     * frame allows ({@link #legendRows}), each row centred; {@code swatch} paints entry {@code i}'s
     * swatch.
     */
    public void legend(List<String> names, int swatchWidth, Swatch swatch) {
        int top = legendTop();
        g.setFont(labelFont);
        int first = 0;
        for (LegendRow row : legendLayout(names, swatchWidth)) {
            int x = Math.max(pad, (width - row.width()) / 2);
            for (int k = 0; k < row.names().size(); k++) {
                String name = row.names().get(k);
                swatch.paint(g, first + k, x, top);
                g.setColor(AXIS);
                g.drawString(name, x + swatchWidth + 4, top + labelMetrics.getAscent());
                x += legendEntryWidth(name, swatchWidth);
            }
            first += row.names().size();
            top += labelMetrics.getHeight();
        }
    }

    /** How many rows {@link #legend} takes for {@code names} (0 for none): as many as fit the width, then more. */
    public int legendRows(List<String> names, int swatchWidth) {
        return legendLayout(names, swatchWidth).size();
    }

    /** One row of the legend: its entries and its width without the space after the last one. */
    private record LegendRow(List<String> names, int width) {}

    /** The legend's entries in rows, filled in order until the next entry would pass the margins. */
    private List<LegendRow> legendLayout(List<String> names, int swatchWidth) {
        List<LegendRow> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        int used = -2 * pad;
        for (String name : names) {
            int entry = legendEntryWidth(name, swatchWidth);
            if (!row.isEmpty() && used + entry > width - 2 * pad) {
                rows.add(new LegendRow(row, used));
                row = new ArrayList<>();
                used = -2 * pad;
            }
            row.add(name);
            used += entry;
        }
        if (!row.isEmpty()) {
            rows.add(new LegendRow(row, used));
        }
        return rows;
    }

    /** An entry's swatch, gap, name and the space before the next entry. */
    private int legendEntryWidth(String name, int swatchWidth) {
        return swatchWidth + 4 + labelMetrics.stringWidth(name) + 2 * pad;
    }

    /** A horizontal grid line across {@code plot} at {@code y}, with {@code label} right-aligned left of it. */
    public void yTick(Rectangle plot, int y, String label) {
        g.setColor(GRID);
        g.drawLine(plot.x, y, plot.x + plot.width, y);
        g.setFont(tickFont);
        g.setColor(AXIS);
        g.drawString(label, plot.x - pad / 2 - tickMetrics.stringWidth(label), y + tickMetrics.getAscent() / 2 - 1);
    }

    /** A vertical grid line down {@code plot} at {@code x}. */
    public void xGridLine(Rectangle plot, int x) {
        g.setColor(GRID);
        g.drawLine(x, plot.y, x, plot.y + plot.height);
    }

    /** {@code label} centred on {@code x} in the tick-label row under {@code plot}. */
    public void xTickLabel(Rectangle plot, int x, String label) {
        g.setFont(tickFont);
        g.setColor(AXIS);
        centredAt(label, x, plot.y + plot.height + pad / 2 + tickMetrics.getAscent());
    }

    /** A grid line and tick label at {@code x}. */
    public void xTick(Rectangle plot, int x, String label) {
        xGridLine(plot, x);
        xTickLabel(plot, x, label);
    }

    /** {@code text} centred under {@code plot}, on the bottom line of the image. */
    public void xAxisTitle(Rectangle plot, String text) {
        g.setFont(labelFont);
        g.setColor(AXIS);
        g.drawString(text, plot.x + (plot.width - labelMetrics.stringWidth(text)) / 2,
                height - pad - labelMetrics.getDescent());
    }

    /** {@code text} reading bottom to top at the left edge, centred on {@code plot}'s height. */
    public void yAxisTitle(Rectangle plot, String text) {
        g.setFont(labelFont);
        g.setColor(AXIS);
        vertical(text, pad + labelMetrics.getAscent(), plot.y + plot.height / 2.0);
    }

    /** "no data" centred in {@code plot}, for a chart without a single drawable value. */
    public void noData(Rectangle plot) {
        g.setFont(labelFont);
        g.setColor(AXIS);
        g.drawString(NO_DATA, plot.x + (plot.width - labelMetrics.stringWidth(NO_DATA)) / 2,
                plot.y + (plot.height + labelMetrics.getAscent()) / 2);
    }

    /** The left and bottom axes of {@code plot}; drawn last, so the data does not cover them. */
    public void axes(Rectangle plot) {
        axes(plot, plot.y + plot.height);
    }

    /** The left axis of {@code plot} and a horizontal axis across it at {@code xAxisY} (e.g. the zero line). */
    public void axes(Rectangle plot, int xAxisY) {
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(plot.x, plot.y, plot.x, plot.y + plot.height);
        g.drawLine(plot.x, xAxisY, plot.x + plot.width, xAxisY);
    }

    /** {@code text} in the current font and colour, centred on {@code centreX}. */
    public void centredAt(String text, int centreX, int baseline) {
        g.drawString(text, centreX - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    /** {@code text} in the current font and colour, reading bottom to top with its baseline at {@code x}. */
    public void vertical(String text, double x, double centreY) {
        Graphics2D rotated = (Graphics2D) g.create();
        try {
            rotated.translate(x, centreY);
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(text, -rotated.getFontMetrics().stringWidth(text) / 2, 0);
        } finally {
            rotated.dispose();
        }
    }

    /** {@code panels} left to right in one image as high as the highest, e.g. loss next to accuracy. */
    public static BufferedImage sideBySide(List<BufferedImage> panels) {
        int width = 0;
        int height = 0;
        for (BufferedImage panel : panels) {
            width += panel.getWidth();
            height = Math.max(height, panel.getHeight());
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            int left = 0;
            for (BufferedImage panel : panels) {
                g.drawImage(panel, left, 0, null);
                left += panel.getWidth();
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Writes {@code chart} to {@code file} as PNG, creating parent folders. */
    public static void writePng(BufferedImage chart, Path file) {
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

    /** Rejects a chart smaller than 200x150, naming {@code what} it is (a chart, one of its panels). */
    public static void requireSize(int width, int height, String what) {
        requireSize(width, height, MIN_WIDTH, MIN_HEIGHT, what);
    }

    /** Rejects a chart smaller than {@code minWidth x minHeight}, naming {@code what} it is. */
    public static void requireSize(int width, int height, int minWidth, int minHeight, String what) {
        if (width < minWidth || height < minHeight) {
            throw new IllegalArgumentException(what + " must be at least " + minWidth + "x" + minHeight
                    + " pixels, got " + width + "x" + height);
        }
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}: steps people read at a glance. */
    public static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double fraction = rough / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /** Every multiple of {@code step} in {@code [min, max]}, for ticks on a nice-stepped axis. */
    public static List<Double> ticks(double min, double max, double step) {
        List<Double> ticks = new ArrayList<>();
        // The tolerance keeps ticks that rounding puts a hair outside the range.
        long first = (long) Math.ceil(min / step - 1e-9);
        long last = (long) Math.floor(max / step + 1e-9);
        for (long i = first; i <= last; i++) {
            ticks.add(i * step);
        }
        return ticks;
    }

    /** Integers without decimals; otherwise as many decimals as {@code resolution} needs. */
    public static String formatNumber(double value, double resolution) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        int decimals = (int) Math.max(0, Math.min(6, Math.ceil(-Math.log10(resolution) - 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
