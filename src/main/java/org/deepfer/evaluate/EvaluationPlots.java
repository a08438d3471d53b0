package org.deepfer.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepfer.image.ImageCodec;
import org.deepfer.plot.BarChart;
import org.deepfer.run.Reports;

/**
 * The evaluate job's pictures of an {@link Evaluation}: confusion matrix, one-vs-rest ROC curves and
 * reliability diagram, drawn with Java2D in the look of {@link BarChart} and the other charts of
 * {@code org.deepfer.plot} (same fonts scaled to the image, axis and grid greys, and class colours
 * from {@link BarChart#seriesColor(int)}, so that a class has the same colour here as elsewhere).
 *
 * <p>Each {@code render…} method returns the image, each file method writes it as PNG (creating
 * parent folders, atomically via {@link Reports}); callers record the file as a run output.
 */
public final class EvaluationPlots {
    private static final Color AXIS = new Color(0x333333);
    private static final Color GRID = new Color(0xDDDDDD);
    /** The chance line of ROC and the perfect-calibration line: visible, but behind the data. */
    private static final Color REFERENCE = new Color(0x999999);
    private static final int MIN_SIZE = 300;
    private static final int DEFAULT_WIDTH = 800;
    private static final int DEFAULT_HEIGHT = 760;
    /** Values at tick marks of the probability axes. */
    private static final double[] UNIT_TICKS = {0, 0.2, 0.4, 0.6, 0.8, 1};
    private static final String[] UNIT_TICK_LABELS = {"0", "0.2", "0.4", "0.6", "0.8", "1"};
    /** Share of the reliability diagram's plot height given to the count histogram below it. */
    private static final double HISTOGRAM_SHARE = 0.22;

    private EvaluationPlots() {}

    /** Writes {@link #renderConfusionMatrix} at 800x760 to {@code png}. */
    public static void confusionMatrix(Evaluation evaluation, boolean normalised, Path png) {
        write(renderConfusionMatrix(evaluation, normalised, DEFAULT_WIDTH, DEFAULT_HEIGHT), png);
    }

    /** Writes {@link #renderRocCurves} at 800x760 to {@code png}. */
    public static void rocCurves(Evaluation evaluation, Path png) {
        write(renderRocCurves(evaluation, DEFAULT_WIDTH, DEFAULT_HEIGHT), png);
    }

    /** Writes {@link #renderReliabilityDiagram} at 800x760 to {@code png}. */
    public static void reliabilityDiagram(Evaluation evaluation, Path png) {
        write(renderReliabilityDiagram(evaluation, DEFAULT_WIDTH, DEFAULT_HEIGHT), png);
    }

