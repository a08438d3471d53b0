package org.deepfer.train.dl4j;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.tables.Splits;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.deepfer.train.EpochMetrics;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --engine dl4j-spark} on the synthetic sample (local[2]): it learns, its model
 * directory serves the DJL predictor exactly as its metrics say, it resumes, and bad settings are
 * refused by name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Dl4jSparkTrainJobTest {
    @TempDir
    static Path root;

    @BeforeAll
    void ingestTheSample() {
        DeepFerConfig config = TestSpark.config(root);
        Samples.ingest(config);
    }

    private DeepFerConfig config(String models, String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.modelsDir=" + root.resolve(models),
                "train.engine=dl4j-spark", "train.excludeFindings=[]", "train.batchSize=16",
                "train.earlyStoppingPatience=0", "train.width=0.25", "train.augment=false",
                "train.learningRate=0.003"));
        all.addAll(List.of(overrides));
        return TestSpark.config(root, all.toArray(String[]::new));
    }

    @Test
    void lossFallsAndTheModelDirectoryPredictsAsItsBestMetricsSay() throws Exception {
        DeepFerConfig config = config("learn", "train.epochs=2");
        TrainingRun.Result result = new Dl4jSparkTrainJob(TestSpark.warehouse(config, "train"), null).run();

        List<EpochMetrics> history = Dl4jCheckpoint.loadHistory(result.modelDir());
        assertEquals(2, history.size());
        assertTrue(history.get(1).trainLoss() < history.get(0).trainLoss(),
                "loss " + history.get(0).trainLoss() + " -> " + history.get(1).trainLoss());
        for (String file : List.of("model.params", "config.yaml", "classes.json", "normalization.json",
                "MODEL_CARD.md", "best_metrics.json", "history.json", "curves.png", "checkpoints/last/network.zip")) {
            assertTrue(Files.exists(result.modelDir().resolve(file)), file);
        }
        assertEquals(2, TestSpark.session().read().format("delta")
                .load(root.resolve("warehouse").resolve(TrainJob.HISTORY_TABLE).toString())
                .filter(col("model_id").equalTo(result.modelId())).count());

        // The predict job's own predictor on the validation split gives the accuracy training recorded.
        ModelBundle bundle = ModelBundle.load(result.modelDir());
        List<Row> rows = TestSpark.session().read().format("delta")
                .load(root.resolve("warehouse").resolve("faces").toString())
                .filter(col("split").equalTo(Splits.VALIDATION)).select("pixels", "label").collectAsList();
        List<byte[]> pixels = rows.stream().map(r -> (byte[]) r.getAs(0)).toList();
        float[][] probabilities;
        try (FacePredictor predictor = new FacePredictor(bundle, FacePredictor.Settings.defaults())) {
            probabilities = predictor.probabilities(pixels, config.image().size());
        }
        int correct = 0;
        for (int i = 0; i < rows.size(); i++) {
            correct += FacePredictor.argmax(probabilities[i]) == rows.get(i).getInt(1) ? 1 : 0;
        }
        JsonNode best = new ObjectMapper().readTree(result.modelDir().resolve("best_metrics.json").toFile());
        assertEquals(best.get("accuracy").asDouble(), (double) correct / rows.size(), 0.0);
        assertEquals(result.best().valAccuracy(), best.get("accuracy").asDouble(), 0.0);
        assertTrue(Files.readString(result.modelDir().resolve("config.yaml")).contains("engine: \"dl4j-spark\"")
                || Files.readString(result.modelDir().resolve("config.yaml")).contains("engine: dl4j-spark"));
    }

    @Test
    void interruptedRunResumesFromItsCheckpoint() {
        DeepFerConfig config = config("resumed", "train.epochs=2", "train.maxTrainImages=64");
        TrainingRun.Result first = new Dl4jSparkTrainJob(TestSpark.warehouse(config, "train"), null)
                .interruptAfter(1).run();
        assertEquals(1, first.epochsDone());
        TrainingRun.Result resumed = new Dl4jSparkTrainJob(TestSpark.warehouse(config, "train"), first.modelDir())
                .run();
        assertEquals(2, resumed.epochsDone());
        assertEquals(List.of(1, 2), Dl4jCheckpoint.loadHistory(first.modelDir()).stream()
                .map(EpochMetrics::epoch).toList());
    }

    @Test
    void unknownEngineIsRefusedNamingTheKeyAndTheChoices() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestSpark.config(root, "train.engine=spark"));
        assertTrue(e.getMessage().contains("train.engine") && e.getMessage().contains("djl")
                && e.getMessage().contains("dl4j-spark"), e.getMessage());
    }

    @Test
    void otherBackbonesAndUnsupportedSettingsAreRefusedByName() {
        ConfigException backbone = assertThrows(ConfigException.class,
                () -> TestSpark.config(root, "train.engine=dl4j-spark", "train.backbone=resnet18"));
        assertTrue(backbone.getMessage().contains("train.backbone") && backbone.getMessage().contains("baseline"),
                backbone.getMessage());
        ConfigException mixup = assertThrows(ConfigException.class,
                () -> TestSpark.config(root, "train.engine=dl4j-spark", "train.mixupAlpha=0.2"));
        assertTrue(mixup.getMessage().contains("train.mixupAlpha"), mixup.getMessage());
        // The DJL engine keeps every option.
        assertEquals("djl", TestSpark.config(root, "train.backbone=resnet18", "train.mixupAlpha=0.2").train()
                .engine());
    }
}
