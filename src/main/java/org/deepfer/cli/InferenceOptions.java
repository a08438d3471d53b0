package org.deepfer.cli;

import org.deepfer.predict.FacePredictor;
import picocli.CommandLine.Option;

/**
 * How a batch-inference command runs its model: the options predict, evaluate, robustness and
 * ensemble share, each checked (with a message naming the option) before a Spark session starts.
 */
final class InferenceOptions {
    @Option(names = "--tta", paramLabel = "MODE", defaultValue = "none",
            description = "Test-time augmentation: none | flip (the face and its mirror averaged) | tencrop (five"
                    + " crops and their mirrors: 10x the work). Default: ${DEFAULT-VALUE}.")
    String tta;

    @Option(names = {"--table-version", "--as-of-version"}, paramLabel = "N",
            description = "Read this version of the faces table (Delta time travel).")
    Long version;

    @Option(names = {"--batch_size", "--batch-size"}, paramLabel = "N", defaultValue = "128",
            description = "Faces per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    FacePredictor.Tta tta() {
        return ModelJobCommand.tta(tta);
    }

    Long tableVersion() {
        return ModelJobCommand.tableVersion(version);
    }

    int batchSize() {
        return ModelJobCommand.batchSize(batchSize);
    }
}
