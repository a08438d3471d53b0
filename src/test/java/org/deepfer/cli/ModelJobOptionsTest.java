package org.deepfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.config.ConfigException;
import org.deepfer.export.TestModels;
import org.deepfer.predict.FacePredictor;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The option checks shared by predict, evaluate, robustness, explain and ensemble. */
class ModelJobOptionsTest {

    @Test
    void aMissingModelOptionWithoutAShippedDefaultSaysWhichOptionTheJobNeeds(@TempDir Path root) {
        Path nowhere = root.resolve("models/default");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelJobCommand.modelDir(null, "--model", "evaluate", List.of(nowhere)));
        assertEquals("evaluate needs --model <model directory>, e.g. --model models/<id> (no shipped default model in "
                + nowhere + ")", e.getMessage());
    }

    @Test
    void aMissingModelOptionFallsBackToTheFirstShippedDefault(@TempDir Path root) throws Exception {
        Path empty = Files.createDirectories(root.resolve("a/models/default"));
        Path shipped = root.resolve("b/models/default");
        try (NDManager manager = NDManager.newBaseManager()) {
            TestModels.writeBundle(TestModels.randomModel(new ModelSpec("baseline", 1, 48, Labels.count(), 0.3, 0.25),
                    manager, 1), 48, shipped);
        }

        assertEquals(shipped, ModelJobCommand.modelDir(null, "--model", "predict", List.of(empty, shipped)));
        Path given = root.resolve("c");
        assertThrows(ConfigException.class, () -> ModelJobCommand.modelDir(given, "--model", "predict",
                List.of(shipped)), "a given directory is never replaced by the default");
    }

    @Test
    void aDirectoryThatIsNoModelIsNamedWithTheOption(@TempDir Path empty) {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelJobCommand.modelDir(empty, "--models", "ensemble"));
        assertTrue(e.getMessage().startsWith("--models " + empty + ": "), e.getMessage());
    }

    @Test
    void splitsAreNormalizedAndUnknownOnesListTheChoices() {
        assertNull(ModelJobCommand.split(null));
        assertEquals("validation", ModelJobCommand.split("PublicTest"));
        assertEquals("test", ModelJobCommand.split(" Test "));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelJobCommand.split("holdout"));
        assertTrue(e.getMessage().startsWith("--split holdout: expected one of"), e.getMessage());
    }

    @Test
    void ttaBatchSizeAndVersionAreChecked() {
        assertEquals(FacePredictor.Tta.FLIP, ModelJobCommand.tta("FLIP"));
        assertEquals(FacePredictor.Tta.TENCROP, ModelJobCommand.tta("tencrop"));
        assertEquals("--tta fivecrop: expected none, flip or tencrop",
                assertThrows(ConfigException.class, () -> ModelJobCommand.tta("fivecrop")).getMessage());
        assertEquals(64, ModelJobCommand.batchSize(64));
        assertThrows(ConfigException.class, () -> ModelJobCommand.batchSize(0));
        assertNull(ModelJobCommand.tableVersion(null));
        assertEquals(3L, ModelJobCommand.tableVersion(3L));
        assertThrows(ConfigException.class, () -> ModelJobCommand.tableVersion(-1L));
    }
}
