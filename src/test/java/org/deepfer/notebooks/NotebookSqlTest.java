package org.deepfer.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deepfer.audit.AuditJob;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.EvaluateJob;
import org.deepfer.predict.FacePredictor;
import org.deepfer.robustness.Perturbation;
import org.deepfer.robustness.RobustnessJob;
import org.deepfer.sweep.SweepJob;
import org.deepfer.tables.Splits;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.deepfer.train.TrainJob;
import org.deepfer.tune.TuneJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every SQL cell of the notebooks under notebooks/ runs against the tables the jobs write on the
 * synthetic sample (ingest, audit, train, evaluate, robustness, sweep, tune with tiny settings), and
 * returns rows, so a renamed table or column breaks the build rather than a reader's notebook.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebookSqlTest {
    private static final Path NOTEBOOKS = Path.of("notebooks");
    private static final List<String> TABLES = List.of("faces", "audit_findings", "training_history", "predictions",
            "evaluations", "robustness", "model_sweep", "hparam_trials");

    @TempDir
    static Path root;

    @BeforeAll
    void runTheJobsOnTheSample() {
        DeepFerConfig config = TestSpark.config(root, "train.modelsDir=" + root.resolve("models"),
                "train.excludeFindings=[]", "train.batchSize=32", "train.earlyStoppingPatience=0", "train.epochs=1",
                "train.maxTrainImages=64", "train.backbone=baseline", "train.width=0.25",
                "sweep.models=[{backbone: baseline, set: [train.width=0.25]}]", "sweep.epochs=1",
                "tune.trials=2", "tune.minEpochs=1", "tune.maxEpochs=1", "tune.eta=2");
        Samples.ingest(config);
        new AuditJob(TestSpark.warehouse(config, "audit")).run();
        Path model = new TrainJob(TestSpark.warehouse(config, "train"), null).run().modelDir();
        new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(model, null, null, FacePredictor.Tta.NONE, 32)).run();
        new RobustnessJob(TestSpark.warehouse(config, "robustness"), new RobustnessJob.Options(model,
                Splits.VALIDATION, null, List.of(Perturbation.BLUR), FacePredictor.Tta.NONE, 32, 20)).run();
        new SweepJob(TestSpark.warehouse(config, "sweep"), null).run();
        new TuneJob(TestSpark.warehouse(config, "tune"), null).run();
        for (String t : TABLES) {
            TestSpark.session().read().format("delta").load(root.resolve("warehouse").resolve(t).toString())
                    .createOrReplaceTempView(t);
        }
    }

    /** The SQL of cells that start with {@code %%sql} (Jupyter) or {@code %sql} (Zeppelin). */
    static List<String> sqlCells() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        JsonNode jupyter = json.readTree(NOTEBOOKS.resolve("deepfer_results.ipynb").toFile());
        for (JsonNode cell : jupyter.path("cells")) {
            StringBuilder text = new StringBuilder();
            cell.path("source").forEach(line -> text.append(line.asText()));
            strip(text.toString(), "%%sql", out);
        }
        JsonNode zeppelin = json.readTree(NOTEBOOKS.resolve("deepfer_results.zpln").toFile());
        for (JsonNode paragraph : zeppelin.path("paragraphs")) {
            strip(paragraph.path("text").asText(), "%sql", out);
        }
        return out;
    }

    private static void strip(String cell, String magic, List<String> out) {
        String trimmed = cell.strip();
        if (trimmed.startsWith(magic + "\n")) {
            out.add(trimmed.substring(magic.length() + 1));
        }
    }

    @Test
    void everySqlCellOfBothNotebooksRunsAndReturnsRows() throws Exception {
        List<String> cells = sqlCells();
        assertEquals(16, cells.size(), "8 queries in each notebook");
        List<String> failures = new ArrayList<>();
        for (String sql : cells) {
            try {
                List<Row> rows = TestSpark.session().sql(sql).collectAsList();
                if (rows.isEmpty()) {
                    failures.add("no rows: " + sql);
                }
            } catch (Exception e) {
                failures.add(e.getMessage().lines().findFirst().orElse("") + "\n  in: " + sql);
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n\n", failures));
        }
    }

    @Test
    void bothNotebooksAskTheSameQuestions() throws Exception {
        List<String> cells = sqlCells();
        assertEquals(cells.subList(0, 8), cells.subList(8, 16), "Jupyter and Zeppelin queries drifted apart");
        assertTrue(Files.isRegularFile(NOTEBOOKS.resolve("README.md")));
    }
}