    /**
     * A heat map of the confusion matrix, true class down the side and predicted class along the
     * bottom, each cell showing its number; darker is more. With {@code normalised} each row is the
     * share of that true class (the diagonal is each class's recall), which reads better than counts
     * when classes are as unbalanced as FER2013's; otherwise the counts, shaded relative to the
     * largest cell. Numbers are left out when the cells are too small to hold them legibly.
     */
    public static BufferedImage renderConfusionMatrix(Evaluation evaluation, boolean normalised, int width,
            int height) {
        check(evaluation, width, height);
        int k = evaluation.classNames().size();
        double[][] values = new double[k][k];
        double max = 0;
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                values[t][p] = normalised ? evaluation.normalisedConfusionMatrix().get(t).get(p)
                        : evaluation.confusionCount(t, p);
                max = Math.max(max, values[t][p]);
            }
        }
        double scaleMax = normalised ? 1 : Math.max(1, max);
        String title = normalised
                ? "Confusion matrix, share of each true class (accuracy " + fixed(evaluation.accuracy(), 4) + ")"
                : "Confusion matrix, counts (N = " + evaluation.samples() + ", accuracy "
                        + fixed(evaluation.accuracy(), 4) + ")";

        Canvas canvas = new Canvas(width, height);
        Graphics2D g = canvas.g;
        try {
            Fonts f = canvas.fonts;
            int pad = f.base;
            FontMetrics labels = g.getFontMetrics(f.label);
            FontMetrics ticks = g.getFontMetrics(f.tick);
            int widestName = 0;
            for (String name : evaluation.classNames()) {
                widestName = Math.max(widestName, ticks.stringWidth(name));
            }
            String maxLabel = normalised ? "1" : String.valueOf((long) scaleMax);
            int colourBar = Math.max(12, pad * 3 / 2);
            int top = pad + g.getFontMetrics(f.title).getHeight() + pad;
            int left = pad + labels.getHeight() + pad / 2 + widestName + pad / 2;
            int right = width - pad - ticks.stringWidth(maxLabel) - pad / 2 - colourBar - pad;
            int bottomFixed = pad + labels.getHeight() + pad / 2;
            int cell = Math.max(1, Math.min((right - left) / k,
                    (height - bottomFixed - ticks.getHeight() - pad / 2 - top) / k));
            boolean rotateColumnNames = widestName > cell - 4;
            if (rotateColumnNames) {
                cell = Math.max(1,
                        Math.min((right - left) / k, (height - bottomFixed - widestName - pad / 2 - top) / k));
            }
            int size = cell * k;
            left += Math.max(0, (right - left - size) / 2); // centre the matrix in the room it has

            title(g, f, title, width);

            Font cellFont = cellFont(g, values, normalised, cell, f.base);
            for (int t = 0; t < k; t++) {
                for (int p = 0; p < k; p++) {
                    Color fill = shade(values[t][p] / scaleMax);
                    int x = left + p * cell;
                    int y = top + t * cell;
                    g.setColor(fill);
                    g.fillRect(x, y, cell, cell);
                    if (cellFont != null) {
                        g.setFont(cellFont);
                        FontMetrics m = g.getFontMetrics();
                        String text = normalised ? fixed(values[t][p], 2) : String.valueOf((long) values[t][p]);
                        g.setColor(luminance(fill) < 0.5 ? Color.WHITE : AXIS);
                        g.drawString(text, x + (cell - m.stringWidth(text)) / 2,
                                y + (cell + m.getAscent() - m.getDescent()) / 2);
                    }
                }
            }
            g.setColor(GRID);
            for (int i = 1; i < k; i++) {
                g.drawLine(left + i * cell, top, left + i * cell, top + size);
                g.drawLine(left, top + i * cell, left + size, top + i * cell);
            }
            g.setColor(AXIS);
            g.setStroke(new BasicStroke(1.2f));
            g.drawRect(left, top, size, size);

            // Class names: rows right-aligned against the matrix, columns under it.
            g.setFont(f.tick);
            for (int i = 0; i < k; i++) {
                String name = evaluation.classNames().get(i);
                g.drawString(name, left - pad / 2 - ticks.stringWidth(name),
                        top + i * cell + (cell + ticks.getAscent() - ticks.getDescent()) / 2);
                int centre = left + i * cell + cell / 2;
                if (rotateColumnNames) {
                    Graphics2D r = (Graphics2D) g.create();
                    try {
                        r.translate(centre + (ticks.getAscent() - ticks.getDescent()) / 2.0,
                                top + size + pad / 2.0 + ticks.stringWidth(name));
                        r.rotate(-Math.PI / 2);
                        r.drawString(name, 0, 0);
                    } finally {
                        r.dispose();
                    }
                } else {
                    centred(g, name, centre, top + size + pad / 2 + ticks.getAscent());
                }
            }
            int namesBottom = top + size + pad / 2 + (rotateColumnNames ? widestName : ticks.getHeight());
            g.setFont(f.label);
            centred(g, "predicted", left + size / 2, namesBottom + pad / 2 + labels.getAscent());
            vertical(g, "true", left - pad / 2 - widestName - pad / 2 - labels.getDescent(), top + size / 2.0);

            // Colour bar: the shade scale from 0 (bottom) to the largest value (top).
            int barX = left + size + pad;
            for (int y = 0; y < size; y++) {
                g.setColor(shade(1 - (double) y / Math.max(1, size - 1)));
                g.drawLine(barX, top + y, barX + colourBar, top + y);
            }
            g.setColor(AXIS);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(barX, top, colourBar, size);
            g.setFont(f.tick);
            g.drawString(maxLabel, barX + colourBar + pad / 2, top + ticks.getAscent());
            g.drawString("0", barX + colourBar + pad / 2, top + size);
        } finally {
            g.dispose();
        }
        return canvas.image;
    }

    /**
     * The one-vs-rest ROC curve of every class in its class colour, with its AUC in the legend
     * ("n/a" for a class without positives or negatives, which has no curve), and the diagonal of a
     * classifier that guesses. Square axes, so that areas look like what they are.
     */
    public static BufferedImage renderRocCurves(Evaluation evaluation, int width, int height) {
        check(evaluation, width, height);
        Canvas canvas = new Canvas(width, height);
        Graphics2D g = canvas.g;
        try {
            Fonts f = canvas.fonts;
            int pad = f.base;
            String title = "ROC curves, one vs rest (macro AUC " + auc(evaluation.macroRocAuc()) + ")";
            int top = pad + g.getFontMetrics(f.title).getHeight() + pad;
            Rectangle plot = unitPlot(g, f, width, height, top);
            title(g, f, title, width);
            int yTitleX = plot.x - pad / 2 - g.getFontMetrics(f.tick).stringWidth("0.8") - pad / 2
                    - g.getFontMetrics(f.label).getDescent();
            unitGrid(g, f, plot, true, "false positive rate", "true positive rate", yTitleX, height);

            float line = lineWidth(width, height);
            Stroke dashed = new BasicStroke(Math.max(1.5f, line / 1.5f), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    10, new float[] {8, 6}, 0);
            g.setColor(REFERENCE);
            g.setStroke(dashed);
            g.draw(new Line2D.Double(px(plot, 0), py(plot, 0), px(plot, 1), py(plot, 1)));

            g.setStroke(new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            List<Evaluation.RocCurve> curves = evaluation.rocCurves();
            for (int c = 0; c < curves.size(); c++) {
                List<Double> x = curves.get(c).falsePositiveRates();
                List<Double> y = curves.get(c).truePositiveRates();
                if (x.isEmpty()) {
                    continue;
                }
                Path2D.Double path = new Path2D.Double();
                path.moveTo(px(plot, x.get(0)), py(plot, y.get(0)));
                for (int i = 1; i < x.size(); i++) {
                    path.lineTo(px(plot, x.get(i)), py(plot, y.get(i)));
                }
                g.setColor(BarChart.seriesColor(c));
                g.draw(path);
            }
            frame(g, plot);

            List<LegendEntry> entries = new ArrayList<>();
            for (int c = 0; c < evaluation.classNames().size(); c++) {
                entries.add(new LegendEntry(evaluation.classNames().get(c) + " (AUC "
                        + auc(evaluation.perClass().get(c).rocAuc()) + ")", BarChart.seriesColor(c), null, false));
            }
            entries.add(new LegendEntry("chance", REFERENCE, dashed, false));
            legendBox(g, f, plot, entries, line);
        } finally {
            g.dispose();
        }
        return canvas.image;
    }

    /**
     * The reliability diagram: per confidence bin, the accuracy as a bar and its gap to the bin's
     * mean confidence shaded, against the diagonal of perfect calibration, with ECE and MCE in the
     * title; below it, how many rows fall in each bin, since a large gap in a nearly empty bin
     * matters little (that is what ECE weighs by).
     */
    public static BufferedImage renderReliabilityDiagram(Evaluation evaluation, int width, int height) {
        check(evaluation, width, height);
        Evaluation.Calibration calibration = evaluation.calibration();
        List<Evaluation.CalibrationBin> bins = calibration.bins();
        int maxCount = 1;
        for (Evaluation.CalibrationBin b : bins) {
            maxCount = Math.max(maxCount, b.count());
        }
        double countStep = niceStep(maxCount / 2.0);
        double countTop = Math.ceil(maxCount / countStep) * countStep;
        Canvas canvas = new Canvas(width, height);
        Graphics2D g = canvas.g;
        try {
            Fonts f = canvas.fonts;
            int pad = f.base;
            FontMetrics titleMetrics = g.getFontMetrics(f.title);
            FontMetrics labels = g.getFontMetrics(f.label);
            FontMetrics ticks = g.getFontMetrics(f.tick);
            String title = "Reliability diagram (ECE " + fixed(calibration.expectedCalibrationError(), 4) + ", MCE "
                    + fixed(calibration.maximumCalibrationError(), 4) + ", " + bins.size() + " bins)";
            int legendY = pad + titleMetrics.getHeight() + pad / 2;
            int top = legendY + labels.getHeight() + pad;
            int widestTick = ticks.stringWidth("0.8");
            for (double t = 0; t <= countTop + countStep / 2; t += countStep) {
                widestTick = Math.max(widestTick, ticks.stringWidth(integer(t)));
            }
            int left = pad + labels.getHeight() + pad / 2 + widestTick + pad / 2;
            int right = width - 2 * pad;
            int bottom = height - pad - labels.getHeight() - pad / 2 - ticks.getHeight() - pad / 2;
            int available = bottom - top;
            int histogramHeight = (int) Math.round(available * HISTOGRAM_SHARE);
            int gap = pad * 2;
            int mainHeight = available - histogramHeight - gap;
            int plotWidth = Math.min(right - left, mainHeight); // the accuracy panel is square when room allows
            left += (right - left - plotWidth) / 2;
            Rectangle main = new Rectangle(left, top, plotWidth, mainHeight);
            Rectangle histogram = new Rectangle(left, bottom - histogramHeight, plotWidth, histogramHeight);

            title(g, f, title, width);

            Color accuracyColour = BarChart.seriesColor(0);
            Color gapEdge = BarChart.seriesColor(3);
            Color gapColour = new Color(gapEdge.getRed(), gapEdge.getGreen(), gapEdge.getBlue(), 90);
            float line = lineWidth(width, height);
            Stroke dashed = new BasicStroke(Math.max(1.5f, line / 1.5f), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    10, new float[] {8, 6}, 0);
            List<LegendEntry> legend = List.of(
                    new LegendEntry("accuracy", accuracyColour, null, true),
                    new LegendEntry("gap to mean confidence", gapColour, null, true),
                    new LegendEntry("perfect calibration", REFERENCE, dashed, false));
            legendLine(g, f, legend, width, legendY, line);

            // Both panels' axis titles line up, left of the wider tick labels (the counts).
            int yTitleX = left - pad / 2 - widestTick - pad / 2 - labels.getDescent();
            unitGrid(g, f, main, false, "", "accuracy", yTitleX, height);
            for (Evaluation.CalibrationBin b : bins) {
                if (b.count() == 0) {
                    continue;
                }
                double x0 = px(main, b.lower());
                double x1 = px(main, b.upper());
                g.setColor(accuracyColour);
                double barTop = py(main, b.accuracy());
                g.fill(new Rectangle2D.Double(x0, barTop, x1 - x0, py(main, 0) - barTop));
                g.setColor(Color.WHITE);
                g.setStroke(new BasicStroke(1f));
                g.draw(new Line2D.Double(x0, barTop, x0, py(main, 0)));
                double low = Math.min(b.accuracy(), b.confidence());
                double high = Math.max(b.accuracy(), b.confidence());
                Rectangle2D.Double gapBox = new Rectangle2D.Double(x0, py(main, high), x1 - x0,
                        py(main, low) - py(main, high));
                g.setColor(gapColour);
                g.fill(gapBox);
                g.setColor(gapEdge);
                g.draw(gapBox);
            }
            g.setColor(REFERENCE);
            g.setStroke(dashed);
            g.draw(new Line2D.Double(px(main, 0), py(main, 0), px(main, 1), py(main, 1)));
            frame(g, main);

            // Histogram of rows per bin, its own count axis, sharing the x axis with the panel above.
            g.setFont(f.tick);
            for (double t = 0; t <= countTop + countStep / 2; t += countStep) {
                int y = (int) Math.round(histogram.y + histogram.height * (1 - t / countTop));
                g.setColor(GRID);
                g.drawLine(histogram.x, y, histogram.x + histogram.width, y);
                g.setColor(AXIS);
                String label = integer(t);
                g.drawString(label, histogram.x - pad / 2 - ticks.stringWidth(label), y + ticks.getAscent() / 2 - 1);
            }
            for (int i = 0; i < UNIT_TICKS.length; i++) {
                int x = (int) Math.round(px(histogram, UNIT_TICKS[i]));
                g.setColor(GRID);
                g.drawLine(x, histogram.y, x, histogram.y + histogram.height);
                g.setColor(AXIS);
                centred(g, UNIT_TICK_LABELS[i], x, histogram.y + histogram.height + pad / 2 + ticks.getAscent());
            }
            g.setColor(BarChart.seriesColor(7));
            for (Evaluation.CalibrationBin b : bins) {
                double x0 = px(histogram, b.lower());
                double x1 = px(histogram, b.upper());
                double h = histogram.height * b.count() / countTop;
                g.fill(new Rectangle2D.Double(x0 + 0.5, histogram.y + histogram.height - h, Math.max(1, x1 - x0 - 1),
                        h));
            }
            frame(g, histogram);
            g.setFont(f.label);
            g.setColor(AXIS);
            centred(g, "confidence (top-1 probability)", histogram.x + histogram.width / 2,
                    height - pad - labels.getDescent());
            vertical(g, "rows", yTitleX, histogram.y + histogram.height / 2.0);
        } finally {
            g.dispose();
        }
        return canvas.image;
    }

    private static void write(BufferedImage image, Path png) {
        Reports.writeBytes(null, png, ImageCodec.write(image, "png"));
    }

    private static void check(Evaluation evaluation, int width, int height) {
        if (evaluation == null) {
            throw new IllegalArgumentException("plot needs an evaluation");
        }
        if (width < MIN_SIZE || height < MIN_SIZE) {
            throw new IllegalArgumentException("plot must be at least " + MIN_SIZE + "x" + MIN_SIZE
                    + " pixels, got " + width + "x" + height);
        }
    }

    /** A white image with antialiasing on and the fonts of the plot package scaled to its size. */
    private static final class Canvas {
        final BufferedImage image;
        final Graphics2D g;
        final Fonts fonts;

        Canvas(int width, int height) {
            image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            fonts = Fonts.of(width, height);
        }
    }

    /** Title, axis-label and tick fonts as {@link BarChart} sizes them. */
    private record Fonts(int base, Font title, Font label, Font tick) {
        static Fonts of(int width, int height) {
            int base = Math.max(11, Math.min(width, height) / 40);
            return new Fonts(base, new Font(Font.SANS_SERIF, Font.BOLD, base + 5),
                    new Font(Font.SANS_SERIF, Font.PLAIN, base + 1), new Font(Font.SANS_SERIF, Font.PLAIN, base));
        }
    }

    /** One legend line: a filled swatch ({@code box}) or a line in {@code stroke} (solid when null). */
    private record LegendEntry(String text, Color colour, Stroke stroke, boolean box) {}

    /** The largest square plot for [0, 1] x [0, 1] below {@code top}, centred across the width. */
    private static Rectangle unitPlot(Graphics2D g, Fonts f, int width, int height, int top) {
        FontMetrics labels = g.getFontMetrics(f.label);
        FontMetrics ticks = g.getFontMetrics(f.tick);
        int pad = f.base;
        int left = pad + labels.getHeight() + pad / 2 + ticks.stringWidth("0.8") + pad / 2;
        int right = width - 2 * pad;
        int bottom = height - pad - labels.getHeight() - pad / 2 - ticks.getHeight() - pad / 2;
        int size = Math.max(1, Math.min(right - left, bottom - top));
        return new Rectangle(left + (right - left - size) / 2, top, size, size);
    }

    /**
     * Grid lines every 0.2 on both axes of a [0, 1] x [0, 1] plot, with y tick labels, x tick labels
     * if {@code xLabels}, and axis titles (the y title with its baseline at {@code yTitleX}).
     */
    private static void unitGrid(Graphics2D g, Fonts f, Rectangle plot, boolean xLabels, String xTitle,
            String yTitle, double yTitleX, int height) {
        FontMetrics labels = g.getFontMetrics(f.label);
        FontMetrics ticks = g.getFontMetrics(f.tick);
        int pad = f.base;
        g.setFont(f.tick);
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < UNIT_TICKS.length; i++) {
            int x = (int) Math.round(px(plot, UNIT_TICKS[i]));
            int y = (int) Math.round(py(plot, UNIT_TICKS[i]));
            g.setColor(GRID);
            g.drawLine(x, plot.y, x, plot.y + plot.height);
            g.drawLine(plot.x, y, plot.x + plot.width, y);
            g.setColor(AXIS);
            if (xLabels) {
                centred(g, UNIT_TICK_LABELS[i], x, plot.y + plot.height + pad / 2 + ticks.getAscent());
            }
            g.drawString(UNIT_TICK_LABELS[i], plot.x - pad / 2 - ticks.stringWidth(UNIT_TICK_LABELS[i]),
                    y + ticks.getAscent() / 2 - 1);
        }
        g.setFont(f.label);
        g.setColor(AXIS);
        if (!xTitle.isEmpty()) {
            centred(g, xTitle, plot.x + plot.width / 2, height - pad - labels.getDescent());
        }
        if (!yTitle.isEmpty()) {
            vertical(g, yTitle, yTitleX, plot.y + plot.height / 2.0);
        }
    }

    /**
     * The title centred at the top in the title font, or in a smaller bold font down to the tick
     * size if it is too wide for the image (small images), shortened with an ellipsis as a last resort.
     */
    private static void title(Graphics2D g, Fonts f, String text, int width) {
        int room = width - 2 * f.base;
        Font font = f.title;
        while (g.getFontMetrics(font).stringWidth(text) > room && font.getSize() > f.base) {
            font = font.deriveFont((float) font.getSize() - 1);
        }
        FontMetrics m = g.getFontMetrics(font);
        String shown = text;
        while (m.stringWidth(shown) > room && shown.length() > 1) {
            shown = shown.substring(0, shown.length() - 2) + "…";
        }
        g.setFont(font);
        g.setColor(AXIS);
        // Same baseline whatever the size, so the layout below (measured with the title font) holds.
        centred(g, shown, width / 2, f.base + g.getFontMetrics(f.title).getAscent());
    }

    /** The left and bottom axes, drawn last so the data does not cover them. */
    private static void frame(Graphics2D g, Rectangle plot) {
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(plot.x, plot.y, plot.x, plot.y + plot.height);
        g.drawLine(plot.x, plot.y + plot.height, plot.x + plot.width, plot.y + plot.height);
    }

    /** A boxed legend in the lower right of the plot, where ROC curves never go. */
    private static void legendBox(Graphics2D g, Fonts f, Rectangle plot, List<LegendEntry> entries, float line) {
        FontMetrics m = g.getFontMetrics(f.tick);
        int pad = f.base;
        int swatch = 2 * m.getAscent();
        int widest = 0;
        for (LegendEntry e : entries) {
            widest = Math.max(widest, m.stringWidth(e.text()));
        }
        int boxWidth = pad / 2 + swatch + 4 + widest + pad / 2;
        int boxHeight = pad / 2 + entries.size() * m.getHeight() + pad / 2;
        int x = plot.x + plot.width - pad / 2 - boxWidth;
        int y = plot.y + plot.height - pad / 2 - boxHeight;
        g.setColor(Color.WHITE);
        g.fillRect(x, y, boxWidth, boxHeight);
        g.setColor(GRID);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, y, boxWidth, boxHeight);
        g.setFont(f.tick);
        for (int i = 0; i < entries.size(); i++) {
            int rowY = y + pad / 2 + i * m.getHeight();
            drawSwatch(g, entries.get(i), x + pad / 2, rowY, swatch, m, line);
            g.setColor(AXIS);
            g.drawString(entries.get(i).text(), x + pad / 2 + swatch + 4, rowY + m.getAscent());
        }
    }

    /** One line of swatches and names centred at {@code y}, as under the titles of the line charts. */
    private static void legendLine(Graphics2D g, Fonts f, List<LegendEntry> entries, int width, int y, float line) {
        FontMetrics m = g.getFontMetrics(f.label);
        int pad = f.base;
        int swatch = 2 * m.getAscent();
        int total = -2 * pad;
        for (LegendEntry e : entries) {
            total += swatch + 4 + m.stringWidth(e.text()) + 2 * pad;
        }
        int x = Math.max(pad, (width - total) / 2);
        g.setFont(f.label);
        for (LegendEntry e : entries) {
            drawSwatch(g, e, x, y, swatch, m, line);
            g.setColor(AXIS);
            g.drawString(e.text(), x + swatch + 4, y + m.getAscent());
            x += swatch + 4 + m.stringWidth(e.text()) + 2 * pad;
        }
    }

    private static void drawSwatch(Graphics2D g, LegendEntry e, int x, int y, int swatch, FontMetrics m, float line) {
        g.setColor(e.colour());
        if (e.box()) {
            int side = m.getAscent();
            int left = x + (swatch - side) / 2;
            int top = y + (m.getHeight() - side) / 2;
            g.fillRect(left, top, side, side);
            // An outline in the opaque colour, as translucent boxes (the calibration gap) have in the plot.
            g.setColor(new Color(e.colour().getRGB()));
            g.setStroke(new BasicStroke(1f));
            g.drawRect(left, top, side, side);
        } else {
            double middle = y + m.getHeight() / 2.0;
            g.setStroke(e.stroke() != null ? e.stroke()
                    : new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new Line2D.Double(x, middle, x + swatch, middle));
        }
    }

    /** The largest font up to the tick size (at least 8pt) whose cell numbers fit; null if none does. */
    private static Font cellFont(Graphics2D g, double[][] values, boolean normalised, int cell, int base) {
        String widest = normalised ? "0.00" : "0";
        for (double[] row : values) {
            for (double v : row) {
                String text = normalised ? fixed(v, 2) : String.valueOf((long) v);
                widest = text.length() > widest.length() ? text : widest;
            }
        }
        for (int size = base; size >= 8; size--) {
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, size);
            FontMetrics m = g.getFontMetrics(font);
            if (m.stringWidth(widest) <= cell - 4 && m.getAscent() <= cell - 2) {
                return font;
            }
        }
        return null;
    }

    /** White at 0 to the first class colour (blue) at 1, the usual sequential map of a heat map. */
    private static Color shade(double fraction) {
        double t = Math.max(0, Math.min(1, fraction));
        Color end = BarChart.seriesColor(0);
        return new Color((int) Math.round(255 + (end.getRed() - 255) * t),
                (int) Math.round(255 + (end.getGreen() - 255) * t), (int) Math.round(255 + (end.getBlue() - 255) * t));
    }

    /** Relative luminance in 0..1, to pick dark or white text on a cell. */
    private static double luminance(Color c) {
        return (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255;
    }

    private static void centred(Graphics2D g, String text, int centreX, int baseline) {
        g.drawString(text, centreX - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    /** {@code text} rotated to read bottom to top, centred on {@code centreY}, baseline at {@code x}. */
    private static void vertical(Graphics2D g, String text, double x, double centreY) {
        Graphics2D r = (Graphics2D) g.create();
        try {
            r.translate(x, centreY);
            r.rotate(-Math.PI / 2);
            r.drawString(text, -r.getFontMetrics().stringWidth(text) / 2, 0);
        } finally {
            r.dispose();
        }
    }

    private static double px(Rectangle plot, double x) {
        return plot.x + plot.width * x;
    }

    private static double py(Rectangle plot, double y) {
        return plot.y + plot.height * (1 - y);
    }

    /** Lines grow a little with the image so large charts stay legible, as in the line charts. */
    private static float lineWidth(int width, int height) {
        return Math.max(2f, Math.min(width, height) / 250f);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough} (and at least 1, as counts are whole). */
    private static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(1, rough))));
        double fraction = Math.max(1, rough) / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static String auc(double value) {
        return Double.isNaN(value) ? "n/a" : fixed(value, 4);
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String integer(double value) {
        return String.valueOf(Math.round(value));
    }
}
