package org.deepfer.cli;

import org.deepfer.augment.AugmentJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;

/** {@code deepfer augment}: normalization statistics and the faces_aug table. */
@Command(name = "augment", mixinStandardHelpOptions = true,
        header = "Fit normalization; write augmented faces to 'faces_aug'.",
        description = {"Compute normalization statistics from the train split (results/normalization.json)",
            "and write augment.variantsPerImage variants of every training face to Delta table",
            "'faces_aug' (policy in augment.policy), plus a preview sheet results/sample_augs.jpg."})
final class AugmentCommand extends SparkJobCommand {
    @Override
    String jobName() {
        return "augment";
    }

    @Override
    void execute(Warehouse warehouse) {
        Summaries.print(new AugmentJob(warehouse).run(), warehouse);
    }
}
