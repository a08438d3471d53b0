package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Training on the synthetic sample: learning happens, resume is exact, bad config is refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainJobTest {
    @TempDir
    static Path root;

    @BeforeAll
    void ingestTheSample() {
        DeepFerConfig config = TestSpark.config(root);
        Samples.ingest(config);
    }

    private DeepFerConfig config(String models, String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("train.modelsDir=" + root.resolve(models),
                "train.excludeFindings=[]", "train.batchSize=32", "train.earlyStoppingPatience=0"));
        all.addAll(List.of(overrides));
        return TestSpark.config(root, all.toArray(String[]::new));
    }

    @Test
    void lossFallsAndTrainingAccuracyBeatsChance() {
        // Threads pinned: PyTorch's thread count is process-wide and other tests change it, and the
        // float sums (so the exact figures) depend on it. Light dropout: the running train accuracy
        // is measured with dropout on.
        DeepFerConfig config = config("learn", "train.epochs=8", "train.augment=false", "train.learningRate=0.002",
                "train.threads=2", "train.dropout=0.1");
        TrainingRun.Result result = new TrainJob(TestSpark.warehouse(config, "train"), null).run();

        List<EpochMetrics> history = Checkpoint.loadHistory(result.modelDir());
        assertEquals(8, history.size());
        EpochMetrics first = history.get(0);
        EpochMetrics last = history.get(7);
        assertTrue(last.trainLoss() < 0.8 * first.trainLoss(), "loss " + first.trainLoss() + " -> " + last.trainLoss());
        // Chance is 1/7 = 0.143.
        assertTrue(last.trainAccuracy() > 0.25, "train accuracy " + last.trainAccuracy());
        for (String file : List.of("model.params", "config.yaml", "classes.json", "normalization.json",
                "MODEL_CARD.md", "curves.png", "history.json")) {
            assertTrue(Files.exists(result.modelDir().resolve(file)), file);
        }
        assertEquals(8, TensorBoardWriter.read(tensorBoardFile(result.modelDir())).stream()
                .filter(s -> s.tag().equals("loss/train")).count());
        assertEquals(8, TestSpark.session().read().format("delta")
                .load(root.resolve("warehouse").resolve(TrainJob.HISTORY_TABLE).toString())
                .filter("model_id = '" + result.modelId() + "'").count());
    }

    @Test
    void resumedRunEndsWithTheSameParametersAsAnUninterruptedOne() throws Exception {
        String[] settings = {"train.epochs=2", "train.maxTrainImages=96", "train.mixupAlpha=0.2"};
        TrainingRun.Result straight = new TrainJob(TestSpark.warehouse(config("straight", settings), "train"), null)
                .run();
        TrainingRun.Result first = new TrainJob(TestSpark.warehouse(config("resumed", settings), "train"), null)
                .interruptAfter(1).run();
        assertEquals(1, first.epochsDone());
        TrainingRun.Result resumed = new TrainJob(TestSpark.warehouse(config("resumed", settings), "train"),
                first.modelDir()).run();

        assertEquals(2, resumed.epochsDone());
        byte[] expected = Files.readAllBytes(straight.modelDir().resolve("checkpoints/last/params.bin"));
        byte[] actual = Files.readAllBytes(resumed.modelDir().resolve("checkpoints/last/params.bin"));
        assertArrayEquals(expected, actual);
        assertArrayEquals(Files.readAllBytes(straight.modelDir().resolve("checkpoints/last/optimizer.ndlist")),
                Files.readAllBytes(resumed.modelDir().resolve("checkpoints/last/optimizer.ndlist")));
    }

    /**
     * The CLI trains in a child JVM that is killed with SIGKILL once its first checkpoint is on disk;
     * resuming here finishes the run, and it ends exactly where an uninterrupted run ends.
     */
    @Test
    void runKilledWithSigkillResumesFromItsLastCheckpointAndEndsLikeAnUninterruptedRun() throws Exception {
        // The same PyTorch thread count in both processes: float sums (and so parameters) depend on it, and
        // other tests in this JVM may have changed the process-wide setting.
        String[] settings = {"train.epochs=4", "train.maxTrainImages=96", "train.threads=2"};
        TrainingRun.Result straight = new TrainJob(TestSpark.warehouse(config("straight-kill", settings), "train"), null)
                .run();

        Path models = root.resolve("killed");
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Dai.djl"))
                .forEach(command::add);
        command.addAll(List.of("-Dspark.master=local[1]", "-cp", System.getProperty("java.class.path"),
                "org.deepfer.cli.DeepFer", "train"));
        List<String> sets = new java.util.ArrayList<>(List.of("paths.sample=" + root.resolve("sample"),
                "paths.warehouse=" + root.resolve("warehouse"), "paths.results=" + root.resolve("results"),
                "spark.shufflePartitions=2", "train.modelsDir=" + models, "train.excludeFindings=[]",
                "train.batchSize=32", "train.earlyStoppingPatience=0"));
        sets.addAll(List.of(settings));
        sets.forEach(kv -> command.addAll(List.of("--set", kv)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(root.resolve("killed.log").toFile()).start();

        Path modelDir = null;
        // Generous: the child starts a JVM, Spark and PyTorch before its first 96-face epoch, on a CI machine
        // that may be busy; the wait ends as soon as the first checkpoint lands, so a pass costs no more.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
        while (modelDir == null && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            modelDir = firstCheckpointedModel(models);
        }
        child.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no finally blocks
        child.waitFor();
        String log = Files.readString(root.resolve("killed.log"));
        assertTrue(modelDir != null, "the child wrote no checkpoint before it ended:\n" + log);
        int done = Checkpoint.loadHistory(modelDir).size();
        assertTrue(done >= 1 && done < 4, "killed after " + done + " epochs; the test needs a run cut short");
        assertEquals(137, child.exitValue(), "the child must have been killed, not have finished");

        TrainingRun.Result resumed = new TrainJob(TestSpark.warehouse(config("killed", settings), "train"), modelDir)
                .run();
        assertEquals(4, resumed.epochsDone());
        assertEquals(List.of(1, 2, 3, 4), Checkpoint.loadHistory(modelDir).stream().map(EpochMetrics::epoch).toList());
        assertArrayEquals(Files.readAllBytes(straight.modelDir().resolve("checkpoints/last/params.bin")),
                Files.readAllBytes(resumed.modelDir().resolve("checkpoints/last/params.bin")),
                "after kill -9 and resume (killed after epoch " + done + ")");
    }

    /** The model directory under {@code models} whose last checkpoint holds at least one epoch, or null. */
    private static Path firstCheckpointedModel(Path models) throws java.io.IOException {
        if (!Files.isDirectory(models)) {
            return null;
        }
        try (var dirs = Files.list(models)) {
            for (Path dir : dirs.toList()) {
                if (Files.exists(dir.resolve("checkpoints/last").resolve(Checkpoint.STATE))) {
                    return dir;
                }
            }
        }
        return null;
    }

    @Test
    void transferLearningStartsFromOurCheckpointAndHeadPhaseLeavesTheBackboneUntouched() throws Exception {
        TrainingRun.Result source = new TrainJob(TestSpark.warehouse(
                config("source", "train.epochs=1", "train.maxTrainImages=64"), "train"), null).run();
        DeepFerConfig transfer = config("transfer", "train.epochsHead=1", "train.epochsFt=1",
                "train.maxTrainImages=64", "train.pretrained=" + source.modelDir());
        TrainingRun.Result head = new TrainJob(TestSpark.warehouse(transfer, "train"), null).interruptAfter(1).run();

        Map<String, float[]> sourceParams = parameters(source.modelDir().resolve("checkpoints/last/params.bin"));
        Map<String, float[]> afterHead = parameters(head.modelDir().resolve("checkpoints/last/params.bin"));
        int backbone = 0;
        for (Map.Entry<String, float[]> e : afterHead.entrySet()) {
            if (e.getKey().startsWith("backbone")) {
                assertArrayEquals(sourceParams.get(e.getKey()), e.getValue(), e.getKey() + " changed in the head phase");
                backbone++;
            }
        }
        assertTrue(backbone > 10, "backbone parameters compared: " + backbone);
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(head.modelDir().resolve("pretrained.json").toFile());
        assertEquals(backbone, report.get("matched").size());
        assertEquals(0, report.get("missing").size());
        assertTrue(report.get("skipped").toString().contains("head/"), report.get("skipped").toString());
        boolean headChanged = afterHead.entrySet().stream().filter(e -> e.getKey().startsWith("head"))
                .anyMatch(e -> !java.util.Arrays.equals(e.getValue(), sourceParams.get(e.getKey())));
        assertTrue(headChanged, "the head must train in the head phase");

        TrainingRun.Result finetuned = new TrainJob(TestSpark.warehouse(transfer, "train"), head.modelDir()).run();
        assertEquals(2, finetuned.epochsDone());
        Map<String, float[]> afterFt = parameters(finetuned.modelDir().resolve("checkpoints/last/params.bin"));
        assertTrue(afterFt.entrySet().stream().filter(e -> e.getKey().startsWith("backbone") && e.getKey().endsWith("weight"))
                .anyMatch(e -> !java.util.Arrays.equals(e.getValue(), afterHead.get(e.getKey()))),
                "fine-tuning must move the backbone");
        assertEquals(List.of("head", "finetune"), Checkpoint.loadHistory(finetuned.modelDir()).stream()
                .map(EpochMetrics::phase).toList());
    }

    /** Parameter values by name from a saved parameter file of the baseline model. */
    private static Map<String, float[]> parameters(Path file) {
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            org.deepfer.train.model.FerModel model = org.deepfer.train.model.Models.build(
                    new org.deepfer.train.model.ModelSpec("baseline", 1, 48, 7, 0.5));
            model.block().initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 1, 48, 48));
            Checkpoint.loadParameters(file, model.block(), manager);
            Map<String, float[]> out = new java.util.TreeMap<>();
            model.block().getParameters().forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
            return out;
        }
    }

    @Test
    void pretrainedWeightsOfAnotherInputShapeAreRefusedNamingTheTensor() {
        TrainingRun.Result source = new TrainJob(TestSpark.warehouse(
                config("rgb", "train.epochs=1", "train.maxTrainImages=32", "train.inputChannels=3"), "train"), null).run();
        DeepFerConfig gray = config("gray", "train.epochs=1", "train.maxTrainImages=32",
                "train.pretrained=" + source.modelDir().resolve("model.params"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainJob(TestSpark.warehouse(gray, "train"), null).run());
        assertTrue(e.getMessage().contains("refusing") || e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void includeValidationTrainsOnBothSplitsKeepsTheLastEpochAndSaysSoInTheCard() throws Exception {
        TrainingRun.Data heldOut = TrainJob.loadData(TestSpark.warehouse(config("held-out"), "train"));
        DeepFerConfig both = config("both", "train.includeValidation=true", "train.epochs=3", "train.augment=false",
                "train.learningRate=0.02");
        TrainingRun.Data data = TrainJob.loadData(TestSpark.warehouse(both, "train"));
        assertTrue(heldOut.validation().count() > 0);
        assertEquals(heldOut.train().count() + heldOut.validation().count(), data.train().count());
        assertEquals(heldOut.validation().count(), data.validation().count(), "validation is still scored");

        TrainingRun.Result result = new TrainJob(TestSpark.warehouse(both, "train"), null).run();

        assertEquals(3, result.epochsDone());
        assertEquals(3, result.bestEpoch(), "validation that was trained on cannot pick an epoch");
        String card = Files.readString(result.modelDir().resolve("MODEL_CARD.md"));
        assertTrue(card.contains("- Trained on train + validation (`train.includeValidation`)"), card);
        assertTrue(card.contains(data.train().count() + " training faces"), card);
        assertTrue(card.contains("- Validation, trained on (epoch 3)"), card);
        assertTrue(card.contains("`model.params` (the last epoch)"), card);
        assertFalse(card.contains("best by validation"), card);
    }

    @Test
    void includeValidationIsRefusedWithEarlyStoppingAndBySweepAndTune() {
        org.deepfer.config.ConfigException e = assertThrows(org.deepfer.config.ConfigException.class,
                () -> TestSpark.config(root, "train.includeValidation=true", "train.earlyStoppingPatience=3"));
        assertTrue(e.getMessage().contains("set train.earlyStoppingPatience=0"), e.getMessage());
        DeepFerConfig both = config("refused", "train.includeValidation=true");
        e = assertThrows(org.deepfer.config.ConfigException.class,
                () -> TrainJob.requireHeldOutValidation(both.train(), "tune"));
        assertEquals("tune compares runs on the validation split, so it cannot train on it: set"
                + " train.includeValidation=false", e.getMessage());
        TrainJob.requireHeldOutValidation(config("fine").train(), "sweep");
    }

    @Test
    void missingPretrainedFileIsAClearError() {
        DeepFerConfig config = config("pre", "train.epochs=1", "train.pretrained=" + root.resolve("nope.params"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainJob(TestSpark.warehouse(config, "train"), null).run());
        assertTrue(e.getMessage().contains("nope.params"), e.getMessage());
    }

    private static Path tensorBoardFile(Path modelDir) {
        try (var files = Files.list(modelDir.resolve("tensorboard"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents")).findFirst()
                    .orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
