package org.deepfer.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.deepfer.plot.ScatterChart.Point;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScatterChartTest {
    private static final List<Point> MODELS = List.of(
            new Point("resnet18", 850, 0.66),
            new Point("mobilenet_v3", 2400, 0.61),
            new Point("convnext_tiny", 190, 0.71),
            new Point("vgg13_bn", 320, 0.69));

    @Test
    void writesAPngOfTheRequestedSize(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/sweep.png");
        ScatterChart.writePng("Accuracy vs speed", "inference images/s", "validation accuracy", MODELS, true, file);
        assertTrue(Files.size(file) > 10_000, "non-trivial PNG: " + Files.size(file) + " bytes");
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(600, image.getHeight());
    }

    @Test
    void dotsLandWhereTheAxesPutThem() {
        // On a log axis 100 and 10000 sit symmetrically about 1000, so the middle point is centred.
        List<Point> points = List.of(new Point("a", 100, 0), new Point("b", 1000, 0.5), new Point("c", 10000, 1));
        BufferedImage chart = ScatterChart.render("t", "x", "y", points, true, 800, 500);
        Rectangle plot = ScatterChart.plotArea(points, true, 800, 500);
        int colour = BarChart.seriesColor(1).getRGB();
        int cx = plot.x + plot.width / 2;
        int cy = plot.y + plot.height / 2;
        int hits = 0;
        for (int x = cx - 3; x <= cx + 3; x++) {
            for (int y = cy - 3; y <= cy + 3; y++) {
                hits += chart.getRGB(x, y) == colour ? 1 : 0;
            }
        }
        assertTrue(hits > 20, "middle dot at the centre of the plot, found " + hits + " pixels");
    }

    @Test
    void singlePointEqualValuesAndNoDataStillDraw() {
        List<List<Point>> cases = List.of(
                List.of(new Point("only", 500, 0.6)),
                List.of(new Point("a", 0, 0), new Point("b", 0, 0)),
                List.of(),
                List.of(new Point("bad", Double.NaN, 1), new Point("negative", -5, 0.2)));
        for (List<Point> points : cases) {
            for (boolean logX : new boolean[] {true, false}) {
                BufferedImage chart = ScatterChart.render("t", "x", "y", points, logX, 400, 300);
                assertEquals(400, chart.getWidth());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ScatterChart.render("t", "x", "y", MODELS, false, 100, 100));
    }
}
