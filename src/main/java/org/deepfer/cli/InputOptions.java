package org.deepfer.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** What to ingest: the options ingest and pipeline share, each a shortcut for an ingest.* key. */
final class InputOptions {
    @Option(names = "--input", paramLabel = "PATH", description = "Dataset to ingest (default: the built-in sample).")
    String input;

    @Option(names = "--format", paramLabel = "FORMAT", description = "auto | fer2013-csv | folders | generic")
    String format;

    @Option(names = "--labels", paramLabel = "CSV", description = "Labels CSV (path,label[,split]) for a generic folder.")
    String labels;

    /** Adds the given options to {@code shortcuts} as config overrides. */
    void addTo(List<String> shortcuts) {
        SparkJobCommand.addIfSet(shortcuts, "ingest.input", input);
        SparkJobCommand.addIfSet(shortcuts, "ingest.format", format);
        SparkJobCommand.addIfSet(shortcuts, "ingest.labels", labels);
    }
}
