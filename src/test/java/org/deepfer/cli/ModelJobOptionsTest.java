package org.deepfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepfer.config.ConfigException;
import org.deepfer.predict.FacePredictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The option checks shared by predict, evaluate, robustness, explain and ensemble. */
class ModelJobOptionsTest {

    @Test
    void aMissingModelOptionSaysWhichOptionTheJobNeeds() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelJobCommand.modelDir(null, "--model", "evaluate"));
        assertEquals("evaluate needs --model <model directory>, e.g. --model models/<id>", e.getMessage());
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
        assertEquals("--tta tencrop: expected none or flip",
                assertThrows(ConfigException.class, () -> ModelJobCommand.tta("tencrop")).getMessage());
        assertEquals(64, ModelJobCommand.batchSize(64));
        assertThrows(ConfigException.class, () -> ModelJobCommand.batchSize(0));
        assertNull(ModelJobCommand.tableVersion(null));
        assertEquals(3L, ModelJobCommand.tableVersion(3L));
        assertThrows(ConfigException.class, () -> ModelJobCommand.tableVersion(-1L));
    }
}
