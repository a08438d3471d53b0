package org.deepfer.evaluate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;

/**
 * The temperature fitted for a model, kept in its directory as {@value #FILE} so that whatever
 * predicts with the model later can use it, with what it was fitted on and what it changed.
 *
 * @param temperature T of {@code softmax(logits / T)}
 * @param table the faces table the fit used
 * @param tableVersion its Delta version
 * @param split the split the fit used (validation: the test split must not tune anything)
 * @param rows labeled rows the fit used
 * @param tta the test-time augmentation of the probabilities the fit saw
 * @param nllBefore mean negative log-likelihood at T = 1
 * @param nllAfter at the fitted T
 * @param eceBefore expected calibration error at T = 1 (15 bins)
 * @param eceAfter at the fitted T, on the same rows (optimistic: fitted and measured on one split)
 * @param fittedBy the run that fitted it
 */
public record ModelCalibration(double temperature, String table, long tableVersion, String split, int rows, String tta,
        double nllBefore, double nllAfter, double eceBefore, double eceAfter, String fittedBy) {
    public static final String FILE = "calibration.json";

    public ModelCalibration {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("a temperature is a positive number, got " + temperature);
        }
    }

    /** The calibration saved in {@code modelDir}, if it has one. */
    public static Optional<ModelCalibration> read(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Reports.readJson(file, ModelCalibration.class));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a calibration written by `evaluate`: " + e.getMessage(),
                    e);
        }
    }

    /** Saves this into {@code modelDir}, replacing an earlier fit. */
    public Path write(RunContext run, Path modelDir) {
        return Reports.writeJson(run, modelDir.resolve(FILE), this);
    }
}
