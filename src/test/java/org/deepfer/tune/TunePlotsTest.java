package org.deepfer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.deepfer.tune.TunePlots.TrialPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunePlotsTest {
    /** 30 trials: parameter 0 rises with the score (non-linearly), 1 is shuffled, 2 is constant. */
    private static List<TrialPoint> trials() {
        SplittableRandom random = new SplittableRandom(1);
        List<TrialPoint> trials = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double score = 0.3 + 0.01 * i;
            double monotone = Math.pow(i / 29.0, 3);
            trials.add(new TrialPoint(i, 40.0 * ((i * 7) % 30), score,
                    new double[] {monotone, random.nextDouble(), 0.5}));
        }
        return trials;
    }

    @Test
    void monotoneParameterHasImportanceOneShuffledNearZeroConstantZero() {
        double[] importance = TunePlots.importance(trials(), 3);
        assertEquals(1.0, importance[0], 1e-12);
        assertTrue(importance[1] < 0.4, "shuffled parameter " + importance[1]);
        assertEquals(0.0, importance[2]);
        // Decreasing is just as important as increasing.
        List<TrialPoint> reversed = new ArrayList<>();
        for (TrialPoint t : trials()) {
            reversed.add(new TrialPoint(t.trialId(), t.finishedSeconds(), -t.score(), t.unitCoordinates()));
        }
        assertEquals(1.0, TunePlots.importance(reversed, 3)[0], 1e-12);
    }

    @Test
    void failedTrialsAreIgnoredAndTooFewTrialsGiveZero() {
        List<TrialPoint> trials = new ArrayList<>(trials());
        trials.add(new TrialPoint(99, 5, Double.NaN, new double[] {0, 1, 0.5}));
        assertEquals(1.0, TunePlots.importance(trials, 3)[0], 1e-12);
        assertEquals(0.0, TunePlots.importance(trials.subList(0, 2), 3)[0]);
        assertThrows(IllegalArgumentException.class, () -> TunePlots.importance(trials, 2));
    }

    @Test
    void ranksAverageTies() {
        assertEquals(List.of(1.0, 2.5, 2.5, 4.0), toList(TunePlots.ranks(new double[] {0.1, 0.5, 0.5, 0.9})));
        assertEquals(-1.0, TunePlots.spearman(new double[] {1, 2, 3}, new double[] {9, 4, 1}), 1e-12);
    }

    @Test
    void writesATwoPanelPng(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nested/tune.png");
        TunePlots.writePng(trials(), List.of("train.learningRate", "augment.policy.cutoutProbability",
                "train.batchSize"), file);
        assertTrue(Files.size(file) > 10_000, "non-trivial PNG: " + Files.size(file) + " bytes");
        BufferedImage image = ImageIO.read(file.toFile());
        assertTrue(image.getWidth() > image.getHeight(), "panels side by side");
        // Empty and single-trial searches still draw.
        TunePlots.writePng(List.of(), List.of("a"), dir.resolve("empty.png"));
        assertTrue(Files.size(dir.resolve("empty.png")) > 1000);
        assertNotNull(ImageIO.read(dir.resolve("empty.png").toFile()), "a decodable PNG");
        TunePlots.writePng(List.of(new TrialPoint(0, 12, 0.4, new double[] {0.3})), List.of("a"),
                dir.resolve("one.png"));
        assertTrue(Files.size(dir.resolve("one.png")) > 1000);
    }

    private static List<Double> toList(double[] values) {
        List<Double> out = new ArrayList<>();
        for (double v : values) {
            out.add(v);
        }
        return out;
    }
}
