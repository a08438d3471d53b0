package org.deepfer.cli;

import java.util.List;
import java.util.Locale;
import org.deepfer.tables.Warehouse;
import org.deepfer.tune.TuneJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deepfer tune}: hyperparameter search with successive halving. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        header = "Search hyperparameters with successive halving.",
        description = {"Search hyperparameters (tune.space) for train.backbone: tune.trials points (Halton or",
            "random), Spark tasks, successive halving over rungs up to tune.maxEpochs. Trial 0 is the",
            "unchanged config, the reference. Writes Delta 'hparam_trials', results/hparam_trials.csv,",
            "results/hparam_search.png, results/hparam_summary.json and results/best_config.yaml",
            "(train --config results/best_config.yaml reproduces the best trial).",
            "--resume <search-id> runs only what the table does not hold yet."})
final class TuneCommand extends SparkJobCommand {
    @Option(names = "--backbone", paramLabel = "NAME", description = "Model to tune (train.backbone).")
    String backbone;

    @Option(names = "--trials", paramLabel = "N", description = "First-rung trials (tune.trials).")
    Integer trials;

    @Option(names = "--resume", paramLabel = "SEARCH_ID", description = "Continue this search.")
    String resume;

    @Override
    String jobName() {
        return "tune";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        addIfSet(s, "train.backbone", backbone);
        addIfSet(s, "tune.trials", trials);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        TuneJob.Result r = new TuneJob(warehouse, resume).run();
        System.out.printf("%ntune %s: %d trial runs over rungs %s%n", r.searchId(), r.trialsRun(), r.rungs());
        if (r.bestTrial() >= 0) {
            System.out.printf(Locale.ROOT, "  best trial t%03d: %s %.4f (reference %.4f, %+.4f)%n  %s%n",
                    r.bestTrial(), warehouse.run().config().tune().metric(), r.bestScore(), r.referenceScore(),
                    r.bestScore() - r.referenceScore(), r.bestParams());
            System.out.printf("  config: %s%n", r.bestConfig());
        } else {
            System.out.println("  no trial finished the last rung (see results/hparam_trials.csv for errors)");
        }
    }
}
