package org.deepfer.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.deepfer.plot.BarChart;
import org.deepfer.tables.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationPlotsTest {
    private static final int WHITE = 0xFFFFFFFF;

    /** A plausible 7-class result: the true class gets a random boost, so most rows are right. */
    private static Evaluation realistic() {
        Random random = new Random(3);
        int n = 700;
        int[] labels = new int[n];
        float[][] p = new float[n][7];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(7);
            double[] z = new double[7];
            double sum = 0;
            for (int j = 0; j < 7; j++) {
                z[j] = Math.exp(random.nextGaussian() + (j == labels[i] ? 1.5 + random.nextDouble() : 0));
                sum += z[j];
            }
            for (int j = 0; j < 7; j++) {
                p[i][j] = (float) (z[j] / sum);
            }
        }
        return Evaluation.of(labels, p, Labels.NAMES);
    }

    @Test
    void writesThreeNonTrivialPngs(@TempDir Path dir) throws Exception {
        Evaluation e = realistic();
        Path counts = dir.resolve("plots/confusion_matrix.png");
        Path shares = dir.resolve("plots/confusion_matrix_normalised.png");
        Path roc = dir.resolve("plots/roc_curves.png");
        Path reliability = dir.resolve("plots/reliability_diagram.png");
        EvaluationPlots.confusionMatrix(e, false, counts);
        EvaluationPlots.confusionMatrix(e, true, shares);
        EvaluationPlots.rocCurves(e, roc);
        EvaluationPlots.reliabilityDiagram(e, reliability);
        for (Path png : List.of(counts, shares, roc, reliability)) {
            assertTrue(Files.size(png) > 10_000, png + " is only " + Files.size(png) + " bytes");
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not a PNG");
            assertEquals(800, image.getWidth());
            assertEquals(760, image.getHeight());
            double inked = share(image, rgb -> rgb != WHITE);
            assertTrue(inked > 0.03 && inked < 0.8, png + " has " + inked + " non-white");
        }
    }

    @Test
    void confusionMatrixShadesLargeSharesDarkBlue() {
        // Shares run from white (0) to the first class colour (1), which the colour bar shows in
        // full. About 60 % of each row sits on the diagonal, so its seven cells come out strongly
        // blue, and they are a sizeable part of the picture; the off-diagonal cells stay pale.
        Evaluation e = realistic();
        BufferedImage image = EvaluationPlots.renderConfusionMatrix(e, true, 800, 760);
        int blue = BarChart.seriesColor(0).getRGB();
        assertTrue(count(image, rgb -> rgb == blue) > 0, "colour bar reaches the full class-0 blue");
        double strongBlue = share(image, rgb -> ((rgb >> 16) & 0xFF) < 140 && (rgb & 0xFF) > 150);
        assertTrue(strongBlue > 0.05 && strongBlue < 0.25, "strongly blue share " + strongBlue);
    }

    @Test
    void rocCurvesUseTheClassColours() {
        Evaluation e = realistic();
        BufferedImage image = EvaluationPlots.renderRocCurves(e, 800, 760);
        for (int c = 0; c < 7; c++) {
            int colour = BarChart.seriesColor(c).getRGB();
            assertTrue(count(image, rgb -> rgb == colour) > 100, "class " + c + " curve");
        }
    }

    @Test
    void reliabilityDiagramDrawsAccuracyBarsAndCounts() {
        Evaluation e = realistic();
        BufferedImage image = EvaluationPlots.renderReliabilityDiagram(e, 800, 760);
        int accuracy = BarChart.seriesColor(0).getRGB();
        int histogram = BarChart.seriesColor(7).getRGB();
        assertTrue(count(image, rgb -> rgb == accuracy) > 5_000, "accuracy bars");
        assertTrue(count(image, rgb -> rgb == histogram) > 1_000, "count histogram");
    }

    @Test
    void smallImagesWithLongNamesAndMissingClassesStillRender(@TempDir Path dir) throws Exception {
        List<String> names = List.of("a-rather-long-name", "another-long-name", "third");
        int[] labels = {0, 0, 1, 1};
        float[][] p = {{.8f, .1f, .1f}, {.4f, .5f, .1f}, {.2f, .7f, .1f}, {.1f, .3f, .6f}};
        Evaluation e = Evaluation.of(labels, p, names); // class 2 has no support: no ROC curve, AUC n/a
        for (BufferedImage image : List.of(EvaluationPlots.renderConfusionMatrix(e, false, 300, 300),
                EvaluationPlots.renderConfusionMatrix(e, true, 300, 300), EvaluationPlots.renderRocCurves(e, 300, 300),
                EvaluationPlots.renderReliabilityDiagram(e, 300, 300))) {
            assertEquals(300, image.getWidth());
            assertTrue(share(image, rgb -> rgb != WHITE) > 0.02);
        }
        assertThrows(IllegalArgumentException.class, () -> EvaluationPlots.renderRocCurves(e, 100, 300));
        assertThrows(IllegalArgumentException.class, () -> EvaluationPlots.rocCurves(null, dir.resolve("x.png")));
    }

    private interface PixelTest {
        boolean test(int rgb);
    }

    private static int count(BufferedImage image, PixelTest test) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                n += test.test(image.getRGB(x, y)) ? 1 : 0;
            }
        }
        return n;
    }

    private static double share(BufferedImage image, PixelTest test) {
        return (double) count(image, test) / (image.getWidth() * image.getHeight());
    }
}
