package org.deepfer.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.ingest.IngestJob;
import org.deepfer.tables.Splits;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.deepfer.train.TrainJob;
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
        config = TestSpark.config(root, "train.modelsDir=" + root.resolve("models"), "train.excludeFindings=[]",
                "train.batchSize=32", "train.earlyStoppingPatience=0", "train.epochs=2", "train.maxTrainImages=96",
                "train.backbone=resnet18", "train.width=0.25");
        Samples.generate(config);
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();
        modelDir = new TrainJob(TestSpark.warehouse(config, "train"), null).run().modelDir();
    }

    @Test
    void galleriesShowTheMostConfidentRightAndWrongPredictionsOfEachClass() {
        ExplainJob.Result r = new ExplainJob(TestSpark.warehouse(config, "explain"),
                new ExplainJob.Options(modelDir, Splits.VALIDATION, null, List.of(), 2, 16)).run();
        assertTrue(!r.faces().isEmpty());
        for (ExplainJob.Explained e : r.faces()) {
            // Grouped under the true class; "right" faces are predicted as it, the rest are not.
            assertTrue(e.label() != null);
            assertTrue(e.confidence() > 0 && e.confidence() <= 1);
            assertTrue(e.gradCamPeak()[0] >= 0 && e.gradCamPeak()[0] < 48 && e.scoreCamPeak()[1] < 48);
        }
        long perGroup = r.faces().stream().collect(java.util.stream.Collectors.groupingBy(ExplainJob.Explained::group,
                java.util.stream.Collectors.counting())).values().stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(perGroup <= 4, "at most 2 right and 2 wrong per class: " + perGroup);
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
