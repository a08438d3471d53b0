package org.deepfer.cli;

import java.util.List;
import java.util.Locale;
import org.deepfer.sweep.SweepJob;
import org.deepfer.tables.Warehouse;
import org.deepfer.trials.TrialResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deepfer sweep}: the models of sweep.models compared under one budget. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        header = "Train several backbones on one budget and compare them.",
        description = {"Train every model of sweep.models on the faces table under the same budget",
            "(sweep.epochs, sweep.maxMinutes), one Spark task per model, and compare them: Delta table",
            "'model_sweep', results/model_sweep.csv and results/model_sweep.png (accuracy vs speed).",
            "--resume <sweep-id> skips finished models and continues the others from their checkpoints."})
final class SweepCommand extends SparkJobCommand {
    @Option(names = "--epochs", paramLabel = "N", description = "Epochs per model (sweep.epochs).")
    Integer epochs;

    @Option(names = "--minutes", paramLabel = "M", description = "Wall-clock cap per model (sweep.maxMinutes).")
    Double minutes;

    @Option(names = "--resume", paramLabel = "SWEEP_ID", description = "Continue this sweep.")
    String resume;

    @Override
    String jobName() {
        return "sweep";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        addIfSet(s, "sweep.epochs", epochs);
        addIfSet(s, "sweep.maxMinutes", minutes);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        SweepJob job = new SweepJob(warehouse, resume);
        List<TrialResult> results = job.run();
        System.out.printf("%nsweep %s: %d models%n", job.sweepId(), results.size());
        System.out.printf("  %-18s %-7s %10s %8s %8s %9s %10s %10s%n", "model", "status", "params", "MFLOP", "val acc",
                "macro-F1", "img/s b1", "img/s b64");
        for (TrialResult t : results) {
            System.out.printf(Locale.ROOT, "  %-18s %-7s %10d %8.1f %8.4f %9.4f %10.1f %10.1f%n", t.id(), t.status(),
                    t.parameters(), t.flopsPerImage() / 1e6, t.valAccuracy(), t.valMacroF1(), t.inferenceBatch1(),
                    t.inferenceBatch64());
        }
        System.out.printf("  table %s, report %s/model_sweep.csv%n", warehouse.path(SweepJob.TABLE),
                warehouse.run().config().paths().results());
    }
}
