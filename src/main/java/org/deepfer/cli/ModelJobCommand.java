package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.deepfer.ingest.IngestJob;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Mixin;

/**
 * A job that runs trained models over faces (predict, evaluate, robustness, explain, ensemble):
 * by default over the warehouse's {@code faces} table, or with {@code --input} over a dataset that
 * is ingested on the fly into a table of its own under the run directory, so a folder laid out
 * {@code <label>/<file>} or {@code <split>/<label>/<file>} can be evaluated without touching the
 * warehouse's faces. Files that cannot be read are quarantined and reported, not fatal.
 */
abstract class ModelJobCommand extends SparkJobCommand {
    @Mixin
    InputOptions inputOptions;

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        inputOptions.addTo(s);
        if (inputOptions.input != null) {
            // Faces of an unsplit folder are what is being evaluated: the test split.
            s.add(0, "ingest.defaultSplit=test");
        }
        return s;
    }

    @Override
    Warehouse prepare(Warehouse warehouse) {
        if (inputOptions.input == null) {
            return warehouse;
        }
        Path scratch = warehouse.run().dir().resolve("input-warehouse");
        IngestJob.Result ingested = new IngestJob(new Warehouse(warehouse.spark(), scratch.toString(),
                warehouse.run())).run();
        System.out.printf(Locale.ROOT, "input %s (%s): %,d faces ingested into %s%n", ingested.input(),
                ingested.format(), ingested.faces(), scratch);
        if (ingested.faces() == 0) {
            throw new IllegalArgumentException("--input " + inputOptions.input + ": no usable face"
                    + (ingested.quarantined() > 0 ? "; " + ingested.quarantined() + " records quarantined "
                            + ingested.reasons() + " (see " + scratch.resolve(Warehouse.QUARANTINE) + ")" : ""));
        }
        if (ingested.quarantined() > 0) {
            System.out.printf(Locale.ROOT, "  %,d records could not be used and were quarantined: %s (see %s)%n",
                    ingested.quarantined(), ingested.reasons(), scratch.resolve(Warehouse.QUARANTINE));
        }
        return warehouse.withTable(Warehouse.FACES, scratch.resolve(Warehouse.FACES).toString());
    }
}
