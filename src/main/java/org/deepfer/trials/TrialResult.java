package org.deepfer.trials;

import java.io.Serializable;

/**
 * What a trial produced, or why it failed. Metrics are NaN (counts 0) for a failed trial.
 *
 * @param status {@value #OK} or {@value #FAILED}
 * @param error the failure's message (empty when ok)
 * @param valAccuracy validation accuracy of the best epoch (by macro-F1)
 * @param valMacroF1 validation macro-F1 of the best epoch
 * @param valF1PerClass validation F1 per class at the best epoch
 * @param inferenceBatch1 images/s at batch 1 (NaN when not measured)
 * @param inferenceBatch64 images/s at batch 64 (NaN when not measured)
 */
public record TrialResult(
        String id,
        String status,
        String error,
        String modelDir,
        String backbone,
        int inputChannels,
        int inputSize,
        long parameters,
        long flopsPerImage,
        int epochsDone,
        int bestEpoch,
        double valAccuracy,
        double valMacroF1,
        double[] valF1PerClass,
        double trainSeconds,
        double inferenceBatch1,
        double inferenceBatch64,
        String finishedAt)
        implements Serializable {

    public static final String OK = "ok";
    public static final String FAILED = "failed";

    public boolean ok() {
        return OK.equals(status);
    }

    /** The value a search ranks by: val_macro_f1 or val_accuracy; NaN for a failed trial. */
    public double score(String metric) {
        if (!ok()) {
            return Double.NaN;
        }
        return metric.equals("val_accuracy") ? valAccuracy : valMacroF1;
    }
}
