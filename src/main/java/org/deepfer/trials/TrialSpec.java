package org.deepfer.trials;

import java.io.Serializable;
import java.util.List;

/**
 * One training run of a sweep or search, as shipped to a Spark task.
 *
 * @param id the trial's name within its sweep or search (a model name, or t003)
 * @param overrides config overrides over the job's config, {@code key=value} as for --set
 * @param modelDir where the trial's model goes; if it holds a checkpoint the trial continues it
 * @param stopAfterEpochs stop once the run has this many epochs (a halving rung); 0 = run to the end
 * @param measureInference time inference at batch 1 and 64 after training
 */
public record TrialSpec(String id, List<String> overrides, String modelDir, int stopAfterEpochs,
        boolean measureInference) implements Serializable {
    public TrialSpec {
        overrides = List.copyOf(overrides);
    }
}
