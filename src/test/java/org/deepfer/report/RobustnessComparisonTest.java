package org.deepfer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.deepfer.run.Csv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RobustnessComparisonTest {
    @TempDir
    Path dir;

    /**
     * A robustness report as the job writes it, with two perturbations at two severities; {@code
     * accuracies} are clean, blur 1, blur 2, noise 1, noise 2.
     */
    private Path report(String folder, String modelId, String split, long faces, double... accuracies)
            throws Exception {
        String[] cells = {"blur", "blur", "noise", "noise"};
        StringBuilder perturbed = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            perturbed.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"perturbation\":\"%s\",\"family\":\"signal\",\"severity\":%d,\"parameter\":\"p\","
                            + "\"level\":%d,\"faces\":%d,\"accuracy\":%s,\"macroF1\":0.5}",
                    cells[i], i % 2 + 1, i % 2 + 2, faces, accuracies[i + 1]));
        }
        Path file = dir.resolve(folder).resolve("robustness.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.format(Locale.ROOT, "{\"runId\":\"r\",\"modelId\":\"%s\",\"split\":\"%s\","
                + "\"faces\":%d,\"clean\":{\"perturbation\":\"clean\",\"severity\":0,\"accuracy\":%s},"
                + "\"meanPerturbedAccuracy\":0,\"perturbed\":[%s]}", modelId, split, faces, accuracies[0], perturbed));
        return file;
    }

    @Test
    void reportsSideBySideWithEachLaterOnesDifferenceFromTheFirst() throws Exception {
        Path plain = report("plain", "run-a", "validation", 100, 0.65, 0.60, 0.20, 0.62, 0.40);
        Path degraded = report("degraded", "run-b", "validation", 100, 0.64, 0.62, 0.50, 0.63, 0.48);
        // A folder stands for the robustness.json in it.
        RobustnessComparison comparison = RobustnessComparison.load(List.of(plain, degraded.getParent()));

        List<List<String>> rows = Csv.read(comparison.write(dir.resolve("results")).get(0));
        assertEquals(List.of("perturbation", "severity", "parameter", "level", "accuracy_run-a", "accuracy_run-b",
                "difference_run-b"), rows.get(0));
        assertEquals(List.of("clean", "0", "", ""), rows.get(1).subList(0, 4));
        assertEquals(0.65, Double.parseDouble(rows.get(1).get(4)), 1e-12);
        assertEquals(-0.01, Double.parseDouble(rows.get(1).get(6)), 1e-12);
        assertEquals(List.of("blur", "2", "p", "3"), rows.get(3).subList(0, 4).stream()
                .map(s -> s.replaceAll("\\.0+$", "")).toList());
        assertEquals(0.30, Double.parseDouble(rows.get(3).get(6)), 1e-12);
        List<String> mean = rows.get(rows.size() - 1);
        assertEquals("mean perturbed", mean.get(0));
        assertEquals((0.60 + 0.20 + 0.62 + 0.40) / 4, Double.parseDouble(mean.get(4)), 1e-12);
        assertEquals((0.62 + 0.50 + 0.63 + 0.48) / 4, Double.parseDouble(mean.get(5)), 1e-12);
        assertEquals(7, rows.size(), "header, clean, four cells, mean");

        String table = comparison.table();
        assertTrue(table.contains("blur 2") && table.contains("+30.0"), table);
        assertTrue(table.contains("model 2: run-b (" + degraded + ")"), table);

        BufferedImage png = ImageIO.read(dir.resolve("results").resolve(RobustnessComparison.PNG).toFile());
        assertTrue(png.getWidth() >= 1000 && png.getHeight() == 500, png.getWidth() + "x" + png.getHeight());

        HtmlReport html = new HtmlReport(dir.resolve("results"), null);
        String page = Files.readString(html.write());
        assertTrue(html.sections().contains("Robustness compared"), html.sections().toString());
        assertTrue(page.contains("difference_run-b"), "the comparison's table is in the report");
    }

    @Test
    void theSameModelTwiceGetsTwoNames() throws Exception {
        Path a = report("a", "run-a", "validation", 100, 0.65, 0.60, 0.20, 0.62, 0.40);
        Path b = report("b", "run-a", "validation", 100, 0.66, 0.61, 0.21, 0.63, 0.41);
        assertEquals(List.of("run-a", "run-a (2)"),
                RobustnessComparison.load(List.of(a, b)).models().stream().map(RobustnessComparison.Model::name).toList());
    }

    @Test
    void reportsOnOtherFacesOrPerturbationsAreRefusedWithTheFileNamed() throws Exception {
        Path a = report("a", "run-a", "validation", 100, 0.65, 0.60, 0.20, 0.62, 0.40);
        Path otherSplit = report("test", "run-b", "test", 100, 0.65, 0.60, 0.20, 0.62, 0.40);
        Path fewer = report("fewer", "run-c", "validation", 50, 0.65, 0.60, 0.20, 0.62, 0.40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RobustnessComparison.load(List.of(a, otherSplit)));
        assertTrue(e.getMessage().contains(otherSplit.toString()) && e.getMessage().contains("same faces"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RobustnessComparison.load(List.of(a, fewer)));
        assertTrue(e.getMessage().contains("50 faces"), e.getMessage());

        Path otherCells = dir.resolve("cells/robustness.json");
        Files.createDirectories(otherCells.getParent());
        Files.writeString(otherCells, Files.readString(a).replace("\"noise\"", "\"jpeg\""));
        e = assertThrows(IllegalArgumentException.class, () -> RobustnessComparison.load(List.of(a, otherCells)));
        assertTrue(e.getMessage().contains(otherCells.toString()) && e.getMessage().contains("other perturbations"),
                e.getMessage());
    }

    @Test
    void missingOrForeignFilesAndASingleReportAreRefused() throws Exception {
        Path a = report("a", "run-a", "validation", 100, 0.65, 0.60, 0.20, 0.62, 0.40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RobustnessComparison.load(List.of(a)));
        assertTrue(e.getMessage().contains("at least two"), e.getMessage());

        Path missing = dir.resolve("nowhere");
        e = assertThrows(IllegalArgumentException.class, () -> RobustnessComparison.load(List.of(a, missing)));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());

        Path foreign = dir.resolve("final_eval.json");
        Files.writeString(foreign, "{\"accuracy\": 0.6}");
        e = assertThrows(IllegalArgumentException.class, () -> RobustnessComparison.load(List.of(a, foreign)));
        assertTrue(e.getMessage().contains(foreign.toString()) && e.getMessage().contains("not a robustness report"),
                e.getMessage());
    }
}
