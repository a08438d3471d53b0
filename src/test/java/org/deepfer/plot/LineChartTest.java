package org.deepfer.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.deepfer.plot.LineChart.Panel;
import org.deepfer.plot.LineChart.Series;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
    private static final int WHITE = 0xFFFFFFFF;

    private static Panel lossPanel() {
        return new Panel("Loss", "epoch", "cross-entropy", List.of(
                Series.overEpochs("train", new double[] {1.9, 1.4, 1.1, 0.9, 0.8, 0.7}),
                Series.overEpochs("validation", new double[] {1.8, 1.5, 1.3, 1.2, 1.2, 1.25})));
    }

    private static Panel accuracyPanel() {
        return new Panel("Accuracy", "epoch", "fraction", List.of(
                Series.overEpochs("train", new double[] {0.25, 0.4, 0.5, 0.58, 0.63, 0.67}),
                Series.overEpochs("validation", new double[] {0.27, 0.38, 0.45, 0.5, 0.52, 0.53}),
                Series.overEpochs("validation macro-F1", new double[] {0.2, 0.3, 0.38, 0.43, 0.45, 0.46})));
    }

    @Test
    void imagesHaveTheRequestedSize() {
        BufferedImage single = LineChart.render(lossPanel(), 640, 400);
        assertEquals(640, single.getWidth());
        assertEquals(400, single.getHeight());
        BufferedImage pair = LineChart.renderPanels(List.of(lossPanel(), accuracyPanel()), 1201, 450);
        assertEquals(1201, pair.getWidth());
        assertEquals(450, pair.getHeight());
    }

    @Test
    void risingSeriesRunsFromLowerLeftToUpperRightOfThePlot() {
        // From corner to corner of the axes (x spans 0..10 exactly, y rounds out to 0..1).
        double[] epochs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] accuracy = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
        Panel panel = new Panel("Accuracy", "epoch", "fraction", List.of(new Series("train", epochs, accuracy)));
        BufferedImage chart = LineChart.render(panel, 800, 500);
        Rectangle plot = LineChart.plotArea(panel, 800, 500);
        int colour = BarChart.seriesColor(0).getRGB();
        int midX = plot.x + plot.width / 2;
        int midY = plot.y + plot.height / 2;
        // Keep clear of the centre, where the diagonal crosses from one quarter to the next.
        int margin = 10;

        assertTrue(count(chart, colour, plot.x, midY + margin, midX - margin, plot.y + plot.height) > 100,
                "lower-left quarter should hold the start of the curve");
        assertTrue(count(chart, colour, midX + margin, plot.y, plot.x + plot.width, midY - margin) > 100,
                "upper-right quarter should hold the end of the curve");
        assertEquals(0, count(chart, colour, plot.x, plot.y, midX - margin, midY - margin),
                "upper-left quarter should be free of the curve");
        assertEquals(0, count(chart, colour, midX + margin, midY + margin, plot.x + plot.width, plot.y + plot.height),
                "lower-right quarter should be free of the curve");
        assertEquals(WHITE, chart.getRGB(2, 2));
    }

    @Test
    void panelsSitSideBySideWithTheirOwnCurves() {
        BufferedImage pair = LineChart.renderPanels(List.of(lossPanel(), accuracyPanel()), 1200, 450);
        int third = BarChart.seriesColor(2).getRGB();
        // Only the accuracy panel, on the right, has a third series.
        assertEquals(0, count(pair, third, 0, 0, 600, 450));
        assertTrue(count(pair, third, 600, 0, 1200, 450) > 100);
        int validation = BarChart.seriesColor(1).getRGB();
        assertTrue(count(pair, validation, 0, 0, 600, 450) > 100);
        assertTrue(count(pair, validation, 600, 0, 1200, 450) > 100);
    }

    @Test
    void writePngWritesTheRenderedChart(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("plots/curves.png");
        LineChart.writePng(List.of(lossPanel(), accuracyPanel()), 1000, 400, file);
        BufferedImage decoded = ImageIO.read(file.toFile());
        assertNotNull(decoded);
        // The file holds the chart render draws, pixel for pixel (PNG is lossless).
        Pixels.assertSame(LineChart.renderPanels(List.of(lossPanel(), accuracyPanel()), 1000, 400), decoded);
    }

    @Test
    void nonFinitePointsAreSkippedAndBreakTheLine() {
        double[] epochs = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[] loss = {9, 8, 7, 6, Double.NaN, 4, 3, Double.POSITIVE_INFINITY, 1};
        Panel panel = new Panel("Loss", "epoch", "loss", List.of(new Series("train", epochs, loss)), false);
        BufferedImage chart = LineChart.render(panel, 800, 500);
        Rectangle plot = LineChart.plotArea(panel, 800, 500);
        int colour = BarChart.seriesColor(0).getRGB();
        // x runs from epoch 1 to 9, so epoch 5 (NaN) sits in the middle; nothing is drawn in that column.
        int gapColumn = plot.x + plot.width / 2;
        assertEquals(0, count(chart, colour, gapColumn - 2, plot.y, gapColumn + 3, plot.y + plot.height));
        // Epoch 9, near the right edge, has no finite neighbour but still shows as a dot.
        int right = plot.x + plot.width;
        assertTrue(count(chart, colour, right - 20, plot.y, right, plot.y + plot.height) > 0);
        assertTrue(count(chart, colour, plot.x, plot.y, gapColumn, plot.y + plot.height) > 100);
    }

    @Test
    void panelsWithoutDataDrawAxesAndSayNoData() {
        Panel empty = new Panel("Loss", "epoch", "loss", List.of());
        Panel allNaN = new Panel("Accuracy", "epoch", "fraction",
                List.of(new Series("train", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN})));
        for (Panel panel : List.of(empty, allNaN)) {
            BufferedImage chart = LineChart.render(panel, 400, 300);
            Rectangle plot = LineChart.plotArea(panel, 400, 300);
            assertTrue(isDark(chart.getRGB(plot.x, plot.y + plot.height / 3)), "y axis of " + panel.title());
            int bottom = plot.y + plot.height;
            assertTrue(isDark(chart.getRGB(plot.x + plot.width / 3, bottom)), "x axis of " + panel.title());
            int darkInCentre = 0;
            for (int y = plot.y + plot.height / 3; y < plot.y + plot.height * 2 / 3; y++) {
                for (int x = plot.x + plot.width / 3; x < plot.x + plot.width * 2 / 3; x++) {
                    darkInCentre += isDark(chart.getRGB(x, y)) ? 1 : 0;
                }
            }
            assertTrue(darkInCentre > 20, "'no data' text expected in " + panel.title() + ": " + darkInCentre);
        }
    }

    @Test
    void mismatchedSeriesAndTooSmallPanelsAreRejected() {
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> new Series("train", new double[] {1, 2, 3}, new double[] {1, 2}));
        assertEquals("series 'train' has 3 x values but 2 y values; they must pair up", lengths.getMessage());
        IllegalArgumentException narrow = assertThrows(IllegalArgumentException.class,
                () -> LineChart.renderPanels(List.of(lossPanel(), accuracyPanel(), lossPanel()), 500, 300));
        assertTrue(narrow.getMessage().contains("at least 200x150 pixels, got 166x300"), narrow.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LineChart.renderPanels(List.of(), 800, 300));
    }

    @Test
    void seriesKeepTheirOwnCopyOfTheValues() {
        double[] y = {1, 2, 3};
        Series series = Series.overEpochs("train", y);
        y[0] = 99;
        series.y()[1] = 99;
        assertEquals(List.of(1.0, 2.0, 3.0), List.of(series.y()[0], series.y()[1], series.y()[2]));
        assertEquals(List.of(1.0, 2.0, 3.0), List.of(series.x()[0], series.x()[1], series.x()[2]));
    }

    /** Pixels of exactly {@code rgb} in {@code [x0, x1) x [y0, y1)}. */
    @Test
    void aLegendWiderThanThePanelWrapsIntoRowsAboveThePlotShowingEverySeries() {
        List<Series> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            runs.add(Series.overEpochs("20261205-16021" + i, new double[] {0.3 + 0.01 * i, 0.5, 0.6}));
        }
        Panel many = new Panel("Validation accuracy", "epoch", "accuracy", runs);
        Panel one = new Panel("Validation accuracy", "epoch", "accuracy", runs.subList(0, 1));
        int width = 500;
        Rectangle plot = LineChart.plotArea(many, width, 400);
        Rectangle onePlot = LineChart.plotArea(one, width, 400);
        int row;
        try (ChartFrame frame = ChartFrame.measuring(width, 400)) {
            row = frame.labelMetrics().getHeight();
        }
        int extraRows = (plot.y - onePlot.y) / row;
        assertTrue(extraRows >= 1 && plot.y - onePlot.y == extraRows * row,
                "each further legend row pushes the plot down one row: " + plot.y + " vs " + onePlot.y);

        BufferedImage chart = LineChart.render(many, width, 400);
        for (int i = 0; i < runs.size(); i++) {
            int colour = BarChart.seriesColor(i).getRGB();
            assertTrue(count(chart, colour, 0, 0, width, plot.y) > 10, "series " + i + "'s swatch is in the legend");
        }
    }

    private static int count(BufferedImage image, int rgb, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                n += image.getRGB(x, y) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    private static boolean isDark(int rgb) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        return r + g + b < 3 * 0x90;
    }
}
