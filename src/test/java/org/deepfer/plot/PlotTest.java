package org.deepfer.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import javax.imageio.ImageIO;
import org.deepfer.image.FaceImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotTest {
    private static final List<String> EMOTIONS =
            List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral");

    private static LinkedHashMap<String, double[]> splitCounts() {
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        series.put("train", new double[] {3995, 436, 4097, 7215, 4830, 3171, 4965});
        series.put("validation", new double[] {467, 56, 496, 895, 653, 415, 607});
        series.put("test", new double[] {491, 55, 528, 879, 594, 416, 626});
        return series;
    }

    @Test
    void barChartHasTheRequestedSizeAndBarsInTheirSeriesColour() {
        BufferedImage chart = BarChart.render("Class counts", "images", EMOTIONS, splitCounts(), 900, 500);
        assertEquals(900, chart.getWidth());
        assertEquals(500, chart.getHeight());
        // The tallest bar (train/happy) reaches far above the axis; count its colour in the plot.
        int trainColour = BarChart.seriesColor(0).getRGB();
        int validationColour = BarChart.seriesColor(1).getRGB();
        int trainPixels = 0;
        int validationPixels = 0;
        int nonWhite = 0;
        for (int y = 0; y < 500; y++) {
            for (int x = 0; x < 900; x++) {
                int rgb = chart.getRGB(x, y);
                trainPixels += rgb == trainColour ? 1 : 0;
                validationPixels += rgb == validationColour ? 1 : 0;
                nonWhite += rgb != 0xFFFFFFFF ? 1 : 0;
            }
        }
        assertTrue(trainPixels > 20_000, "train bar pixels: " + trainPixels);
        assertTrue(validationPixels > 1_000, "validation bar pixels: " + validationPixels);
        assertTrue(nonWhite < 900 * 500 / 2, "mostly white background expected, non-white: " + nonWhite);
    }

    @Test
    void singleBarFillsTheMiddleOfThePlot() {
        LinkedHashMap<String, double[]> one = new LinkedHashMap<>();
        one.put("accuracy", new double[] {0.9});
        BufferedImage chart = BarChart.render("Accuracy", "fraction", List.of("test"), one, 400, 300);
        assertEquals(BarChart.seriesColor(0).getRGB(), chart.getRGB(200, 200));
        assertEquals(0xFFFFFFFF, chart.getRGB(2, 2));
    }

    @Test
    void barChartRejectsSeriesOfTheWrongLength() {
        LinkedHashMap<String, double[]> bad = new LinkedHashMap<>();
        bad.put("train", new double[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BarChart.render("t", "y", EMOTIONS, bad, 900, 500));
        assertTrue(e.getMessage().contains("'train' has 2 values, expected 7"), e.getMessage());
    }

    @Test
    void writePngWritesTheRenderedChart(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("plots/class_counts.png");
        BarChart.writePng("Class counts", "images", EMOTIONS, splitCounts(), 900, 500, file);
        BufferedImage decoded = ImageIO.read(file.toFile());
        assertNotNull(decoded);
        // The file holds the chart render draws, pixel for pixel (PNG is lossless).
        Pixels.assertSame(BarChart.render("Class counts", "images", EMOTIONS, splitCounts(), 900, 500), decoded);
    }

    private static FaceImage grayFace(int width, int height, int value) {
        byte[] px = new byte[width * height];
        Arrays.fill(px, (byte) value);
        return FaceImage.gray(width, height, px);
    }

    private static ImageGrid.Row row(String title, ImageGrid.Cell... cells) {
        return new ImageGrid.Row(title, List.of(cells));
    }

    private static ImageGrid.Cell cell(FaceImage image, String caption) {
        return new ImageGrid.Cell(image, caption);
    }

    @Test
    void gridSizeFollowsTheDocumentedLayout() {
        FaceImage face = grayFace(48, 48, 100);
        List<ImageGrid.Row> rows = List.of(
                row(null, cell(face, "a"), cell(face, "b"), cell(face, "c")),
                row("", cell(face, "d")));
        BufferedImage grid = ImageGrid.render(rows, 3);
        int pad = ImageGrid.PADDING;
        assertEquals(pad + 3 * (144 + pad), grid.getWidth());
        assertEquals(pad + 2 * (144 + ImageGrid.CAPTION_LINE_HEIGHT + pad), grid.getHeight());
    }

    @Test
    void gridEnlargesPixelsCrisplyAndLeavesShortRowsBlank() {
        byte[] px = {0, (byte) 255, (byte) 255, 0};
        FaceImage checker = FaceImage.gray(2, 2, px);
        BufferedImage grid = ImageGrid.render(List.of(
                row("", cell(checker, ""), cell(checker, "")),
                row("", cell(checker, ""))), 4);
        int pad = ImageGrid.PADDING;
        // Each source pixel becomes an exact 4x4 block.
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int expected = ((x / 4) + (y / 4)) % 2 == 0 ? 0xFF000000 : 0xFFFFFFFF;
                assertEquals(expected, grid.getRGB(pad + x, pad + y), "(" + x + "," + y + ")");
            }
        }
        // The second row has one cell: where its second cell would be is background.
        int rowTop = pad + 8 + ImageGrid.CAPTION_LINE_HEIGHT + pad;
        int secondCellLeft = pad + 8 + pad;
        assertEquals(0xFFFFFFFF, grid.getRGB(secondCellLeft, rowTop));
        assertEquals(0xFF000000, grid.getRGB(pad, rowTop));
    }

    @Test
    void rowTitlesAddAColumnOnTheLeft() {
        FaceImage face = grayFace(10, 10, 50);
        int untitled = ImageGrid.render(List.of(row("", cell(face, "x"))), 2).getWidth();
        int titled = ImageGrid.render(List.of(row("group 1", cell(face, "x"))), 2).getWidth();
        assertTrue(titled > untitled + ImageGrid.PADDING, titled + " vs " + untitled);
    }

    @Test
    void longCaptionsWrapOntoMoreLines() {
        FaceImage face = grayFace(48, 48, 50);
        String ops = "flip,rot=-7.3,scale=1.03,shift=(1.2,-0.5),bright=+0.05,contrast=0.94,gamma=1.10";
        BufferedImage grid = ImageGrid.render(List.of(row("", cell(face, ops))), 2);
        assertTrue(grid.getHeight() > 2 * ImageGrid.PADDING + 96 + ImageGrid.CAPTION_LINE_HEIGHT);
    }

    @Test
    void emptyGridsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(List.of(), 2));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(List.of(row("only a title")), 2));
        FaceImage face = grayFace(4, 4, 0);
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(List.of(row("", cell(face, ""))), 0));
    }
}
