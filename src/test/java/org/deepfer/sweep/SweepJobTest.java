package org.deepfer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.deepfer.trials.TrialResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep on the synthetic sample: one row per model, a broken model recorded, resume skips. */
class SweepJobTest {
    @TempDir
    Path root;

    @Test
    void everyModelGetsARowAFailingOneIsRecordedAndResumeRunsNothingTwice() throws Exception {
        DeepFerConfig config = TestSpark.config(root,
                "train.modelsDir=" + root.resolve("models"), "train.excludeFindings=[]", "train.batchSize=32",
                "train.maxTrainImages=64", "sweep.epochs=1", "sweep.threadsPerTrial=1",
                "sweep.models=[{backbone: baseline, set: [train.width=0.25]}, {backbone: mobilenetv2},"
                        + " {name: impossible, backbone: vgg-fer, set: [train.inputSize=24]}]");
        Samples.ingest(config);

        SweepJob sweep = new SweepJob(TestSpark.warehouse(config, "sweep"), null);
        Map<String, TrialResult> rows = byId(sweep.run());

        assertEquals(List.of("baseline", "impossible", "mobilenetv2"), rows.keySet().stream().sorted().toList());
        for (String ok : List.of("baseline", "mobilenetv2")) {
            TrialResult t = rows.get(ok);
            assertTrue(t.ok(), ok + ": " + t.error());
            assertEquals(1, t.epochsDone(), ok);
            assertTrue(t.parameters() > 10_000 && t.flopsPerImage() > t.parameters(), ok + " params/FLOPs");
            // The row reports what its own model directory recorded for the epoch it kept.
            JsonNode best = new ObjectMapper().readTree(Path.of(t.modelDir(), "best_metrics.json").toFile());
            assertEquals(best.get("accuracy").asDouble(), t.valAccuracy(), 1e-12, ok);
            assertEquals(7, t.valF1PerClass().length, ok);
            for (int c = 0; c < 7; c++) {
                assertEquals(best.get("f1PerClass").get(c).asDouble(), t.valF1PerClass()[c], 1e-12, ok + " class " + c);
            }
            assertTrue(t.inferenceBatch1() > 0 && t.inferenceBatch64() > 0, ok + " inference speed");
            assertTrue(Files.exists(Path.of(t.modelDir(), "model.params")), ok + " checkpoint");
        }
        assertTrue(rows.get("baseline").parameters() < rows.get("mobilenetv2").parameters());
        TrialResult broken = rows.get("impossible");
        assertEquals(TrialResult.FAILED, broken.status());
        assertTrue(broken.error().contains("inputSize"), broken.error());

        List<String> csv = Files.readAllLines(root.resolve("results/model_sweep.csv"));
        assertEquals(4, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).contains(",baseline,baseline,ok,"), csv.get(1));
        assertTrue(Files.size(root.resolve("results/model_sweep.png")) > 5_000);

        SweepJob again = new SweepJob(TestSpark.warehouse(config, "sweep"), sweep.sweepId());
        assertEquals(3, again.run().size());
        assertEquals(3, TestSpark.session().read().format("delta").load(root.resolve("warehouse/model_sweep").toString())
                .filter("sweep_id = '" + sweep.sweepId() + "'").count(), "resume must not run finished models again");
    }

    private static Map<String, TrialResult> byId(List<TrialResult> results) {
        return results.stream().collect(Collectors.toMap(TrialResult::id, Function.identity()));
    }
}
