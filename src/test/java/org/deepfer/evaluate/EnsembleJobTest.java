package org.deepfer.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.FacePredictor;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;
import org.deepfer.testing.TestSpark;
import org.deepfer.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Ensembles of two tiny models trained with different seeds on the synthetic sample. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnsembleJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private Path first;
    private Path second;

    @BeforeAll
    void trainTwoTinyModels() {
        config = TinyModels.ingested(root, "baseline");
        first = TinyModels.train(config);
        second = TinyModels.train(TinyModels.config(root, "baseline", "seed=99"));
    }

    @Test
    void meanEnsembleEvaluatesTheAverageOfItsMembers() throws Exception {
        EnsembleJob.Result r = new EnsembleJob(TestSpark.warehouse(config, "ensemble"), new EnsembleJob.Options(
                List.of(first, second), Splits.VALIDATION, null, FacePredictor.Tta.NONE, 16,
                EnsembleJob.Weighting.MEAN)).run();
        assertEquals(2, r.members().size());
        assertEquals(0.5, r.members().get(0).weight());
        assertFalse(r.weightsSeenScoredFaces(), "equal weights are fitted on nothing");

        // The same mixture by hand from each member's own evaluation: the mean of the probabilities
        // each evaluate run wrote to predictions, row by row.
        EvaluateJob.Result a = new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(first, Splits.VALIDATION, null, FacePredictor.Tta.NONE, 16)).run();
        EvaluateJob.Result b = new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(second, Splits.VALIDATION, null, FacePredictor.Tta.NONE, 16)).run();
        assertEquals(a.evaluation().accuracy(), r.members().get(0).accuracy(), 1e-12);
        assertEquals(b.evaluation().accuracy(), r.members().get(1).accuracy(), 1e-12);
        List<Row> rowsA = validationPredictions(a);
        List<Row> rowsB = validationPredictions(b);
        assertEquals(rowsA.size(), rowsB.size());
        int[] labels = new int[rowsA.size()];
        float[][] mean = new float[rowsA.size()][];
        for (int i = 0; i < labels.length; i++) {
            assertEquals(rowsA.get(i).getString(0), rowsB.get(i).getString(0));
            labels[i] = rowsA.get(i).getInt(1);
            List<Float> pa = rowsA.get(i).getList(2);
            List<Float> pb = rowsB.get(i).getList(2);
            mean[i] = new float[pa.size()];
            for (int j = 0; j < pa.size(); j++) {
                mean[i][j] = 0.5f * pa.get(j) + 0.5f * pb.get(j);
            }
        }
        Evaluation byHand = Evaluation.of(labels, mean, Labels.NAMES);
        assertEquals(byHand.accuracy(), r.evaluation().evaluation().accuracy(), 1e-12);
        assertEquals(byHand.negativeLogLikelihood(), r.evaluation().evaluation().negativeLogLikelihood(), 1e-6);
        // Two seeds differ, so the mixture is neither member alone.
        assertTrue(Math.abs(byHand.negativeLogLikelihood() - a.evaluation().negativeLogLikelihood()) > 1e-4);
        assertTrue(Files.isRegularFile(root.resolve("results/ensemble_final_eval.json")));
        assertTrue(Files.isRegularFile(root.resolve("results/ensemble.json")));
        assertTrue(Files.size(root.resolve("results/ensemble_confusion_matrix.png")) > 1000);
        assertTrue(r.evaluation().modelId().startsWith("ensemble-"));
    }

    /** The labeled validation rows one evaluate run predicted: row id, label, probabilities, by row id. */
    private static List<Row> validationPredictions(EvaluateJob.Result run) {
        return TestSpark.session().read().format("delta").load(root.resolve("warehouse/predictions").toString())
                .filter(col("run_id").equalTo(run.runId()).and(col("model_id").equalTo(run.modelId()))
                        .and(col("split").equalTo(Splits.VALIDATION)).and(col("label").isNotNull()))
                .orderBy("row_id").select("row_id", "label", "probabilities").collectAsList();
    }

    /** Weights fitted on validation and scored on validation: the report says the score is optimistic. */
    @Test
    void fittedWeightsScoredOnTheirOwnFacesAreFlaggedOptimistic() throws Exception {
        EnsembleJob.Result r = new EnsembleJob(TestSpark.warehouse(config, "ensemble"), new EnsembleJob.Options(
                List.of(first, second), Splits.VALIDATION, null, FacePredictor.Tta.NONE, 16,
                EnsembleJob.Weighting.FITTED)).run();
        assertTrue(r.weightsSeenScoredFaces());
        JsonNode report = new ObjectMapper().readTree(r.report().toFile());
        assertEquals("fitted", report.get("weighting").asText());
        assertTrue(report.get("weightsSeenScoredFaces").asBoolean(), report.toString());
    }

    @Test
    void fittedWeightsNeverDoWorseOnValidationThanEqualOnes() {
        String[] ids = {"a", "b", "c", "d"};
        int[] labels = {0, 1, 1, 0};
        EvaluateJob.Scores good = new EvaluateJob.Scores(ids, labels,
                new float[][] {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.3f, 0.7f}, {0.6f, 0.4f}});
        EvaluateJob.Scores bad = new EvaluateJob.Scores(ids, labels,
                new float[][] {{0.4f, 0.6f}, {0.7f, 0.3f}, {0.5f, 0.5f}, {0.5f, 0.5f}});
        List<EvaluateJob.Scores> both = List.of(good, bad);
        double[] w = EnsembleJob.fitWeights(both);
        assertEquals(1.0, w[0] + w[1], 1e-9);
        assertTrue(w[0] > 0.9, "the informative member gets the weight: " + w[0]);
        assertTrue(EnsembleJob.nll(both, w) <= EnsembleJob.nll(both, new double[] {0.5, 0.5}));

        EvaluateJob.Scores mixed = EnsembleJob.combine(both, new double[] {0.5, 0.5});
        assertArrayEquals(new float[] {0.65f, 0.35f}, mixed.probabilities()[0], 1e-6f);
        EvaluateJob.Scores shifted = new EvaluateJob.Scores(new String[] {"a", "b", "c", "x"}, labels,
                bad.probabilities());
        assertThrows(IllegalStateException.class, () -> EnsembleJob.combine(List.of(good, shifted), new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> new EnsembleJob.Options(List.of(first), null, null, null, 8,
                null));
    }
}
