package org.deepfer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.deepfer.cli.DeepFer;
import org.deepfer.config.ConfigLoader;
import org.deepfer.plot.ChartFrame;
import org.deepfer.run.Csv;
import org.deepfer.testing.Cli;
import org.deepfer.train.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs compared from model directories written here: best epochs, what differs, the chart, bad input. */
class RunComparisonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    @Test
    void eachRunsBestEpochIsItsBestMacroF1AndOnlyRecipeSettingsThatDifferAreListed() throws Exception {
        Path a = run("20261203-100936-train", new double[] {0.50, 0.60, 0.58}, new double[] {0.40, 0.55, 0.57},
                "seed=44", "paths.results=/one");
        Path b = run("20261205-160211-train", new double[] {0.52, 0.66}, new double[] {0.45, 0.63},
                "seed=46", "train.inputSize=64", "paths.results=/two", "train.modelsDir=/elsewhere");

        RunComparison c = RunComparison.load(List.of(a, b));

        assertEquals(List.of("20261203-100936", "20261205-160211"), c.runs().stream().map(RunComparison.Run::name).toList());
        RunComparison.Run first = c.runs().get(0);
        assertEquals(3, first.best().epoch(), "macro-F1 picks epoch 3 though accuracy peaks at 2");
        assertEquals(0.58, first.best().valAccuracy());
        assertEquals(3 * 600 / 3600.0, first.hours(), 1e-12);
        assertEquals(List.of("seed", "train.inputSize"), c.differingKeys(), "paths and modelsDir are not the recipe");
        assertEquals("seed=46, train.inputSize=64", c.differences(c.runs().get(1)));
        assertTrue(first.validationHeldOut());

        List<List<String>> rows = Csv.read(write(c.csv()));
        assertEquals(List.of("run", "dir", "epochs", "hours", "best_epoch", "best_val_accuracy", "best_val_macro_f1",
                "last_val_accuracy", "last_val_macro_f1", "validation_held_out"), rows.get(0).subList(0, 10));
        assertEquals(List.of("seed", "train.inputSize"), rows.get(0).subList(17, 19), "after the seven classes' F1");
        assertEquals(List.of("20261205-160211", b.toString(), "2", "0.33", "2", "0.6600", "0.6300", "0.6600", "0.6300",
                "true"), rows.get(2).subList(0, 10));
        assertEquals(List.of("46", "64"), rows.get(2).subList(17, 19));
        String table = c.table();
        assertTrue(table.contains("20261203-100936       3    0.50           3  0.5800 / 0.5700  0.5800 / 0.5700"), table);
    }

    @Test
    void theChartDrawsEveryRunInItsOwnColour() throws Exception {
        Path a = run("a", new double[] {0.5, 0.6}, new double[] {0.4, 0.5});
        Path b = run("b", new double[] {0.3, 0.7}, new double[] {0.2, 0.6});
        List<Path> files = RunComparison.load(List.of(a, b)).write(root.resolve("results"));

        assertEquals(root.resolve("results/runs_compared.csv"), files.get(0));
        BufferedImage png = ImageIO.read(files.get(1).toFile());
        assertEquals(1800, png.getWidth());
        assertEquals(480, png.getHeight());
        for (int s = 0; s < 2; s++) {
            int rgb = ChartFrame.seriesColor(s).getRGB() & 0xFFFFFF;
            assertTrue(countPixels(png, rgb) > 200, "run " + s + "'s colour is drawn in its curves");
        }
        assertEquals(0, countPixels(png, ChartFrame.seriesColor(2).getRGB() & 0xFFFFFF), "no third run");
    }

    @Test
    void aRunWhoseSettingsNoLongerLoadIsComparedByItsCurves() throws Exception {
        Path a = run("a", new double[] {0.5}, new double[] {0.4}, "seed=1", "train.earlyStoppingPatience=0");
        Path old = run("old", new double[] {0.6}, new double[] {0.5}, "seed=2");
        Files.writeString(old.resolve("config.yaml"), "train:\n  aSettingThatIsGone: 3\n");
        Path trainedOnValidation = run("final", new double[] {0.9}, new double[] {0.9}, "seed=3",
                "train.includeValidation=true", "train.earlyStoppingPatience=0");

        RunComparison c = RunComparison.load(List.of(a, old, trainedOnValidation));

        assertNull(c.runs().get(1).settings());
        assertEquals("(config.yaml unreadable)", c.differences(c.runs().get(1)));
        assertEquals(List.of("seed", "train.includeValidation"), c.differingKeys(), "from the runs that load");
        assertTrue(c.table().contains("(trained on validation)"), c.table());
    }

    @Test
    void aDirectoryWithoutAHistoryIsRefusedByName() throws Exception {
        Path empty = Files.createDirectories(root.resolve("not-a-model"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunComparison.load(List.of(empty)));
        assertTrue(e.getMessage().contains("not-a-model has no history.json"), e.getMessage());

        Path none = Files.createDirectories(root.resolve("fresh"));
        Files.writeString(none.resolve("history.json"), "[]");
        e = assertThrows(IllegalArgumentException.class, () -> RunComparison.load(List.of(none)));
        assertTrue(e.getMessage().contains("holds no epoch yet"), e.getMessage());

        Files.writeString(none.resolve("history.json"), "{\"epoch\": ");
        e = assertThrows(IllegalArgumentException.class, () -> RunComparison.load(List.of(none)));
        assertTrue(e.getMessage().contains("is not a training history"), e.getMessage());
    }

    @Test
    void reportCompareWritesTheFilesAndTheirSectionOrSaysWhichDirectoryIsWrong() throws Exception {
        Path a = run("a", new double[] {0.5, 0.6}, new double[] {0.4, 0.5});
        Path b = run("b", new double[] {0.3, 0.7}, new double[] {0.2, 0.6}, "seed=9");
        Path results = root.resolve("results");

        Cli.Outcome o = Cli.run("report", "--compare", a + "," + b, "--set", "paths.results=" + results);

        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("differs:\n  a    seed=" + ConfigLoader.defaults().seed() + "\n  b    seed=9\n"), o.out());
        assertTrue(Files.isRegularFile(results.resolve(RunComparison.PNG)));
        String html = Files.readString(results.resolve("report.html"));
        assertTrue(html.contains("<h2>Runs compared</h2>\n<table>"), "the section is filled");

        Path nope = root.resolve("nope");
        o = Cli.run("report", "--compare", a + "," + nope, "--set", "paths.results=" + results);
        assertEquals(DeepFer.USAGE_ERROR, o.code(), o.err());
        assertTrue(o.err().contains("error: --compare: " + nope + " has no history.json"), o.err());
        assertFalse(o.err().contains("\tat "), "no stack trace:\n" + o.err());
    }

    @Test
    void perClassF1IsTheBestEpochsNamedByClassesJsonAndARunWithoutItIsLeftOut() throws Exception {
        Path a = run("a", new double[] {0.5, 0.6}, new double[] {0.4, 0.5});
        setPerClass(a, new double[][] {{0.9, 0.9, 0.9}, {0.1, 0.2, 0.3}});
        Files.writeString(a.resolve("classes.json"), "{\"0\": \"angry\", \"1\": \"disgust\", \"2\": \"fear\"}");
        Path b = run("b", new double[] {0.7}, new double[] {0.6});
        setPerClass(b, new double[][] {{0.4, 0.5, 0.6}});
        Path old = run("old", new double[] {0.3}, new double[] {0.2});
        setPerClass(old, new double[][] {null});

        RunComparison c = RunComparison.load(List.of(a, b, old));

        assertEquals(List.of("angry", "disgust", "fear"), c.classes());
        List<List<String>> rows = Csv.read(write(c.csv()));
        assertEquals(List.of("best_f1_angry", "best_f1_disgust", "best_f1_fear"), rows.get(0).subList(10, 13));
        assertEquals(List.of("0.1000", "0.2000", "0.3000"), rows.get(1).subList(10, 13), "epoch 2, the best, not 1");
        assertEquals(List.of("", "", ""), rows.get(3).subList(10, 13));
        assertTrue(c.table().contains("         angry  disgust     fear\n  a     0.1000   0.2000   0.3000\n"), c.table());
        assertTrue(c.table().contains("  old        -        -        -\n"), c.table());

        List<Path> files = c.write(root.resolve("results"));
        assertEquals(root.resolve("results").resolve(RunComparison.CLASSES_PNG), files.get(2));
        BufferedImage bars = ImageIO.read(files.get(2).toFile());
        assertTrue(countPixels(bars, ChartFrame.seriesColor(0).getRGB() & 0xFFFFFF) > 100, "a's bars");
        assertTrue(countPixels(bars, ChartFrame.seriesColor(1).getRGB() & 0xFFFFFF) > 100, "b's bars");
        assertEquals(0, countPixels(bars, ChartFrame.seriesColor(2).getRGB() & 0xFFFFFF), "old has no bars");

        setPerClass(a, new double[][] {null, null});
        setPerClass(b, new double[][] {null});
        RunComparison none = RunComparison.load(List.of(a, b));
        assertEquals(List.of(), none.classes());
        assertEquals(2, none.write(root.resolve("results")).size());
        assertFalse(Files.exists(root.resolve("results").resolve(RunComparison.CLASSES_PNG)),
                "the earlier comparison's class chart is gone");
    }

    @Test
    void classesAreNumberedWhenClassesJsonDoesNotMatchTheFigures() throws Exception {
        Path a = run("a", new double[] {0.5}, new double[] {0.4});
        setPerClass(a, new double[][] {{0.1, 0.2}});
        Files.writeString(a.resolve("classes.json"), "{\"0\": \"angry\", \"1\": \"disgust\", \"2\": \"fear\"}");
        assertEquals(List.of("class 0", "class 1"), RunComparison.load(List.of(a)).classes());
    }

    /** Replaces each epoch's per-class F1 in {@code dir}'s history (null: not recorded). */
    private static void setPerClass(Path dir, double[][] perEpoch) throws Exception {
        Path file = dir.resolve("history.json");
        EpochMetrics[] history = JSON.readValue(file.toFile(), EpochMetrics[].class);
        for (int i = 0; i < history.length; i++) {
            EpochMetrics e = history[i];
            history[i] = new EpochMetrics(e.epoch(), e.phase(), e.learningRate(), e.trainLoss(), e.trainAccuracy(),
                    e.trainMacroF1(), e.valLoss(), e.valAccuracy(), e.valMacroF1(), perEpoch[i], e.imagesPerSecond(),
                    e.seconds());
        }
        JSON.writeValue(file.toFile(), history);
    }

    /** A model directory with a history of the given validation accuracies and macro-F1s and its config. */
    private Path run(String name, double[] accuracy, double[] macroF1, String... settings) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        List<EpochMetrics> history = new ArrayList<>();
        for (int i = 0; i < accuracy.length; i++) {
            history.add(new EpochMetrics(i + 1, "train", 0.05, 1.5 - 0.2 * i, accuracy[i] + 0.05, macroF1[i], 1.2,
                    accuracy[i], macroF1[i], new double[7], 100, 600));
        }
        JSON.writeValue(dir.resolve("history.json").toFile(), history);
        Files.writeString(dir.resolve("config.yaml"),
                ConfigLoader.toYaml(ConfigLoader.load(Optional.empty(), List.of(settings))));
        return dir;
    }

    private Path write(String text) throws Exception {
        return Files.writeString(root.resolve("out.csv"), text);
    }

    private static int countPixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
