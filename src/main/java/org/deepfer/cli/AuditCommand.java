package org.deepfer.cli;

import org.deepfer.audit.AuditJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;

/** {@code deepfer audit}: data-quality findings on the faces table. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        header = "Audit the faces: bad files, duplicates, leakage, imbalance.",
        description = {"Audit the 'faces' table: corrupt/zero-byte/wrongly sized files, exact and near",
            "duplicates (perceptual hash + banding), train/validation/test leakage, label conflicts,",
            "blank images and class imbalance. Writes Delta table 'audit_findings',",
            "results/data_audit.{json,csv}, results/class_weights.json and PNG plots."})
final class AuditCommand extends SparkJobCommand {
    @Override
    String jobName() {
        return "audit";
    }

    @Override
    void execute(Warehouse warehouse) {
        Summaries.print(new AuditJob(warehouse).run(), warehouse);
    }
}
