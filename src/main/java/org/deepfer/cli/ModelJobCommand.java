package org.deepfer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.deepfer.config.ConfigException;
import org.deepfer.ingest.IngestJob;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.ship.DefaultModel;
import org.deepfer.tables.Splits;
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

    // The checks every model job makes of its options before a Spark session starts, so a typo
    // costs nothing and reads the same in every command.

    /**
     * {@code dir} as a model directory that can be loaded; {@code option} names it in the error.
     * Without one, the model shipped in the repository ({@link DefaultModel}).
     */
    static Path modelDir(Path dir, String option, String job) {
        return modelDir(dir, option, job, DefaultModel.candidates());
    }

    /** As {@link #modelDir(Path, String, String)}, looking for a default model in {@code defaults}. */
    static Path modelDir(Path dir, String option, String job, List<Path> defaults) {
        if (dir == null) {
            dir = DefaultModel.find(defaults).orElseThrow(() -> new ConfigException(job + " needs " + option
                    + " <model directory>, e.g. " + option + " models/<id> (no shipped default model in "
                    + defaults.stream().map(Path::toString).collect(Collectors.joining(" or ")) + ")"));
            System.out.println(job + ": no " + option + " given; using the shipped default model " + dir);
        }
        try {
            ModelBundle.load(dir);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(option + " " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** The split named by {@code --split} in its canonical form, or null when none was given. */
    static String split(String name) {
        if (name == null) {
            return null;
        }
        return Splits.normalize(name).orElseThrow(() -> new ConfigException("--split " + name
                + ": expected one of " + Splits.ALL));
    }

    static FacePredictor.Tta tta(String mode) {
        try {
            return FacePredictor.Tta.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--tta " + mode + ": expected " + FacePredictor.Tta.ACCEPTED);
        }
    }

    static int batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new ConfigException("--batch-size " + batchSize + ": expected 1 or more");
        }
        return batchSize;
    }

    static Long tableVersion(Long version) {
        if (version != null && version < 0) {
            throw new ConfigException("--table-version/--as-of-version " + version
                    + ": expected a table version, 0 or more");
        }
        return version;
    }
}
