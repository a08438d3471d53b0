package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stochastic weight averaging ({@code train.averageFrom}) and continuing a whole model
 * ({@code train.pretrainedHead}): the kept parameters are the mean of the epochs' weights, batch-norm
 * statistics included; a resumed run ends byte for byte like an uninterrupted one; every averaged
 * epoch is on record with both figures; a run started from a model with its head scores like that
 * model from its first epoch.
 *
 * <p>No Spark: a tiny baseline learns {@link Bands} faces in memory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WeightAveragingTest {
    private static final int FACE = Bands.FACE;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The model the tests train: faces are scaled up to its 32-pixel input. */
    private static final ModelSpec SPEC = new ModelSpec("baseline", 1, 32, Labels.count(), 0.1, 0.25);

    @TempDir
    static Path root;

    private TrainingRun.Data data;
    /** Three epochs averaged from the second, run straight through. */
    private Path straight;

    @BeforeAll
    void trainStraight() {
        data = new TrainingRun.Data(Bands.faces(24, 1), Bands.faces(8, 2),
                new AugmentJob.Normalization(0.45, 0.2, 24 * Labels.count(), 0, "train", FACE), null, 0, "memory");
        straight = new TrainingRun(config("train.epochs=3", "train.averageFrom=2"), data, root.resolve("straight"),
                false, "s", null).run().modelDir();
    }

    @Test
    void theAverageIsAddedAndLentToTheBlockWhichGetsItsOwnValuesBack() throws Exception {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false); // as training runs: parameters change in place
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = Models.build(SPEC);
            model.block().initialize(manager, DataType.FLOAT32, SPEC.inputShape(1));
            Map<String, float[]> first = values(model);
            WeightAverage average = new WeightAverage(manager);
            average.add(model.block());
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                p.getValue().getArray().addi(3f);
            }
            Map<String, float[]> second = values(model);
            average.add(model.block());
            assertEquals(2, average.count());

            Map<String, float[]> lent = average.applied(model.block(), () -> values(model));
            for (String key : first.keySet()) {
                float[] mean = new float[first.get(key).length];
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (first.get(key)[i] + second.get(key)[i]) / 2;
                }
                assertArrayEquals(mean, lent.get(key), 1e-6f, key);
                assertArrayEquals(second.get(key), values(model).get(key), key + " restored");
            }

            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            average.save(saved);
            WeightAverage loaded = new WeightAverage(manager);
            loaded.load(new ByteArrayInputStream(saved.toByteArray()));
            assertEquals(2, loaded.count());
            assertEquals(lent.keySet(), loaded.applied(model.block(), () -> values(model)).keySet());
            for (String key : lent.keySet()) {
                assertArrayEquals(lent.get(key), loaded.applied(model.block(), () -> values(model)).get(key), key);
            }
        }
    }

    @Test
    void theKeptModelIsTheMeanOfTheAveragedEpochsAndResumeIsExact() throws Exception {
        DeepFerConfig config = config("train.epochs=3", "train.averageFrom=2");
        Path split = root.resolve("split");
        Path epoch2 = root.resolve("epoch2.params");
        new TrainingRun(config, data, split, false, "r", null).interruptAfter(2).run();
        Files.copy(split.resolve("checkpoints/last/params.bin"), epoch2, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.isRegularFile(split.resolve("checkpoints/last/" + Checkpoint.AVERAGE)));
        TrainingRun.Result resumed = new TrainingRun(config, data, split, true, "r", null).run();
        assertEquals(3, resumed.epochsDone());

        for (String file : List.of("model.params", "checkpoints/last/params.bin", "checkpoints/last/optimizer.ndlist",
                "checkpoints/last/" + Checkpoint.AVERAGE)) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(file)), Files.readAllBytes(split.resolve(file)),
                    file + " differs after resume");
        }
        Map<String, float[]> second = load(epoch2);
        Map<String, float[]> third = load(split.resolve("checkpoints/last/params.bin"));
        Map<String, float[]> kept = load(split.resolve("model.params"));
        int runningStats = 0;
        double moved = 0;
        for (String key : kept.keySet()) {
            float[] mean = new float[kept.get(key).length];
            for (int i = 0; i < mean.length; i++) {
                mean[i] = (second.get(key)[i] + third.get(key)[i]) / 2;
                moved += Math.abs(third.get(key)[i] - second.get(key)[i]);
            }
            assertArrayEquals(mean, kept.get(key), 1e-5f, key);
            runningStats += key.contains("running") ? 1 : 0;
        }
        assertTrue(runningStats > 0, "batch-norm statistics are averaged too: " + kept.keySet());
        assertTrue(moved > 1e-2, "epoch 3 changed the weights, so the mean is not either epoch's: " + moved);
    }

    @Test
    void everyAveragedEpochIsOnRecordAndTheHistoryGivesTheAveragesFigures() throws Exception {
        JsonNode averaging = JSON.readTree(straight.resolve("averaging.json").toFile());
        assertEquals(2, averaging.size(), averaging.toString());
        JsonNode history = JSON.readTree(straight.resolve("history.json").toFile());
        for (int i = 0; i < 2; i++) {
            JsonNode a = averaging.get(i);
            assertEquals(i + 2, a.path("epoch").asInt());
            assertEquals(i + 1, a.path("snapshots").asInt());
            JsonNode epoch = history.get(i + 1);
            assertEquals(a.path("averagedValAccuracy").asDouble(), epoch.path("valAccuracy").asDouble());
            assertEquals(a.path("averagedValMacroF1").asDouble(), epoch.path("valMacroF1").asDouble());
            assertEquals(a.path("averagedValLoss").asDouble(), epoch.path("valLoss").asDouble());
        }
        // One snapshot is the trained weights themselves.
        JsonNode one = averaging.get(0);
        assertEquals(one.path("trainedValLoss").asDouble(), one.path("averagedValLoss").asDouble(), 1e-6);
        String card = Files.readString(straight.resolve("MODEL_CARD.md"));
        assertTrue(card.contains("Weight averaging: the weights at the end of epochs 2 to 3 averaged"), card);
    }

    @Test
    void aRunStartedFromAWholeModelScoresLikeItAndAFreshHeadDoesNot() throws Exception {
        double source = JSON.readTree(straight.resolve("history.json").toFile()).get(2).path("valAccuracy").asDouble();
        assertTrue(source >= 0.9, "the source model learned the bands: " + source);
        // A learning rate too small to move anything: the first epoch shows where the run started. Another
        // seed: a head initialised as the source's was would fit the backbone that trained beside it.
        String[] still = {"train.epochs=1", "train.learningRate=1e-12", "train.pretrained=" + straight, "seed=7"};
        Path withHead = new TrainingRun(config(merge(still, "train.pretrainedHead=true")), data,
                root.resolve("with-head"), false, "h", null).run().modelDir();
        Path freshHead = new TrainingRun(config(still), data, root.resolve("fresh-head"), false, "f", null).run()
                .modelDir();

        double continued = JSON.readTree(withHead.resolve("history.json").toFile()).get(0).path("valAccuracy")
                .asDouble();
        double fresh = JSON.readTree(freshHead.resolve("history.json").toFile()).get(0).path("valAccuracy").asDouble();
        assertTrue(continued >= source - 0.05, "with its head the model carries on at " + source + ": " + continued);
        assertTrue(fresh < 0.5, "a fresh head does not know the classes: " + fresh);
        JsonNode report = JSON.readTree(withHead.resolve("pretrained.json").toFile());
        assertTrue(report.path("matched").toString().contains("head/"), report.toString());
    }

    @Test
    void badSettingsAreRefusedNamingTheKey() throws Exception {
        ConfigException late = assertThrows(ConfigException.class,
                () -> config("train.epochs=3", "train.averageFrom=4"));
        assertTrue(late.getMessage().contains("train.averageFrom") && late.getMessage().contains("1 to 3"),
                late.getMessage());
        ConfigException noSource = assertThrows(ConfigException.class, () -> config("train.pretrainedHead=true"));
        assertTrue(noSource.getMessage().contains("train.pretrainedHead"), noSource.getMessage());
        ConfigException dl4j = assertThrows(ConfigException.class,
                () -> config("train.engine=dl4j-spark", "train.backbone=baseline", "train.averageFrom=1"));
        assertTrue(dl4j.getMessage().contains("train.averageFrom"), dl4j.getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = Models.build(SPEC);
            model.block().initialize(manager, DataType.FLOAT32, SPEC.inputShape(1));
            Path torch = Path.of(getClass().getResource("/torch/baseline_w0125.pth").toURI());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PretrainedLoader.load(torch, model, manager, true));
            assertTrue(e.getMessage().contains("train.pretrainedHead") && e.getMessage().contains("PyTorch"),
                    e.getMessage());
        }
    }

    /** Test settings: CPU, one thread (float sums, so exact resume, depend on it), no augmentation. */
    private static DeepFerConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.backbone=baseline", "train.width=0.25",
                "train.inputSize=32", "train.device=cpu", "train.threads=1", "train.batchSize=32",
                "train.augment=false", "train.dropout=0.1", "train.learningRate=0.003", "train.warmupEpochs=0",
                "train.schedule=constant", "train.earlyStoppingPatience=0", "train.includeValidation=true",
                "paths.warehouse=" + root.resolve("warehouse"), "paths.results=" + root.resolve("results")));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(Optional.empty(), all);
    }

    private static String[] merge(String[] settings, String more) {
        List<String> all = new ArrayList<>(List.of(settings));
        all.add(more);
        return all.toArray(String[]::new);
    }

    /** Every parameter of {@code model} by name, copied out. */
    private static Map<String, float[]> values(FerModel model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    /** The parameters a DJL parameter file holds for the test's model. */
    private static Map<String, float[]> load(Path file) {
        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = Models.build(SPEC);
            model.block().initialize(manager, DataType.FLOAT32, SPEC.inputShape(1));
            Checkpoint.loadParameters(file, model.block(), manager);
            return values(model);
        }
    }
}
