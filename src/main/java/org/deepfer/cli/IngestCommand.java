package org.deepfer.cli;

import java.util.List;
import org.deepfer.ingest.IngestJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer ingest}: raw dataset → Delta tables faces and quarantine. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        header = "Read a FER dataset into the Delta table 'faces'.",
        description = {"Read a FER dataset into the Delta table 'faces' (bad records go to 'quarantine').",
            "Inputs: a FER2013 CSV (emotion,pixels,Usage), an image-folder tree <split>/<label>/<file>,",
            "or a generic folder with --labels. Local paths, file:, hdfs: and s3a:// URIs.",
            "Idempotent: re-running MERGEs on the record's source."})
final class IngestCommand extends SparkJobCommand {
    @Mixin
    InputOptions inputOptions;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset name stored with each row.")
    String dataset;

    @Override
    String jobName() {
        return "ingest";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        inputOptions.addTo(s);
        addIfSet(s, "ingest.dataset", dataset);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        Summaries.print(new IngestJob(warehouse).run(), warehouse);
    }
}
