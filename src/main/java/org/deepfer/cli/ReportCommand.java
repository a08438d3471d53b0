package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.report.HtmlReport;
import org.deepfer.report.RobustnessComparison;
import org.deepfer.report.RunComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer report}: results/report.html from what the stages wrote. */
@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Write results/report.html from the jobs' results.",
        description = {"Write results/report.html: one self-contained page with the data audit, training",
            "curves, sweep and search tables, evaluation metrics and plots, robustness and Grad-CAM",
            "galleries, from the files under paths.results. Sections not run yet say which command fills them.",
            "--compare a,b,... first writes results/runs_compared.csv and .png: those training runs' validation",
            "curves on one chart, each one's best epoch, and the settings in which they differ.",
            "--compare-robustness a,b,... first writes results/robustness_compared.csv and .png: those",
            "robustness reports' accuracy under each perturbation side by side, with each one's difference",
            "from the first."})
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--model", paramLabel = "MODEL_DIR",
            description = "Show this model's training curves (default: the model final_eval.json names).")
    Path model;

    @Option(names = "--compare", paramLabel = "MODEL_DIR", split = ",",
            description = "Compare these training runs (model directories, comma-separated).")
    List<Path> compare;

    @Option(names = "--compare-robustness", paramLabel = "REPORT", split = ",",
            description = "Compare these robustness reports (robustness.json files or the folders holding them,"
                    + " comma-separated; the first is the reference).")
    List<Path> compareRobustness;

    @Override
    public Integer call() {
        DeepFerConfig config = configOptions.load(new java.util.ArrayList<>());
        Path results = Path.of(config.paths().results());
        if (compare != null) {
            RunComparison comparison;
            try {
                comparison = RunComparison.load(compare);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--compare: " + e.getMessage(), e);
            }
            List<Path> files = comparison.write(results);
            System.out.print(comparison.table());
            System.out.printf("runs compared: %s%n", files.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        if (compareRobustness != null) {
            RobustnessComparison comparison;
            try {
                comparison = RobustnessComparison.load(compareRobustness);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--compare-robustness: " + e.getMessage(), e);
            }
            List<Path> files = comparison.write(results);
            System.out.print(comparison.table());
            System.out.printf("robustness compared: %s%n",
                    files.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        HtmlReport report = new HtmlReport(results, model);
        Path out = report.write();
        System.out.printf("report: %s (%s)%n", out, String.join(", ", report.sections()));
        return 0;
    }
}
