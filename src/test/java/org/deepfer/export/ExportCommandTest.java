package org.deepfer.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepfer.cli.DeepFer;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.run.Reports;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deepfer export} end to end on a model directory written here. */
class ExportCommandTest {
    @TempDir
    Path root;

    private Path modelDir;

    private record Outcome(int code, String out, String err) {}

    @BeforeEach
    void writeModel() throws Exception {
        modelDir = root.resolve("models").resolve("m-resnet");
        ModelSpec spec = new ModelSpec("resnet18", 1, 48, Labels.count(), 0.3, 0.25);
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = TestModels.randomModel(spec, manager, 7);
            TestModels.scaleHeadToInformativeScores(model, manager, 48, 8, 1);
            TestModels.writeBundle(model, 48, modelDir);
        }
    }

    @Test
    void exportWritesTheCheckedModelAndItsSidecarIntoTheModelDirectory() {
        Outcome o = run("export", "--model", modelDir.toString(), "--temperature", "1.3", "--verify-faces", "8",
                "--threads", "1", "--set", "paths.results=" + root.resolve("results"));

        assertEquals(0, o.code(), o.err());
        Path onnx = modelDir.resolve("model.onnx");
        assertTrue(Files.isRegularFile(onnx));
        OnnxSidecar s = Reports.readJson(modelDir.resolve("model.onnx.json"), OnnxSidecar.class);
        assertEquals("m-resnet", s.modelId());
        assertEquals(1.3, s.temperature());
        assertNotNull(s.verification());
        assertEquals(8, s.verification().faces());
        assertTrue(s.verification().maxAbsDiff() <= OnnxParity.TOLERANCE, "" + s.verification().maxAbsDiff());
        assertTrue(s.exportedBy().endsWith("-export"), s.exportedBy());
        assertTrue(Files.isRegularFile(root.resolve("results").resolve("runs").resolve(s.exportedBy())
                .resolve("provenance.json")));
        assertTrue(o.out().contains("max |p_onnx - p_djl| = "), o.out());
        try (OnnxRunner runner = OnnxRunner.open(onnx, 1)) {
            assertEquals("1.3", runner.metadata().get("temperature"));
        }
    }

    @Test
    void calibratedTakesTheTemperatureOfCalibrationJson() {
        Path out = root.resolve("elsewhere").resolve("fer.onnx");
        Reports.writeJson(null, modelDir.resolve(ModelCalibration.FILE),
                new ModelCalibration(1.8, "faces", 3, "validation", 100, "none", 1.2, 1.0, 0.1, 0.05, "run-x"));

        Outcome o = run("export", "--model", modelDir.toString(), "--calibrated", "--out", out.toString(),
                "--verify-faces", "4", "--set", "paths.results=" + root.resolve("results"));

        assertEquals(0, o.code(), o.err());
        assertEquals(1.8, Reports.readJson(root.resolve("elsewhere").resolve("fer.onnx.json"), OnnxSidecar.class)
                .temperature());
        assertFalse(Files.exists(modelDir.resolve("model.onnx")));
    }

    @Test
    void missingModelDirectoryIsAUsageErrorNamingIt() {
        Outcome o = run("export", "--model", root.resolve("nope").toString(), "--set",
                "paths.results=" + root.resolve("results"));

        assertEquals(2, o.code());
        assertTrue(o.err().contains("--model " + root.resolve("nope") + ": model directory"), o.err());
    }

    @Test
    void helpDescribesTheCommand() {
        Outcome o = run("export", "--help");

        assertEquals(0, o.code());
        assertTrue(o.out().contains("Usage: deepfer export"), o.out());
        assertTrue(o.out().contains("--calibrated"), o.out());
    }

    @Test
    void temperatureAndCalibratedExcludeEachOther() {
        Outcome o = run("export", "--model", modelDir.toString(), "--temperature", "2", "--calibrated");

        assertEquals(2, o.code());
        assertTrue(o.err().contains("mutually exclusive"), o.err());
    }

    private static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = DeepFer.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
