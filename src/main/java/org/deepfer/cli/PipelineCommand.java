package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import org.deepfer.audit.AuditJob;
import org.deepfer.config.ConfigException;
import org.deepfer.augment.AugmentJob;
import org.deepfer.ingest.IngestJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer pipeline}: the data stages in order, in one Spark session and one run. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the data stages in order: generate-sample (only when no --input is given),",
            "ingest, audit, augment, in one Spark session (start-up paid once).",
            "With no arguments it runs on the built-in synthetic sample."})
final class PipelineCommand extends SparkJobCommand {
    @Mixin
    InputOptions inputOptions;

    @Option(names = "--stages", paramLabel = "STAGES", split = ",",
            description = "Stages to run, in pipeline order (default: ${DEFAULT-VALUE}).",
            defaultValue = "ingest,audit,augment")
    List<String> stages;

    private static final List<String> ALL_STAGES = List.of("ingest", "audit", "augment");

    @Override
    String jobName() {
        return "pipeline";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        inputOptions.addTo(s);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        var run = warehouse.run();
        for (String stage : stages) {
            if (!ALL_STAGES.contains(stage)) {
                throw new ConfigException("unknown pipeline stage '" + stage + "'; stages are " + ALL_STAGES);
            }
        }
        if (stages.contains("ingest") && run.config().ingest().input().isBlank()) {
            Summaries.print(run.time("generate-sample", () -> GenerateSampleCommand.generate(run.config())),
                    Path.of(run.config().paths().sample()));
        }
        if (stages.contains("ingest")) {
            Summaries.print(new IngestJob(warehouse).run(), warehouse);
        }
        if (stages.contains("audit")) {
            Summaries.print(new AuditJob(warehouse).run(), warehouse);
        }
        if (stages.contains("augment")) {
            Summaries.print(new AugmentJob(warehouse).run(), warehouse);
        }
        System.out.printf("%npipeline done: tables under %s, reports under %s, provenance in %s%n",
                warehouse.root(), Path.of(run.config().paths().results()).toAbsolutePath(), run.dir());
    }
}
