package org.deepfer.ship;

import static org.deepfer.testing.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deepfer.evaluate.ModelCalibration;
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
        Path eval = root.resolve("results/final_eval.json");
        Reports.writeJson(null, eval, Map.of("modelDir", model.toString(), "tta", "flip", "split", "validation",
                "inputVersion", 7, "inputTable", "data/warehouse/faces", "metrics", Map.of("samples", 100,
                        "accuracy", 0.61234, "macroAverage", Map.of("f1", 0.5), "perClass", java.util.List.of(
                                Map.of("name", "angry", "support", 10, "precision", 0.5, "recall", 0.4, "f1", 0.44)))));

        Path config = model.resolve("config.yaml");
        String yaml = Files.readString(config);
        assertTrue(yaml.contains("pretrained: \"\""), yaml);
        assertTrue(yaml.contains("includeValidation: false"), yaml);
        assertTrue(yaml.contains("teacher: \"\""), yaml);
        Files.writeString(config, yaml.replace("pretrained: \"\"", "pretrained: \"models/base\"")
                .replace("teacher: \"\"", "teacher: \"models/t1, models/t2\"")
                .replace("includeValidation: false", "includeValidation: true")
                .replaceAll("earlyStoppingPatience: \\d+", "earlyStoppingPatience: 0"));

        Outcome o = run("ship", "--model", model.toString(), "--to", target.toString(), "--evaluation",
                eval.toString(), "--title", "Test model");

        assertEquals(0, o.code(), o.err());
        for (String f : new String[] {"model.onnx", "model.onnx.json", "model.params", "config.yaml", "classes.json",
            "normalization.json", "calibration.json", "MODEL_CARD.md", "TRAINING_CARD.md", "fixture.json"}) {
            assertTrue(Files.isRegularFile(target.resolve(f)), f);
        }
        assertFalse(Files.exists(target.resolveSibling("default.tmp")));
        ModelBundle.load(target);
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
