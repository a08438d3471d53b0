package org.deepfer.ship;

import static org.deepfer.testing.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.export.TestModels;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.tables.Labels;
import org.deepfer.testing.Cli.Outcome;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deepfer ship} on a small random model: what lands in the target, and what is refused. */
class ShipCommandTest {
    @TempDir
    Path root;

    private Path model;
    private Path target;

    @BeforeEach
    void exportedModel() throws Exception {
        model = root.resolve("models/m-small");
        target = root.resolve("repo/models/default");
        try (NDManager manager = NDManager.newBaseManager()) {
            TestModels.writeBundle(TestModels.randomModel(new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25),
                    manager, 5), 48, model);
        }
        Files.writeString(model.resolve("MODEL_CARD.md"), "# Model card: m-small\n\n- Data: Delta table `faces` version 7\n");
        Reports.writeJson(null, model.resolve(ModelCalibration.FILE),
                new ModelCalibration(1.5, "faces", 7, "validation", 100, "none", 1.2, 1.0, 0.12, 0.03, "run-x"));
        Outcome o = run("export", "--model", model.toString(), "--calibrated", "--verify-faces", "4", "--threads",
                "1", "--set", "paths.results=" + root.resolve("results"));
        assertEquals(0, o.code(), o.err());
    }

    @Test
    void shipCopiesWhatInferenceNeedsRecordsAFixtureThatChecksAndWritesTheCard() throws Exception {
        Path eval = evaluation("final_eval.json", model, "flip", 0.61234, 1.0);

        Path config = model.resolve("config.yaml");
        String yaml = Files.readString(config);
        assertTrue(yaml.contains("pretrained: \"\""), yaml);
        assertTrue(yaml.contains("includeValidation: false"), yaml);
        assertTrue(yaml.contains("teacher: \"\""), yaml);
        Files.writeString(config, yaml.replace("pretrained: \"\"", "pretrained: \"models/base\"")
                .replace("teacher: \"\"", "teacher: \"models/t1, models/t2\"")
                .replace("includeValidation: false", "includeValidation: true")
                .replaceAll("earlyStoppingPatience: \\d+", "earlyStoppingPatience: 0")
                .replaceAll("modelsDir: .*", "modelsDir: \"" + root.resolve("runs") + "\""));

        Outcome o = run("ship", "--model", model.toString(), "--to", target.toString(), "--evaluation",
                eval.toString(), "--title", "Test model");

        assertEquals(0, o.code(), o.err());
        for (String f : new String[] {"model.onnx", "model.onnx.json", "model.params", "config.yaml", "classes.json",
            "normalization.json", "calibration.json", "MODEL_CARD.md", "TRAINING_CARD.md", "fixture.json"}) {
            assertTrue(Files.isRegularFile(target.resolve(f)), f);
        }
        assertFalse(Files.exists(target.resolveSibling("default.tmp")));
        ModelBundle.load(target);
        DeepFerConfig shipped = ConfigLoader.loadRecorded(target.resolve("config.yaml"));
        assertEquals(ConfigLoader.defaults().train().modelsDir(), shipped.train().modelsDir(),
                "the shipped recipe writes where a fresh clone's runs go, not where this one trained");
        assertEquals(ConfigLoader.flatten(ConfigLoader.loadRecorded(config)).entrySet().stream()
                .filter(e -> !e.getKey().equals("train.modelsDir")).toList(),
                ConfigLoader.flatten(shipped).entrySet().stream()
                .filter(e -> !e.getKey().equals("train.modelsDir")).toList(), "the rest of the recipe as trained");
        Fixture fixture = Fixture.read(target);
        assertEquals(Fixture.FACES, fixture.faces().size());
        assertEquals(1.5, fixture.temperature());
        assertTrue(Fixture.check(target).passed(), Fixture.check(target).toString());

        String card = Files.readString(target.resolve("MODEL_CARD.md"));
        assertTrue(card.startsWith("# Test model\n"), card);
        assertTrue(card.contains("| flip | 100 | 0.6123 | 0.5000 |"), card);
        assertTrue(card.contains("- Distilled from an ensemble of 2 teachers (the mean of their tempered"
                + " probabilities): `models/t1`, `models/t2` (temperature 4, alpha 0.7)."), card);
        assertTrue(card.contains("| DJL (PyTorch) parameters of the last epoch |"), card);
        assertTrue(card.contains("Temperature T = 1.5000 fitted on 100 validation faces"), card);
        assertTrue(card.contains("## Known limits and biases (FER2013)"), card);
        assertTrue(card.contains("Not measured when shipped: `deepfer robustness"), card);
        assertTrue(card.contains("- Data: Delta table `faces` version 7"), card);
        assertTrue(card.contains("- The backbone started from `models/base` (`train.pretrained`"), card);
        assertTrue(card.contains("**This model was trained on train + validation**"), card);
        assertFalse(card.contains("Validation was used for model selection"), card);
        assertTrue(card.contains("- The parameters are the last epoch: validation was trained on"), card);
        assertTrue(o.out().contains("fixture: 14 faces recorded"), o.out());
    }

    @Test
    void aFinalFitsCardLeadsWithItsHeldOutTwinAndNamesWhereTheTwinDiffers() throws Exception {
        Path twin = finalFitWithTwin(41);
        // The final fit carries its twin's temperature, set at export: it has no calibration.json of its own.
        Files.delete(model.resolve(ModelCalibration.FILE));
        assertEquals(0, run("export", "--model", model.toString(), "--temperature", "1.25", "--verify-faces", "2",
                "--threads", "1", "--set", "paths.results=" + root.resolve("results")).code());
        Path own = evaluation("own_eval.json", model, "none", 0.81234, 1.0);
        Path twinEval = evaluation("twin_eval.json", twin, "tencrop", 0.66789, 1.25);
        Path robustness = root.resolve("robustness.json");
        Reports.writeJson(null, robustness, Map.of("modelDir", model.toString(), "faces", 100, "split", "validation",
                "clean", Map.of("accuracy", 0.81), "meanPerturbedAccuracy", 0.62, "perturbed", List.of(Map.of(
                        "perturbation", "blur", "severity", 3, "parameter", "sigma", "level", 2.25, "accuracy", 0.21,
                        "accuracyDrop", 0.6))));

        Outcome o = run("ship", "--model", model.toString(), "--to", target.toString(), "--evaluation", own.toString(),
                "--twin-evaluation", twinEval.toString(), "--robustness", robustness.toString());

        assertEquals(0, o.code(), o.err());
        String card = Files.readString(target.resolve("MODEL_CARD.md"));
        String results = card.substring(card.indexOf("## Results"), card.indexOf("## Calibration"));
        assertTrue(results.contains("Its estimate is its twin `twin-run`: the recipe with validation held out, which"
                + " also differs in `seed: 41 → 42`, scored on validation it never trained on"), results);
        assertTrue(results.indexOf("| tencrop | 100 | 0.6679 |") < results.indexOf("| none | 100 | 0.8123 |"), results);
        assertTrue(results.contains("| tencrop | 100 | 0.6679 | 0.5000 | 0.0000 | 0.0000 | 0.0000 | 0.1000 | 0.0500 |"),
                results);
        assertTrue(results.contains("| none | 100 | 0.8123 | 0.5000 | 0.0000 | 0.0000 | 0.0000 | 0.1000 | – |"),
                "without a temperature there is no calibrated ECE: " + results);
        assertTrue(results.contains("Per class (the twin, tencrop)"), results);
        assertTrue(results.contains("This model on validation, which it learned from"), results);
        assertFalse(results.contains("**This model was trained on train + validation**"), results);
        assertTrue(card.contains("T = 1.2500, the temperature fitted on its twin's held-out validation faces, was set"
                + " at export (`deepfer export --temperature`)"), card);
        assertTrue(card.contains("On validation faces this model learned from, so the clean accuracy"), card);
        assertTrue(card.contains("- Data: FER2013 train + validation (Training and PublicTest usage)"), card);
        assertTrue(card.contains("- The whole network started from `models/base-run` (`train.pretrained`,"
                + " `train.pretrainedHead`)"), card);
        assertTrue(card.contains("- Weight averaging (`train.averageFrom` 1): the parameters are the equal-weight"
                + " average of the weights at the end of every epoch from epoch 1 on"), card);
        assertTrue(card.contains("- The parameters are the weight average as it stood at the last epoch"), card);

        Path twinRobustness = root.resolve("twin_robustness.json");
        Reports.writeJson(null, twinRobustness, Map.of("modelDir", twin.toString(), "faces", 100, "split",
                "validation", "clean", Map.of("accuracy", 0.66), "meanPerturbedAccuracy", 0.55, "perturbed", List.of()));
        assertEquals(0, run("ship", "--model", model.toString(), "--to", target.toString(), "--replace",
                "--twin-evaluation", twinEval.toString(), "--twin-robustness", twinRobustness.toString()).code());
        card = Files.readString(target.resolve("MODEL_CARD.md"));
        assertTrue(card.contains("Of the held-out twin `twin-run`. On 100 validation faces: clean accuracy 0.6600"),
                card);
    }

    @Test
    void aTwinIsRefusedUnlessTheShippedModelIsAFinalFitAndTheTwinHeldValidationOut() throws Exception {
        Path twinEval = evaluation("twin_eval.json", root.resolve("models/twin-run"), "none", 0.66, 1.0);
        Outcome o = run("ship", "--model", model.toString(), "--to", target.toString(), "--twin-evaluation",
                twinEval.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("held validation out, so its own --evaluation is its held-out figure"), o.err());

        Path twin = finalFitWithTwin(42);
        Path self = evaluation("self_eval.json", model, "none", 0.8, 1.0);
        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--twin-evaluation", self.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("is of the shipped model itself"), o.err());

        Path other = evaluation("other_eval.json", root.resolve("models/other"), "none", 0.6, 1.0);
        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--twin-evaluation",
                twinEval.toString(), "--twin-evaluation", other.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("twin reports are of two models: " + twin), o.err());

        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--twin-evaluation", other.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("the twin " + root.resolve("models/other") + " has no config.yaml"), o.err());

        Files.writeString(twin.resolve("config.yaml"), Files.readString(model.resolve("config.yaml")));
        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--twin-evaluation",
                twinEval.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("was trained on validation too"), o.err());
        assertFalse(Files.exists(target), "nothing is shipped when a twin is refused");
    }

    /**
     * Makes the test model a final fit (validation included, last epoch kept) and writes its twin's
     * config beside it: the same recipe with validation held out and {@code twinSeed}. Both continue a
     * whole model and average their weights from the first epoch.
     */
    private Path finalFitWithTwin(int twinSeed) throws Exception {
        Path config = model.resolve("config.yaml");
        String yaml = Files.readString(config).replaceAll("earlyStoppingPatience: \\d+", "earlyStoppingPatience: 0")
                .replace("pretrained: \"\"", "pretrained: \"models/base-run\"")
                .replace("pretrainedHead: false", "pretrainedHead: true")
                .replace("averageFrom: 0", "averageFrom: 1");
        assertTrue(yaml.contains("includeValidation: false") && yaml.startsWith("seed: 42\n"), yaml);
        assertTrue(yaml.contains("pretrainedHead: true") && yaml.contains("averageFrom: 1"), yaml);
        Files.writeString(config, yaml.replace("includeValidation: false", "includeValidation: true"));
        Path twin = root.resolve("models/twin-run");
        Files.createDirectories(twin);
        Files.writeString(twin.resolve("config.yaml"), yaml.replaceFirst("^seed: 42\n", "seed: " + twinSeed + "\n"));
        return twin;
    }

    /** A final_eval.json of {@code modelDir} with the given accuracy and fitted temperature. */
    private Path evaluation(String name, Path modelDir, String tta, double accuracy, double temperature)
            throws Exception {
        Path file = root.resolve(name);
        Reports.writeJson(null, file, Map.of("modelDir", modelDir.toString(), "tta", tta, "split", "validation",
                "inputVersion", 7, "inputTable", "data/warehouse/faces",
                "metrics", Map.of("samples", 100, "accuracy", accuracy, "macroAverage", Map.of("f1", 0.5),
                        "calibration", Map.of("expectedCalibrationError", 0.1), "perClass", List.of(Map.of("name",
                                "angry", "support", 10, "precision", 0.5, "recall", 0.4, "f1", 0.44))),
                "calibration", Map.of("temperature", temperature),
                "calibrated", Map.of("calibration", Map.of("expectedCalibrationError", 0.05))));
        return file;
    }

    /**
     * Float16 weights and no DJL parameters: one copy of the weights at half the size, which DJL
     * reads back from model.onnx and which still passes its fixture in both engines.
     */
    @Test
    void aModelShipsWithOneHalfPrecisionCopyOfItsWeights() throws Exception {
        long float32Bytes = Files.size(model.resolve("model.onnx"));
        Outcome o = run("export", "--model", model.toString(), "--calibrated", "--fp16-weights", "--verify-faces", "4",
                "--threads", "1", "--set", "paths.results=" + root.resolve("results"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("weights     float16"), o.out());
        OnnxSidecar sidecar = Reports.readJson(model.resolve("model.onnx.json"), OnnxSidecar.class);
        assertEquals("float16", sidecar.halfPrecision().storage());
        assertTrue(sidecar.halfPrecision().maxAbsDiff() <= 0.01, sidecar.halfPrecision().toString());
        double ratio = (double) Files.size(model.resolve("model.onnx")) / float32Bytes;
        assertTrue(ratio > 0.45 && ratio < 0.6, "float16 / float32 file size " + ratio);

        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--no-djl-params");

        assertEquals(0, o.code(), o.err());
        assertFalse(Files.exists(target.resolve("model.params")));
        assertTrue(ModelBundle.load(target).weightsFromOnnx());
        assertTrue(Fixture.check(target).passed(), Fixture.check(target).toString());
        String card = Files.readString(target.resolve("MODEL_CARD.md"));
        assertTrue(card.contains("Its weights are stored as float16"), card);
        assertTrue(card.contains("There is no `model.params`: DJL reads its weights from `model.onnx`"), card);
        assertEquals(DefaultModel.find(List.of(target)).orElseThrow(), target.toAbsolutePath().normalize());
    }

    @Test
    void exportRefusesFloat16WeightsWithInt8() {
        Outcome o = run("export", "--model", model.toString(), "--fp16-weights", "--int8", "--set",
                "paths.results=" + root.resolve("results"));
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--fp16-weights and --int8"), o.err());
    }

    @Test
    void aChangedModelNoLongerPassesItsFixture() throws Exception {
        assertEquals(0, run("ship", "--model", model.toString(), "--to", target.toString()).code());
        // Another model's parameters under the recorded fixture: what it predicts has moved.
        try (NDManager manager = NDManager.newBaseManager()) {
            TestModels.writeBundle(TestModels.randomModel(new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25),
                    manager, 6), 48, root.resolve("other"));
        }
        Files.copy(root.resolve("other/model.params"), target.resolve("model.params"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Fixture.Check check = Fixture.check(target);

        assertFalse(check.passed(), check.toString());
        assertTrue(check.maxDjlDiff() > Fixture.TOLERANCE, check.toString());
    }

    @Test
    void shipRefusesAnUnexportedModelAReportOfAnotherModelAnExistingTargetAndTheSizeBudget() throws Exception {
        Files.delete(model.resolve("model.onnx"));
        Outcome o = run("ship", "--model", model.toString(), "--to", target.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("has no model.onnx: export it first"), o.err());
        assertEquals(0, run("export", "--model", model.toString(), "--verify-faces", "2", "--set",
                "paths.results=" + root.resolve("results")).code());

        Path eval = root.resolve("final_eval.json");
        Reports.writeJson(null, eval, Map.of("modelDir", root.resolve("models/other").toString()));
        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--evaluation", eval.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("is of the model " + root.resolve("models/other")), o.err());

        o = run("ship", "--model", model.toString(), "--to", target.toString(), "--max-mb", "0.1");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("more than the 0.10 MB allowed (largest: "), o.err());
        assertFalse(Files.exists(target), "nothing is shipped when the budget is exceeded");
        assertFalse(Files.exists(target.resolveSibling("default.tmp")));

        assertEquals(0, run("ship", "--model", model.toString(), "--to", target.toString()).code());
        o = run("ship", "--model", model.toString(), "--to", target.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("exists; add --replace"), o.err());
        assertEquals(0, run("ship", "--model", model.toString(), "--to", target.toString(), "--replace").code());
    }
}
