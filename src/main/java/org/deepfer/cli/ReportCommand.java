package org.deepfer.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.report.HtmlReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer report}: results/report.html from what the stages wrote. */
@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Write results/report.html from the jobs' results.",
        description = {"Write results/report.html: one self-contained page with the data audit, training",
            "curves, sweep and search tables, evaluation metrics and plots, robustness and Grad-CAM",
            "galleries, from the files under paths.results. Sections not run yet say which command fills them."})
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--model", paramLabel = "MODEL_DIR",
            description = "Show this model's training curves (default: the model final_eval.json names).")
    Path model;

    @Override
    public Integer call() {
        DeepFerConfig config = configOptions.load(new java.util.ArrayList<>());
        HtmlReport report = new HtmlReport(Path.of(config.paths().results()), model);
        Path out = report.write();
        System.out.printf("report: %s (%s)%n", out, String.join(", ", report.sections()));
        return 0;
    }
}
