package org.deepfer.robustness;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.PredictJob;
import org.deepfer.tables.Splits;
import org.deepfer.testing.TestSpark;
import org.deepfer.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The robustness job on the synthetic sample with a tiny model trained here. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RobustnessJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private Path modelDir;

    @BeforeAll
    void trainATinyModel() {
        config = TinyModels.ingested(root, "baseline");
        modelDir = TinyModels.train(config);
    }

    @Test
    void scoresCleanAndEveryPerturbationAtEverySeverity() throws Exception {
        RobustnessJob.Result r = new RobustnessJob(TestSpark.warehouse(config, "robustness"),
                new RobustnessJob.Options(modelDir, Splits.VALIDATION, null, List.of(), FacePredictor.Tta.NONE, 16, 0))
                .run();

        // Clean is exactly what predict measures on the same split.
        PredictJob.Summary predicted = new PredictJob(TestSpark.warehouse(config, "predict"),
                new PredictJob.Options(modelDir, Splits.VALIDATION, null, FacePredictor.Settings.defaults())).run();
        assertEquals(predicted.accuracy(), r.clean().accuracy(), 1e-12);
        assertEquals(predicted.labeled(), r.clean().faces());

        assertEquals(Perturbation.values().length * Perturbation.SEVERITIES, r.perturbed().size());
        for (RobustnessJob.Score s : r.perturbed()) {
            assertEquals(r.clean().faces(), s.faces(), s.perturbation());
            assertEquals(r.clean().accuracy() - s.accuracy(), s.accuracyDrop(), 1e-12);
            assertTrue(s.accuracy() >= 0 && s.accuracy() <= 1);
        }
        long changed = r.perturbed().stream().filter(s -> s.accuracy() != r.clean().accuracy()).count();
        assertTrue(changed > r.perturbed().size() / 2, changed + " of " + r.perturbed().size() + " scores moved");

        JsonNode json = new ObjectMapper().readTree(r.report().toFile());
        assertEquals(r.perturbed().size(), json.get("perturbed").size());
        assertEquals(r.meanAccuracy(), json.get("meanPerturbedAccuracy").asDouble(), 1e-12);
        assertTrue(Files.size(root.resolve("results/robustness.png")) > 2000);
        List<Row> rows = TestSpark.session().read().format("delta").load(root.resolve("warehouse/robustness")
                .toString()).filter(col("run_id").equalTo(r.runId())).collectAsList();
        assertEquals(1 + r.perturbed().size(), rows.size());
    }

    @Test
    void resultsDoNotDependOnBatching() {
        List<Perturbation> some = List.of(Perturbation.OCCLUSION_PATCH, Perturbation.NOISE, Perturbation.ROTATION);
        RobustnessJob.Options options = new RobustnessJob.Options(modelDir, Splits.VALIDATION, null, some,
                FacePredictor.Tta.NONE, 8, 0);
        RobustnessJob.Result two = new RobustnessJob(TestSpark.warehouse(config, "robustness"), options).run();
        RobustnessJob.Result again = new RobustnessJob(TestSpark.warehouse(config, "robustness"),
                new RobustnessJob.Options(modelDir, Splits.VALIDATION, null, some, FacePredictor.Tta.NONE, 5, 0)).run();
        // Random patch positions, noise and rotation signs follow the face, not its batch or partition.
        assertEquals(two.perturbed(), again.perturbed());
        assertEquals(9, two.perturbed().size());
    }
}
