package org.deepfer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.delta.tables.DeltaTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search on the synthetic sample: 4 trials, eta 2, rungs of 1 and 2 epochs. Points whose input
 * size no model takes fail, are recorded as failed and are never promoted; the best config file
 * reproduces the best trial; a search cut short resumes with only the missing runs.
 */
class TuneJobTest {
    @TempDir
    Path root;

    @Test
    void halvingPromotesTheBestRecordsFailuresWritesTheBestConfigAndResumes() throws Exception {
        DeepFerConfig config = TestSpark.config(root,
                "train.modelsDir=" + root.resolve("models"), "train.excludeFindings=[]", "train.batchSize=32",
                "train.maxTrainImages=64", "train.backbone=baseline", "train.width=0.25", "tune.trials=4",
                "tune.eta=2", "tune.minEpochs=1", "tune.maxEpochs=2", "tune.threadsPerTrial=1",
                "tune.space=[{key: train.learningRate, type: loguniform, low: 0.0005, high: 0.005},"
                        + " {key: train.inputSize, type: choice, values: ['48', '24']}]");
        Samples.ingest(config);

        TuneJob.Result result = new TuneJob(TestSpark.warehouse(config, "tune"), null).run();
        String table = root.resolve("warehouse").resolve(TuneJob.TABLE).toString();
        List<Row> rows = TestSpark.session().read().format("delta").load(table).collectAsList();

        assertEquals(2, result.rungs().size(), result.rungs().toString());
        List<Row> rung0 = rows.stream().filter(r -> r.<Integer>getAs("rung") == 0).toList();
        List<Row> rung1 = rows.stream().filter(r -> r.<Integer>getAs("rung") == 1).toList();
        assertEquals(5, rung0.size(), "4 trials and the reference");
        assertEquals(3, rung1.size(), "2 promoted and the reference");
        for (Row r : rows) {
            boolean tooSmall = r.<String>getAs("params").contains("\"24\"");
            assertEquals(tooSmall ? "failed" : "ok", r.getAs("status"), r.toString());
            if (tooSmall) {
                assertTrue(r.<String>getAs("error").contains("inputSize"), r.<String>getAs("error"));
            }
        }
        assertTrue(rung0.stream().anyMatch(r -> r.getAs("status").equals("failed")),
                "the design should hold a failing point");
        Set<Integer> expectedPromoted = rung0.stream().filter(r -> r.<Integer>getAs("trial") != 0)
                .filter(r -> r.getAs("status").equals("ok"))
                .sorted(Comparator.comparingDouble((Row r) -> -r.<Double>getAs("score"))
                        .thenComparingInt(r -> r.<Integer>getAs("trial")))
                .limit(2).map(r -> r.<Integer>getAs("trial")).collect(Collectors.toSet());
        Set<Integer> promoted = rung1.stream().map(r -> r.<Integer>getAs("trial")).filter(t -> t != 0)
                .collect(Collectors.toSet());
        assertEquals(expectedPromoted, promoted);
        assertTrue(rung1.stream().filter(r -> r.getAs("status").equals("ok"))
                .allMatch(r -> r.<Integer>getAs("epochs_done") == 2), "promoted trials continue to 2 epochs");

        Path best = root.resolve("results/best_config.yaml");
        DeepFerConfig reproduced = ConfigLoader.load(Optional.of(best), List.of());
        assertEquals(Double.parseDouble(result.bestParams().get("train.learningRate")),
                reproduced.train().learningRate(), 1e-12);
        assertEquals(2, reproduced.train().epochs());
        assertTrue(Files.readAllLines(root.resolve("results/hparam_trials.csv")).size() == rows.size() + 1);
        assertTrue(Files.size(root.resolve("results/hparam_search.png")) > 5_000);

        // Cut the search short after rung 0, as a killed job would leave it, and resume.
        DeltaTable.forPath(TestSpark.session(), table).delete("rung = 1");
        new TuneJob(TestSpark.warehouse(config, "tune"), result.searchId()).run();
        assertEquals(rows.size(), TestSpark.session().read().format("delta").load(table).count(),
                "resume runs exactly the missing (trial, rung) pairs");
    }
}
