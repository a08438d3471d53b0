package org.deepfer.predict;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.cli.DeepFer;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;
import org.deepfer.testing.TestSpark;
import org.deepfer.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch inference on the synthetic sample with a tiny model trained here: one row per face, proper
 * probability vectors, the accuracy training reported, test-time augmentation, appends, bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private Path modelDir;
    private long validationFaces;

    @BeforeAll
    void trainATinyModel() {
        config = TinyModels.ingested(root, "baseline");
        modelDir = TinyModels.train(config);
        validationFaces = faces().filter(col("split").equalTo(Splits.VALIDATION)).count();
        assertTrue(validationFaces > 20, "validation faces: " + validationFaces);
    }

    private Dataset<Row> faces() {
        return TestSpark.session().read().format("delta").load(root.resolve("warehouse/faces").toString());
    }

    private Dataset<Row> predictions() {
        return TestSpark.session().read().format("delta").load(root.resolve("warehouse/predictions").toString());
    }

    private long predictionRows() {
        return java.nio.file.Files.exists(root.resolve("warehouse/predictions/_delta_log")) ? predictions().count() : 0;
    }

    private PredictJob.Summary predictValidation(FacePredictor.Tta tta, double temperature) {
        PredictJob.Options options = new PredictJob.Options(modelDir, Splits.VALIDATION, null,
                new FacePredictor.Settings(tta, temperature, 16));
        return new PredictJob(TestSpark.warehouse(config, "predict"), options).run();
    }

    @Test
    void validationPredictionsReproduceTheAccuracyTrainingReported() throws Exception {
        PredictJob.Summary s = predictValidation(FacePredictor.Tta.NONE, 1.0);
        List<Row> rows = predictions().filter(col("run_id").equalTo(s.runId())).collectAsList();

        assertEquals(validationFaces, rows.size());
        assertEquals(validationFaces, s.rows());
        Set<String> validationIds = faces().filter(col("split").equalTo(Splits.VALIDATION)).select("id")
                .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        assertEquals(validationIds, rows.stream().map(r -> r.<String>getAs("row_id")).collect(Collectors.toSet()));
        long facesVersion = TestSpark.warehouse(config, "version").version(Warehouse.FACES);
        long correct = 0;
        for (Row r : rows) {
            List<Float> p = r.getList(r.fieldIndex("probabilities"));
            assertEquals(7, p.size());
            double total = p.stream().mapToDouble(Float::doubleValue).sum();
            assertEquals(1.0, total, 1e-5, "probabilities of " + r.getAs("row_id"));
            int argmax = 0;
            for (int c = 1; c < p.size(); c++) {
                argmax = p.get(c) > p.get(argmax) ? c : argmax;
            }
            int prediction = r.getAs("prediction");
            assertEquals(argmax, prediction);
            assertEquals(p.get(argmax), (Float) r.getAs("confidence"));
            assertEquals(Splits.VALIDATION, r.getAs("split"));
            assertEquals(modelDir.getFileName().toString(), r.getAs("model_id"));
            assertEquals(facesVersion, (long) r.getAs("input_version"));
            assertEquals("none", r.getAs("tta"));
            assertEquals(1.0, (double) r.getAs("temperature"));
            correct += prediction == (int) r.getAs("label") ? 1 : 0;
        }
        double reported = new ObjectMapper().readTree(modelDir.resolve("best_metrics.json").toFile())
                .get("accuracy").asDouble();
        assertEquals(reported, (double) correct / rows.size(), "same preprocessing and parameters, same argmax");
        assertEquals(reported, s.accuracy());
    }

    @Test
    void flipTtaChangesProbabilitiesNotRowsAndEveryRunAppends() {
        long before = predictionRows();
        PredictJob.Summary plain = predictValidation(FacePredictor.Tta.NONE, 1.0);
        assertEquals(before + validationFaces, predictionRows());
        PredictJob.Summary flipped = predictValidation(FacePredictor.Tta.FLIP, 1.0);
        assertEquals(before + 2 * validationFaces, predictionRows(), "a second run appends");
        assertTrue(!plain.runId().equals(flipped.runId()));

        Map<String, List<Float>> plainById = probabilitiesById(plain.runId());
        Map<String, List<Float>> flippedById = probabilitiesById(flipped.runId());
        assertEquals(plainById.keySet(), flippedById.keySet());
        long differing = plainById.keySet().stream().filter(id -> !plainById.get(id).equals(flippedById.get(id)))
                .count();
        assertTrue(differing > validationFaces / 2, differing + " of " + validationFaces + " faces changed with flip");
        for (List<Float> p : flippedById.values()) {
            assertEquals(1.0, p.stream().mapToDouble(Float::doubleValue).sum(), 1e-5);
        }
        assertEquals(validationFaces, predictions().filter(col("run_id").equalTo(flipped.runId()))
                .filter(col("tta").equalTo("flip")).count());
    }

    @Test
    void oneOrFourPartitionsGiveTheSamePredictions() {
        Map<Integer, Map<String, List<Float>>> runs = new HashMap<>();
        for (int partitions : new int[] {1, 4}) {
            DeepFerConfig c = TestSpark.config(root, "train.modelsDir=" + root.resolve("models"),
                    "predict.partitions=" + partitions, "predict.threads=1");
            PredictJob.Summary s = new PredictJob(TestSpark.warehouse(c, "predict"), new PredictJob.Options(modelDir,
                    Splits.VALIDATION, null, new FacePredictor.Settings(FacePredictor.Tta.NONE, 1.0, 16))).run();
            runs.put(partitions, probabilitiesById(s.runId()));
        }
        Map<String, List<Float>> one = runs.get(1);
        Map<String, List<Float>> four = runs.get(4);
        assertEquals(one.keySet(), four.keySet());
        for (String id : one.keySet()) {
            List<Float> a = one.get(id);
            List<Float> b = four.get(id);
            for (int c = 0; c < a.size(); c++) {
                // Batches are composed differently, which may move the last float bit, nothing more.
                assertEquals(a.get(c), b.get(c), 1e-6, "face " + id + " class " + c);
            }
            assertEquals(FacePredictor.argmax(toArray(a)), FacePredictor.argmax(toArray(b)), "face " + id);
        }
    }

    private static float[] toArray(List<Float> p) {
        float[] out = new float[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i);
        }
        return out;
    }

    private Map<String, List<Float>> probabilitiesById(String runId) {
        Map<String, List<Float>> out = new HashMap<>();
        for (Row r : predictions().filter(col("run_id").equalTo(runId)).select("row_id", "probabilities")
                .collectAsList()) {
            out.put(r.getString(0), r.getList(1));
        }
        return out;
    }

    @Test
    void temperatureSoftensConfidenceButKeepsEveryPrediction() {
        List<Row> faces = faces().filter(col("split").equalTo(Splits.VALIDATION)).select("width", "pixels")
                .collectAsList();
        List<byte[]> pixels = faces.stream().map(r -> (byte[]) r.getAs(1)).toList();
        int size = faces.get(0).getInt(0);
        ModelBundle bundle = ModelBundle.load(modelDir);
        float[][] plain;
        float[][] soft;
        try (FacePredictor p = new FacePredictor(bundle, FacePredictor.Settings.defaults())) {
            plain = p.probabilities(pixels, size);
        }
        try (FacePredictor p = new FacePredictor(bundle, new FacePredictor.Settings(FacePredictor.Tta.NONE, 3, 7))) {
            soft = p.probabilities(pixels, size);
        }
        for (int i = 0; i < pixels.size(); i++) {
            int c = FacePredictor.argmax(plain[i]);
            assertEquals(c, FacePredictor.argmax(soft[i]), "face " + i);
            assertTrue(soft[i][c] < plain[i][c], "face " + i + ": " + soft[i][c] + " vs " + plain[i][c]);
        }
        assertEquals(List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"), bundle.classNames());
        assertEquals(0.25, bundle.spec().width());
    }

    @Test
    void missingModelDirectoryIsAnErrorNamingIt() {
        Path absent = root.resolve("models/no-such-model");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PredictJob(TestSpark.warehouse(config, "predict"), PredictJob.Options.of(absent)).run());
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());

        String[] paths = {"--set", "paths.sample=" + root.resolve("sample"), "--set",
            "paths.warehouse=" + root.resolve("warehouse"), "--set", "paths.results=" + root.resolve("results")};
        String err = cli(2, concat(new String[] {"predict", "--model", absent.toString()}, paths));
        assertTrue(err.contains("no-such-model"), err);
        err = cli(2, concat(new String[] {"predict", "--model", modelDir.toString(), "--tta", "rotate"}, paths));
        assertTrue(err.contains("--tta rotate") && err.contains("expected none, flip or tencrop"), err);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Runs the CLI, checks its exit code and returns what it wrote to stderr. */
    private static String cli(int expectedCode, String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(expectedCode, DeepFer.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
