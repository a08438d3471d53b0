package org.deepfer.train;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.ModelSpec;

/**
 * The {@code MODEL_CARD.md} a training run leaves in its model directory: what was trained, on
 * which data, how, and how well on validation. Both trainers write one; the lines they share are
 * made here, each adds its own with {@link #line}. ({@code deepfer ship} writes the fuller card of
 * a shipped model from its evaluation reports.)
 */
public final class TrainingCard {
    private final Path modelDir;
    private final StringBuilder md = new StringBuilder();
    private final boolean validationTrainedOn;

    /** {@code validationTrainedOn}: the run trained on validation too ({@code train.includeValidation}). */
    public TrainingCard(Path modelDir, boolean validationTrainedOn) {
        this.modelDir = modelDir;
        this.validationTrainedOn = validationTrainedOn;
        md.append("# Model card: ").append(modelDir.getFileName()).append("\n\n");
    }

    /** The network: name, width, input shape, trainable parameters. */
    public TrainingCard architecture(ModelSpec spec, long trainableParameters) {
        return line(String.format(Locale.ROOT, "Architecture: `%s` (width %s), input %dx%dx%d, %d trainable parameters",
                spec.name(), spec.width(), spec.inputChannels(), spec.inputSize(), spec.inputSize(),
                trainableParameters));
    }

    /** The Delta table and version trained on, and the audit findings left out. */
    public TrainingCard data(TrainingRun.Data data, int trainImages, List<String> excludedFindings) {
        return line("Data: Delta table `faces` version " + data.facesVersion() + " at " + data.facesTable() + ", "
                + trainImages + " training faces"
                + (excludedFindings.isEmpty() ? "" : " (excluding audit findings " + excludedFindings + ")"));
    }

    /**
     * When the validation split was trained on ({@code train.includeValidation}), says that the
     * validation figures are not a held-out measure; otherwise nothing.
     */
    public TrainingCard heldOut() {
        return validationTrainedOn ? line("Trained on train + validation (`train.includeValidation`): the"
                + " validation figures below are on faces it learned from, and the last epoch is kept") : this;
    }

    /** Which epoch's parameters {@code model.params} holds, for the Files line. */
    public String keptParameters() {
        return validationTrainedOn ? "the last epoch" : "best by validation macro-F1";
    }

    /** One bullet. */
    public TrainingCard line(String text) {
        md.append("- ").append(text).append('\n');
        return this;
    }

    /** The best epoch's validation figures ({@code null}: none yet), with F1 per class if asked. */
    public TrainingCard best(EpochMetrics best, boolean perClass) {
        if (best == null) {
            return this;
        }
        line(String.format(Locale.ROOT, "%s (epoch %d): accuracy %.4f, macro-F1 %.4f",
                validationTrainedOn ? "Validation, trained on" : "Best validation", best.epoch(), best.valAccuracy(),
                best.valMacroF1()));
        if (perClass) {
            StringBuilder f1 = new StringBuilder("Validation F1 per class: ");
            for (int i = 0; i < Labels.count(); i++) {
                f1.append(String.format(Locale.ROOT, "%s %.3f%s", Labels.NAMES.get(i), best.valF1PerClass()[i],
                        i + 1 < Labels.count() ? ", " : ""));
            }
            line(f1.toString());
        }
        return this;
    }

    /** Adds the date, the run and what the directory holds, and writes the card. */
    public Path write(RunContext run, String runId, String files) {
        line("Date: " + Instant.now() + "; run " + runId);
        md.append("\nFiles: ").append(files).append('\n');
        return Reports.writeText(run, modelDir.resolve("MODEL_CARD.md"), md.toString());
    }
}
