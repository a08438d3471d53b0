package org.deepfer.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.FacePredictor;
import org.deepfer.tables.Splits;
import org.deepfer.testing.TestSpark;
import org.deepfer.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluate job on the synthetic sample with a tiny model trained here: the metrics it reports
 * are those of the rows it predicted, the temperature is the one the validation rows give, and every
 * output (report files, plots, the evaluations table, the model's calibration.json) is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private Path modelDir;

    @BeforeAll
    void trainATinyModel() {
        config = TinyModels.ingested(root, "baseline");
        modelDir = TinyModels.train(config);
    }

    private List<Row> predicted(String runId, String split) {
        return TestSpark.session().read().format("delta").load(root.resolve("warehouse/predictions").toString())
                .filter(col("run_id").equalTo(runId).and(col("split").equalTo(split)))
                .select("label", "probabilities", "prediction").collectAsList();
    }

    @Test
    void evaluatesTheTestSplitAndCalibratesOnValidation() throws Exception {
        EvaluateJob.Result r = new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(modelDir, null, null, FacePredictor.Tta.NONE, 16)).run();

        assertEquals(Splits.TEST, r.split(), "the sample has labeled test faces, so they are the default");
        List<Row> test = predicted(r.runId(), Splits.TEST);
        long testFaces = TestSpark.session().read().format("delta").load(root.resolve("warehouse/faces").toString())
                .filter(col("split").equalTo(Splits.TEST)).count();
        assertEquals(testFaces, test.size());
        assertEquals(test.size(), r.evaluation().samples());
        long correct = test.stream().filter(x -> x.getInt(0) == x.getInt(2)).count();
        assertEquals((double) correct / test.size(), r.evaluation().accuracy(), 1e-12);

        // The temperature is the one the validation rows of this run give, saved with the model.
        List<Row> validation = predicted(r.runId(), Splits.VALIDATION);
        assertTrue(validation.size() > 20, "validation rows: " + validation.size());
        int[] labels = new int[validation.size()];
        float[][] probabilities = new float[validation.size()][];
        List<Row> ordered = TestSpark.session().read().format("delta")
                .load(root.resolve("warehouse/predictions").toString())
                .filter(col("run_id").equalTo(r.runId()).and(col("split").equalTo(Splits.VALIDATION)))
                .orderBy("row_id").select("label", "probabilities").collectAsList();
        for (int i = 0; i < ordered.size(); i++) {
            labels[i] = ordered.get(i).getInt(0);
            List<Float> p = ordered.get(i).getList(1);
            probabilities[i] = new float[p.size()];
            for (int j = 0; j < p.size(); j++) {
                probabilities[i][j] = p.get(j);
            }
        }
        double expected = TemperatureScaling.fit(labels, probabilities);
        assertEquals(expected, r.calibration().temperature(), 1e-9);
        ModelCalibration saved = ModelCalibration.read(modelDir).orElseThrow();
        assertEquals(r.calibration(), saved);
        assertEquals(validation.size(), saved.rows());
        assertTrue(saved.nllAfter() <= saved.nllBefore() + 1e-12, saved.toString());
        assertEquals(r.evaluation().accuracy(), r.calibrated().accuracy(), "temperature keeps every argmax");

        Path results = root.resolve("results");
        JsonNode json = new ObjectMapper().readTree(results.resolve("final_eval.json").toFile());
        assertEquals(Splits.TEST, json.get("split").asText());
        assertEquals(r.evaluation().accuracy(), json.get("metrics").get("accuracy").asDouble(), 1e-12);
        assertEquals(7, json.get("metrics").get("perClass").size());
        assertEquals(expected, json.get("calibration").get("temperature").asDouble(), 1e-9);
        String report = Files.readString(results.resolve("classification_report.txt"));
        assertTrue(report.contains("macro avg") && report.contains("weighted avg") && report.contains("surprise"),
                report);
        for (String png : List.of("confusion_matrix.png", "confusion_matrix_normalized.png", "roc_curves.png",
                "reliability_diagram.png", "reliability_diagram_calibrated.png")) {
            assertTrue(Files.size(results.resolve(png)) > 1000, png);
        }

        List<Row> rows = TestSpark.session().read().format("delta").load(root.resolve("warehouse/evaluations")
                .toString()).filter(col("run_id").equalTo(r.runId())).collectAsList();
        assertEquals(1, rows.size());
        Row row = rows.get(0);
        assertEquals(r.evaluation().accuracy(), (double) row.getAs("accuracy"), 1e-12);
        assertEquals(r.evaluation().macroAverage().f1(), (double) row.getAs("macro_f1"), 1e-12);
        assertEquals(expected, (double) row.getAs("temperature"), 1e-9);
        List<Integer> flat = TestSpark.session().read().format("delta").load(root.resolve("warehouse/evaluations")
                .toString()).filter(col("run_id").equalTo(r.runId())).selectExpr("flatten(confusion_matrix)")
                .first().getList(0);
        assertEquals(r.evaluation().confusionMatrix().stream().flatMap(List::stream).toList(), flat);
    }

    @Test
    void validationSplitIsMeasuredAndCalibratedOnTheSameRows() {
        EvaluateJob.Result r = new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(modelDir, Splits.VALIDATION, null, FacePredictor.Tta.FLIP, 16)).run();
        assertEquals(Splits.VALIDATION, r.split());
        assertEquals("flip", r.calibration().tta());
        assertEquals(r.evaluation().samples(), r.calibration().rows());
        assertTrue(predicted(r.runId(), Splits.TEST).isEmpty(), "only the validation split is predicted");
        assertEquals(r.calibration().eceAfter(), r.calibrated().calibration().expectedCalibrationError(), 1e-12);
    }

    @Test
    void aModelTrainedOnValidationIsMeasuredThereButNotCalibratedThere() throws Exception {
        // The same parameters, recorded as a final fit on train + validation.
        Path finalFit = root.resolve("models/final-fit");
        Files.createDirectories(finalFit);
        for (String file : List.of("model.params", "classes.json", "normalization.json")) {
            Files.copy(modelDir.resolve(file), finalFit.resolve(file));
        }
        String yaml = Files.readString(modelDir.resolve("config.yaml"));
        assertTrue(yaml.contains("includeValidation: false"), "config.yaml records the flag");
        Files.writeString(finalFit.resolve("config.yaml"),
                yaml.replace("includeValidation: false", "includeValidation: true"));

        EvaluateJob.Result r = new EvaluateJob(TestSpark.warehouse(config, "evaluate"),
                new EvaluateJob.Options(finalFit, Splits.VALIDATION, null, FacePredictor.Tta.NONE, 16)).run();
        assertEquals(Splits.VALIDATION, r.split());
        assertTrue(r.evaluation().samples() > 20, "validation is still measured: " + r.evaluation().samples());
        assertNull(r.calibration(), "a temperature fitted on faces the model learned");
        assertTrue(ModelCalibration.read(finalFit).isEmpty(), "no calibration.json written");
        assertEquals(r.evaluation().calibration().expectedCalibrationError(),
                r.calibrated().calibration().expectedCalibrationError(), 1e-6, "reported at T = 1");
    }

    @Test
    void aFolderThatWasNeverIngestedIsEvaluatedAndItsBadFileReported() throws Exception {
        Path folder = root.resolve("unseen");
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        int good = 0;
        for (String label : List.of("happy", "sad", "surprise")) {
            Files.createDirectories(folder.resolve(label));
            for (int i = 0; i < 4; i++) {
                byte[] px = new byte[48 * 48];
                for (int k = 0; k < px.length; k++) {
                    px[k] = (byte) random.nextInt(256);
                }
                Files.write(folder.resolve(label).resolve(label + i + ".png"),
                        org.deepfer.image.ImageCodec.encodePng(org.deepfer.image.FaceImage.gray(48, 48, px)));
                good++;
            }
        }
        Files.write(folder.resolve("sad").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});

        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        int code;
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            code = org.deepfer.cli.DeepFer.execute("evaluate", "--model", modelDir.toString(), "--input",
                    folder.toString(), "--set", "paths.sample=" + root.resolve("sample"), "--set",
                    "paths.warehouse=" + root.resolve("warehouse"), "--set", "paths.results=" + root.resolve("results"),
                    "--set", "spark.shufflePartitions=2");
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        assertTrue(printed.contains("1 records could not be used and were quarantined"), printed);
        JsonNode json = new ObjectMapper().readTree(root.resolve("results/final_eval.json").toFile());
        assertEquals(Splits.TEST, json.get("split").asText(), "an unsplit folder is the test split");
        assertEquals(good, json.get("metrics").get("samples").asInt());
        assertTrue(json.get("inputTable").asText().contains("input-warehouse"), json.get("inputTable").asText());
        long warehouseFaces = TestSpark.session().read().format("delta").load(root.resolve("warehouse/faces")
                .toString()).filter(col("source").contains("unseen")).count();
        assertEquals(0, warehouseFaces, "the warehouse's own faces table is left alone");
    }

    @Test
    void asOfVersionEvaluatesTheFacesTableAsItWasThen() throws Exception {
        String faces = root.resolve("warehouse/faces").toString();
        io.delta.tables.DeltaTable table = io.delta.tables.DeltaTable.forPath(TestSpark.session(), faces);
        long then = table.history(1).select("version").first().getLong(0);
        long testThen = table.toDF().filter(col("split").equalTo(Splits.TEST)).count();
        // A later version with fewer test faces: what a rerun of evaluate today would see.
        table.delete(col("split").equalTo(Splits.TEST).and(col("label").equalTo(3)));
        long testNow = table.toDF().filter(col("split").equalTo(Splits.TEST)).count();
        assertTrue(testNow < testThen, testNow + " test faces now, " + testThen + " then");
        int code;
        try {
            code = org.deepfer.cli.DeepFer.execute("evaluate", "--model", modelDir.toString(), "--as-of-version",
                    Long.toString(then), "--set", "paths.sample=" + root.resolve("sample"), "--set",
                    "paths.warehouse=" + root.resolve("warehouse"), "--set", "paths.results=" + root.resolve("results"),
                    "--set", "spark.shufflePartitions=2");
        } finally {
            TestSpark.session().sql("RESTORE TABLE delta.`" + faces + "` TO VERSION AS OF " + then);
        }
        assertEquals(0, code);
        JsonNode json = new ObjectMapper().readTree(root.resolve("results/final_eval.json").toFile());
        assertEquals(then, json.get("inputVersion").asLong(), "the version asked for is the version read");
        assertEquals(testThen, json.get("metrics").get("samples").asLong());
        List<Row> rows = TestSpark.session().read().format("delta").load(root.resolve("warehouse/evaluations")
                .toString()).filter(col("run_id").equalTo(json.get("runId").asText())).collectAsList();
        assertEquals(1, rows.size());
        assertEquals(then, (long) rows.get(0).getAs("input_version"), "the evaluations row records it too");
    }
}
