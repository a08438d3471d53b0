package org.deepfer.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartFrameTest {
    private static final int WHITE = 0xFFFFFFFF;

    @Test
    void openGivesAWhiteImageWithFontsScaledToItsSize() {
        try (ChartFrame small = ChartFrame.open(300, 200); ChartFrame large = ChartFrame.open(1600, 1200)) {
            BufferedImage image = small.image();
            assertEquals(300, image.getWidth());
            assertEquals(200, image.getHeight());
            assertEquals(WHITE, image.getRGB(150, 100));
            assertEquals(11, small.pad()); // never below 11 pixels
            assertEquals(30, large.pad()); // 1/40 of the shorter side
            assertEquals(large.pad() + 5, large.titleFont().getSize());
            assertEquals(large.pad() + 1, large.labelFont().getSize());
            assertEquals(large.pad(), large.tickFont().getSize());
        }
    }

    @Test
    void plotAreaLeavesRoomForTitleLegendTickLabelsAndAxisTitles() {
        try (ChartFrame frame = ChartFrame.measuring(800, 500)) {
            Rectangle withoutLegend = frame.plotArea(0, 20);
            Rectangle withLegend = frame.plotArea(1, 20);
            Rectangle widerTicks = frame.plotArea(0, 60);
            assertEquals(withoutLegend.y + frame.labelMetrics().getHeight(), withLegend.y);
            assertEquals(withoutLegend.x + 40, widerTicks.x);
            assertEquals(800 - 2 * frame.pad(), withoutLegend.x + withoutLegend.width);
            assertEquals(frame.plotBottom(), withoutLegend.y + withoutLegend.height);
            assertTrue(withoutLegend.y > frame.titleMetrics().getHeight(), "plot starts below the title");
        }
    }

    @Test
    void ticksKeepBothEndsDespiteRounding() {
        assertEquals(List.of(0.0, 0.1, 0.2, 0.30000000000000004), ChartFrame.ticks(0, 0.3, 0.1));
        assertEquals(List.of(-2.0, 0.0, 2.0), ChartFrame.ticks(-2, 2, 2));
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(2000, ChartFrame.niceStep(1443), 1e-9);
        assertEquals(0.2, ChartFrame.niceStep(0.18), 1e-12);
        assertEquals(5, ChartFrame.niceStep(3.1), 1e-12);
        assertEquals(10, ChartFrame.niceStep(10), 1e-12);
    }

    @Test
    void numbersShowAsManyDecimalsAsTheirResolutionNeeds() {
        assertEquals("4000", ChartFrame.formatNumber(4000, 1000));
        assertEquals("0.25", ChartFrame.formatNumber(0.25, 0.05));
        assertEquals("0.3", ChartFrame.formatNumber(0.30000000000000004, 0.1));
    }

    @Test
    void tooSmallChartIsRejectedWithItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChartFrame.requireSize(150, 400, "chart"));
        assertEquals("chart must be at least 200x150 pixels, got 150x400", e.getMessage());
    }

    @Test
    void sideBySidePlacesPanelsLeftToRight() {
        BufferedImage left = filled(30, 20, 0xFF0000);
        BufferedImage right = filled(50, 20, 0x00FF00);
        BufferedImage both = ChartFrame.sideBySide(List.of(left, right));
        assertEquals(80, both.getWidth());
        assertEquals(20, both.getHeight());
        assertEquals(0xFFFF0000, both.getRGB(29, 10));
        assertEquals(0xFF00FF00, both.getRGB(30, 10));
    }

    @Test
    void writePngCreatesParentFoldersAndWritesAPng(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plots/deeper/chart.png");
        ChartFrame.writePng(filled(40, 30, 0x1F77B4), file);
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(bytes, 4));
        BufferedImage decoded = ImageIO.read(file.toFile());
        assertEquals(40, decoded.getWidth());
        assertEquals(0xFF1F77B4, decoded.getRGB(20, 15));
    }

    private static BufferedImage filled(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }
}
