package org.deepfer.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
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
import org.deepfer.plot.ChartFrame;
import org.deepfer.run.Reports;

/**
 * The evaluate job's pictures of an {@link Evaluation}: confusion matrix, one-vs-rest ROC curves and
 * reliability diagram, drawn with Java2D on a {@link ChartFrame} like the charts of {@code
 * org.deepfer.plot} (same fonts scaled to the image, axis and grid greys, and class colours from
 * {@link ChartFrame#seriesColor(int)}, so that a class has the same colour here as elsewhere).
 *
 * <p>Each {@code render…} method returns the image, each file method writes it as PNG (creating
 * parent folders, atomically via {@link Reports}); callers record the file as a run output.
 */
public final class EvaluationPlots {
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

        try (ChartFrame frame = ChartFrame.open(width, height)) {
            Graphics2D g = frame.g();
            int pad = frame.pad();
            FontMetrics labels = frame.labelMetrics();
            FontMetrics ticks = frame.tickMetrics();
            int widestName = frame.widestTick(evaluation.classNames());
            String maxLabel = normalised ? "1" : String.valueOf((long) scaleMax);
            int colourBar = Math.max(12, pad * 3 / 2);
            int top = frame.plotTop(0);
            int left = frame.plotLeft(widestName);
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

            title(frame, title);

            Font cellFont = cellFont(g, values, normalised, cell, pad);
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
                        g.setColor(luminance(fill) < 0.5 ? Color.WHITE : ChartFrame.AXIS);
                        g.drawString(text, x + (cell - m.stringWidth(text)) / 2,
                                y + (cell + m.getAscent() - m.getDescent()) / 2);
                    }
                }
            }
            g.setColor(ChartFrame.GRID);
            for (int i = 1; i < k; i++) {
                g.drawLine(left + i * cell, top, left + i * cell, top + size);
                g.drawLine(left, top + i * cell, left + size, top + i * cell);
            }
            g.setColor(ChartFrame.AXIS);
            g.setStroke(new BasicStroke(1.2f));
            g.drawRect(left, top, size, size);

            // Class names: rows right-aligned against the matrix, columns under it.
            g.setFont(frame.tickFont());
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
                    frame.centredAt(name, centre, top + size + pad / 2 + ticks.getAscent());
                }
            }
            int namesBottom = top + size + pad / 2 + (rotateColumnNames ? widestName : ticks.getHeight());
            g.setFont(frame.labelFont());
            frame.centredAt("predicted", left + size / 2, namesBottom + pad / 2 + labels.getAscent());
            frame.vertical("true", left - pad / 2 - widestName - pad / 2 - labels.getDescent(), top + size / 2.0);

            // Colour bar: the shade scale from 0 (bottom) to the largest value (top).
            int barX = left + size + pad;
            for (int y = 0; y < size; y++) {
                g.setColor(shade(1 - (double) y / Math.max(1, size - 1)));
                g.drawLine(barX, top + y, barX + colourBar, top + y);
            }
            g.setColor(ChartFrame.AXIS);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(barX, top, colourBar, size);
            g.setFont(frame.tickFont());
            g.drawString(maxLabel, barX + colourBar + pad / 2, top + ticks.getAscent());
            g.drawString("0", barX + colourBar + pad / 2, top + size);
            return frame.image();
        }
    }

    /**
     * The one-vs-rest ROC curve of every class in its class colour, with its AUC in the legend
     * ("n/a" for a class without positives or negatives, which has no curve), and the diagonal of a
     * classifier that guesses. Square axes, so that areas look like what they are.
     */
    public static BufferedImage renderRocCurves(Evaluation evaluation, int width, int height) {
        check(evaluation, width, height);
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            Graphics2D g = frame.g();
            int pad = frame.pad();
            String title = "ROC curves, one vs rest (macro AUC " + auc(evaluation.macroRocAuc()) + ")";
            Rectangle plot = unitPlot(frame, frame.plotTop(0));
            title(frame, title);
            int yTitleX = plot.x - pad / 2 - frame.tickMetrics().stringWidth("0.8") - pad / 2
                    - frame.labelMetrics().getDescent();
            unitGrid(frame, plot, true, "false positive rate", "true positive rate", yTitleX);

            float line = frame.lineWidth();
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
                g.setColor(ChartFrame.seriesColor(c));
                g.draw(path);
            }
            frame.axes(plot);

            List<LegendEntry> entries = new ArrayList<>();
            for (int c = 0; c < evaluation.classNames().size(); c++) {
                entries.add(new LegendEntry(evaluation.classNames().get(c) + " (AUC "
                        + auc(evaluation.perClass().get(c).rocAuc()) + ")", ChartFrame.seriesColor(c), null, false));
            }
            entries.add(new LegendEntry("chance", REFERENCE, dashed, false));
            legendBox(frame, plot, entries, line);
            return frame.image();
        }
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
        // Counts are whole, so the count axis never steps by less than 1.
        double countStep = ChartFrame.niceStep(Math.max(1, maxCount / 2.0));
        double countTop = Math.ceil(maxCount / countStep) * countStep;
        List<String> countLabels = new ArrayList<>();
        for (double t = 0; t <= countTop + countStep / 2; t += countStep) {
            countLabels.add(integer(t));
        }
        try (ChartFrame frame = ChartFrame.open(width, height)) {
            Graphics2D g = frame.g();
            int pad = frame.pad();
            FontMetrics labels = frame.labelMetrics();
            String title = "Reliability diagram (ECE " + fixed(calibration.expectedCalibrationError(), 4) + ", MCE "
                    + fixed(calibration.maximumCalibrationError(), 4) + ", " + bins.size() + " bins)";
            int top = frame.legendTop() + labels.getHeight() + pad;
            int widestTick = Math.max(frame.tickMetrics().stringWidth("0.8"), frame.widestTick(countLabels));
            int left = frame.plotLeft(widestTick);
            int right = frame.plotRight();
            int bottom = frame.plotBottom();
            int available = bottom - top;
            int histogramHeight = (int) Math.round(available * HISTOGRAM_SHARE);
            int gap = pad * 2;
            int mainHeight = available - histogramHeight - gap;
            int plotWidth = Math.min(right - left, mainHeight); // the accuracy panel is square when room allows
            left += (right - left - plotWidth) / 2;
            Rectangle main = new Rectangle(left, top, plotWidth, mainHeight);
            Rectangle histogram = new Rectangle(left, bottom - histogramHeight, plotWidth, histogramHeight);

            title(frame, title);

            Color accuracyColour = ChartFrame.seriesColor(0);
            Color gapEdge = ChartFrame.seriesColor(3);
            Color gapColour = new Color(gapEdge.getRed(), gapEdge.getGreen(), gapEdge.getBlue(), 90);
            float line = frame.lineWidth();
            Stroke dashed = new BasicStroke(Math.max(1.5f, line / 1.5f), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    10, new float[] {8, 6}, 0);
            List<LegendEntry> legend = List.of(
                    new LegendEntry("accuracy", accuracyColour, null, true),
                    new LegendEntry("gap to mean confidence", gapColour, null, true),
                    new LegendEntry("perfect calibration", REFERENCE, dashed, false));
            frame.legend(legend.stream().map(LegendEntry::text).toList(), 2 * labels.getAscent(),
                    (legendG, i, x, rowTop) -> drawSwatch(legendG, legend.get(i), x, rowTop, 2 * labels.getAscent(),
                            labels, line));

            // Both panels' axis titles line up, left of the wider tick labels (the counts).
            int yTitleX = left - pad / 2 - widestTick - pad / 2 - labels.getDescent();
            unitGrid(frame, main, false, "", "accuracy", yTitleX);
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
            frame.axes(main);

            // Histogram of rows per bin, its own count axis, sharing the x axis with the panel above.
            for (int i = 0; i < countLabels.size(); i++) {
                double t = i * countStep;
                frame.yTick(histogram, (int) Math.round(histogram.y + histogram.height * (1 - t / countTop)),
                        countLabels.get(i));
            }
            for (int i = 0; i < UNIT_TICKS.length; i++) {
                frame.xTick(histogram, (int) Math.round(px(histogram, UNIT_TICKS[i])), UNIT_TICK_LABELS[i]);
            }
            g.setColor(ChartFrame.seriesColor(7));
            for (Evaluation.CalibrationBin b : bins) {
                double x0 = px(histogram, b.lower());
                double x1 = px(histogram, b.upper());
                double h = histogram.height * b.count() / countTop;
                g.fill(new Rectangle2D.Double(x0 + 0.5, histogram.y + histogram.height - h, Math.max(1, x1 - x0 - 1),
                        h));
            }
            frame.axes(histogram);
            g.setFont(frame.labelFont());
            g.setColor(ChartFrame.AXIS);
            frame.centredAt("confidence (top-1 probability)", histogram.x + histogram.width / 2,
                    height - pad - labels.getDescent());
            frame.vertical("rows", yTitleX, histogram.y + histogram.height / 2.0);
            return frame.image();
        }
    }

    private static void write(BufferedImage image, Path png) {
        Reports.writeBytes(null, png, ImageCodec.write(image, "png"));
    }

    private static void check(Evaluation evaluation, int width, int height) {
        if (evaluation == null) {
            throw new IllegalArgumentException("plot needs an evaluation");
        }
        ChartFrame.requireSize(width, height, MIN_SIZE, MIN_SIZE, "plot");
    }

    /** One legend line: a filled swatch ({@code box}) or a line in {@code stroke} (solid when null). */
    private record LegendEntry(String text, Color colour, Stroke stroke, boolean box) {}

    /** The largest square plot for [0, 1] x [0, 1] below {@code top}, centred across the width. */
    private static Rectangle unitPlot(ChartFrame frame, int top) {
        int left = frame.plotLeft(frame.tickMetrics().stringWidth("0.8"));
        int right = frame.plotRight();
        int size = Math.max(1, Math.min(right - left, frame.plotBottom() - top));
        return new Rectangle(left + (right - left - size) / 2, top, size, size);
    }

    /**
     * Grid lines every 0.2 on both axes of a [0, 1] x [0, 1] plot, with y tick labels, x tick labels
     * if {@code xLabels}, and axis titles (the y title with its baseline at {@code yTitleX}).
     */
    private static void unitGrid(ChartFrame frame, Rectangle plot, boolean xLabels, String xTitle, String yTitle,
            double yTitleX) {
        Graphics2D g = frame.g();
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < UNIT_TICKS.length; i++) {
            int x = (int) Math.round(px(plot, UNIT_TICKS[i]));
            frame.xGridLine(plot, x);
            if (xLabels) {
                frame.xTickLabel(plot, x, UNIT_TICK_LABELS[i]);
            }
            frame.yTick(plot, (int) Math.round(py(plot, UNIT_TICKS[i])), UNIT_TICK_LABELS[i]);
        }
        g.setFont(frame.labelFont());
        g.setColor(ChartFrame.AXIS);
        if (!xTitle.isEmpty()) {
            frame.centredAt(xTitle, plot.x + plot.width / 2,
                    frame.height() - frame.pad() - frame.labelMetrics().getDescent());
        }
        if (!yTitle.isEmpty()) {
            frame.vertical(yTitle, yTitleX, plot.y + plot.height / 2.0);
        }
    }

    /**
     * The title centred at the top in the title font, or in a smaller bold font down to the tick
     * size if it is too wide for the image (small images), shortened with an ellipsis as a last resort.
     */
    private static void title(ChartFrame frame, String text) {
        Graphics2D g = frame.g();
        int room = frame.width() - 2 * frame.pad();
        Font font = frame.titleFont();
        while (g.getFontMetrics(font).stringWidth(text) > room && font.getSize() > frame.pad()) {
            font = font.deriveFont((float) font.getSize() - 1);
        }
        FontMetrics m = g.getFontMetrics(font);
        String shown = text;
        while (m.stringWidth(shown) > room && shown.length() > 1) {
            shown = shown.substring(0, shown.length() - 2) + "…";
        }
        g.setFont(font);
        g.setColor(ChartFrame.AXIS);
        // Same baseline whatever the size, so the layout below (measured with the title font) holds.
        frame.centredAt(shown, frame.width() / 2, frame.pad() + frame.titleMetrics().getAscent());
    }

    /** A boxed legend in the lower right of the plot, where ROC curves never go. */
    private static void legendBox(ChartFrame frame, Rectangle plot, List<LegendEntry> entries, float line) {
        Graphics2D g = frame.g();
        FontMetrics m = frame.tickMetrics();
        int pad = frame.pad();
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
        g.setColor(ChartFrame.GRID);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, y, boxWidth, boxHeight);
        g.setFont(frame.tickFont());
        for (int i = 0; i < entries.size(); i++) {
            int rowY = y + pad / 2 + i * m.getHeight();
            drawSwatch(g, entries.get(i), x + pad / 2, rowY, swatch, m, line);
            g.setColor(ChartFrame.AXIS);
            g.drawString(entries.get(i).text(), x + pad / 2 + swatch + 4, rowY + m.getAscent());
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
        Color end = ChartFrame.seriesColor(0);
        return new Color((int) Math.round(255 + (end.getRed() - 255) * t),
                (int) Math.round(255 + (end.getGreen() - 255) * t), (int) Math.round(255 + (end.getBlue() - 255) * t));
    }

    /** Relative luminance in 0..1, to pick dark or white text on a cell. */
    private static double luminance(Color c) {
        return (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255;
    }

    private static double px(Rectangle plot, double x) {
        return plot.x + plot.width * x;
    }

    private static double py(Rectangle plot, double y) {
        return plot.y + plot.height * (1 - y);
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
