package org.deepfer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.RunContext;
import org.deepfer.spark.ProgressListener;
import org.deepfer.spark.SparkSessions;
import org.deepfer.tables.Warehouse;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that runs as a Spark job: resolves the config, opens the run directory and the
 * session, runs, and records provenance whether it succeeded or not.
 */
abstract class SparkJobCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(SparkJobCommand.class);

    @Mixin
    ConfigOptions configOptions;

    /** The job's name, used for the run directory and the Spark application. */
    abstract String jobName();

    /** Config overrides that the command's own options stand for (e.g. --input → ingest.input). */
    List<String> shortcuts() {
        return new ArrayList<>();
    }

    /** Work before the job proper (e.g. ingesting its input on the fly); returns the warehouse it runs on. */
    Warehouse prepare(Warehouse warehouse) {
        return warehouse;
    }

    /** The work itself; prints its summary. */
    abstract void execute(Warehouse warehouse);

    @Override
    public Integer call() {
        DeepFerConfig config = configOptions.load(shortcuts());
        RunContext run = RunContext.start(jobName(), config);
        LOG.info("[{}] run {} (provenance in {})", jobName(), run.runId(), run.dir());
        SparkSession spark = SparkSessions.create(config, jobName());
        ProgressListener progress = new ProgressListener(jobName());
        spark.sparkContext().addSparkListener(progress);
        try {
            execute(prepare(new Warehouse(spark, config.paths().warehouse(), run)));
            run.finish(null);
            return 0;
        } catch (RuntimeException e) {
            run.finish(e);
            throw e;
        } finally {
            // One JVM may run several commands (tests, the pipeline's export): each reports its own.
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    static void addIfSet(List<String> shortcuts, String key, Object value) {
        if (value != null) {
            shortcuts.add(key + "=" + value);
        }
    }
}
