package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCardTest {
    @TempDir
    Path dir;

    @Test
    void theCardSaysWhatWasTrainedOnWhichDataAndTheBestEpochInOrder() throws Exception {
        Path modelDir = dir.resolve("20260101-000000-train");
        Files.createDirectories(modelDir);
        FaceArrays none = FaceArrays.of(2, new byte[0], new int[0], new String[0]);
        TrainingRun.Data data = new TrainingRun.Data(none, none, null, null, 4, "file:/wh/faces");
        double[] f1 = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
        EpochMetrics best = new EpochMetrics(9, "train", 1e-3, 1, 0.5, 0.4, 1, 0.61234, 0.55555, f1, 100, 60);
        Path card = new TrainingCard(modelDir, false)
                .architecture(new ModelSpec("resnet18", 1, 48, Labels.count(), 0.2, 0.5), 1234)
                .data(data, 100, List.of("blank"))
                .line("Training: 3 epochs")
                .best(best, true)
                .write(null, "r1", "`model.params`.");
        List<String> lines = Files.readAllLines(card);
        assertEquals(modelDir.resolve("MODEL_CARD.md"), card);
        assertEquals("# Model card: 20260101-000000-train", lines.get(0));
        assertEquals("- Architecture: `resnet18` (width 0.5), input 1x48x48, 1234 trainable parameters", lines.get(2));
        assertEquals("- Data: Delta table `faces` version 4 at file:/wh/faces, 100 training faces (excluding audit"
                + " findings [blank])", lines.get(3));
        assertEquals("- Training: 3 epochs", lines.get(4));
        assertEquals("- Best validation (epoch 9): accuracy 0.6123, macro-F1 0.5556", lines.get(5));
        assertEquals("- Validation F1 per class: angry 0.100, disgust 0.200, fear 0.300, happy 0.400, sad 0.500,"
                + " surprise 0.600, neutral 0.700", lines.get(6));
        assertTrue(lines.get(7).startsWith("- Date: ") && lines.get(7).endsWith("; run r1"), lines.get(7));
        assertEquals("Files: `model.params`.", lines.get(9));
    }

    @Test
    void aCardTrainedOnValidationSaysItsFiguresAreNotHeldOutAndThatTheLastEpochIsKept() throws Exception {
        double[] f1 = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
        EpochMetrics last = new EpochMetrics(5, "train", 1e-3, 1, 0.5, 0.4, 1, 0.7, 0.6, f1, 100, 60);
        TrainingCard card = new TrainingCard(dir, true).heldOut();
        String md = Files.readString(card.best(last, false).write(null, "r3", card.keptParameters() + "."));
        assertTrue(md.contains("- Trained on train + validation (`train.includeValidation`)"), md);
        assertTrue(md.contains("- Validation, trained on (epoch 5): accuracy 0.7000, macro-F1 0.6000"), md);
        assertTrue(md.contains("Files: the last epoch."), md);
        assertEquals("best by validation macro-F1", new TrainingCard(dir, false).heldOut().keptParameters());
    }

    @Test
    void noBestEpochYetLeavesTheValidationLinesOut() throws Exception {
        Path card = new TrainingCard(dir, false).best(null, true).write(null, "r2", "none.");
        assertTrue(Files.readString(card).lines().noneMatch(l -> l.contains("validation")));
    }
}
