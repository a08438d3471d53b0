package org.deepfer.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;
import org.deepfer.testing.TestSpark;
import org.deepfer.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The explain job on the synthetic sample: per-class galleries of right and wrong predictions, chosen ids. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExplainJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private Path modelDir;

    @BeforeAll
    void trainATinyModel() {
        config = TinyModels.ingested(root, "resnet18");
        modelDir = TinyModels.train(config);
    }

    @Test
    void galleriesShowTheMostConfidentRightAndWrongPredictionsOfEachClass() {
        ExplainJob.Result r = new ExplainJob(TestSpark.warehouse(config, "explain"),
                new ExplainJob.Options(modelDir, Splits.VALIDATION, null, List.of(), 2, 16)).run();
        assertTrue(!r.faces().isEmpty());
        Map<String, List<ExplainJob.Explained>> groups = new LinkedHashMap<>();
        for (ExplainJob.Explained e : r.faces()) {
            // Grouped under the true class.
            assertNotNull(e.label());
            assertEquals(Labels.NAMES.get(e.label()), e.group(), e.id());
            assertTrue(e.confidence() > 0 && e.confidence() <= 1);
            for (int[] peak : new int[][] {e.gradCamPeak(), e.scoreCamPeak()}) {
                assertTrue(peak[0] >= 0 && peak[0] < 48 && peak[1] >= 0 && peak[1] < 48, Arrays.toString(peak));
            }
            groups.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(e);
        }
        for (List<ExplainJob.Explained> group : groups.values()) {
            // At most 2 right (predicted as the class) then at most 2 wrong, each the most confident first.
            List<ExplainJob.Explained> right = group.stream().filter(e -> e.predicted() == e.label()).toList();
            List<ExplainJob.Explained> wrong = group.stream().filter(e -> e.predicted() != e.label()).toList();
            assertTrue(right.size() <= 2 && wrong.size() <= 2, group.toString());
            assertEquals(right, group.subList(0, right.size()), "right predictions come first");
            for (List<ExplainJob.Explained> part : List.of(right, wrong)) {
                for (int i = 1; i < part.size(); i++) {
                    assertTrue(part.get(i - 1).confidence() >= part.get(i).confidence(), part.toString());
                }
            }
        }
        assertEquals(groups.size(), r.galleries().size(), "one gallery per class shown");
        for (Path png : r.galleries()) {
            assertTrue(png.startsWith(root.resolve("results/explain")), png.toString());
            assertTrue(Files.isRegularFile(png));
        }
        assertTrue(Files.isRegularFile(root.resolve("results/explain/explain.json")));
    }

    @Test
    void chosenIdsAreExplainedAndUnknownIdsNamed() {
        String id = TestSpark.session().read().format("delta").load(root.resolve("warehouse/faces").toString())
                .select("id").orderBy("id").first().getString(0);
        ExplainJob.Result r = new ExplainJob(TestSpark.warehouse(config, "explain"),
                new ExplainJob.Options(modelDir, null, null, List.of(id), 1, 8)).run();
        assertEquals(1, r.faces().size());
        assertEquals(id, r.faces().get(0).id());
        assertTrue(Files.isRegularFile(root.resolve("results/explain/chosen.png")));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExplainJob(TestSpark.warehouse(config, "explain"),
                        new ExplainJob.Options(modelDir, null, null, List.of(id, "nope-123"), 1, 8)).run());
        assertTrue(e.getMessage().contains("nope-123"), e.getMessage());
    }
}
