package org.deepfer.trials;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

/**
 * Runs trials as Spark tasks and hands each result over as soon as its trial ends, so a job can
 * record it (and a killed search loses at most the trials in flight).
 *
 * <p>Each trial is a one-row Dataset of its spec, mapped by {@link TrialRunner}: one Spark job with
 * one task. Jobs are submitted from a pool of driver threads as wide as the trials the cluster can
 * run at once (task slots / threads per trial), so a 2-core local master runs them one by one and a
 * cluster runs many, without any code knowing which it is.
 */
public final class Trials {
    private static final Logger LOG = LogManager.getLogger(Trials.class);

    private Trials() {}

    /** How many trials run at once: the session's task slots divided by the threads each trial uses. */
    public static int concurrency(SparkSession spark, int threadsPerTrial) {
        int slots = spark.sparkContext().defaultParallelism();
        return Math.max(1, slots / Math.max(1, threadsPerTrial));
    }

    /**
     * Runs {@code specs}, at most {@code concurrency} at a time; {@code finished} is called (one call
     * at a time) as each trial ends. Returns the results in the order of {@code specs}.
     */
    public static List<TrialResult> run(SparkSession spark, TrialRunner runner, List<TrialSpec> specs, int concurrency,
            Consumer<TrialResult> finished) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(concurrency, specs.size())), r -> {
            Thread t = new Thread(r, "deepfer-trial");
            t.setDaemon(true);
            return t;
        });
        Object lock = new Object();
        try {
            List<Future<TrialResult>> futures = new ArrayList<>();
            for (TrialSpec spec : specs) {
                futures.add(pool.submit(() -> {
                    spark.sparkContext().setJobDescription("trial " + spec.id());
                    TrialResult result = spark.createDataset(List.of(spec), Encoders.javaSerialization(TrialSpec.class))
                            .mapPartitions(runner, Encoders.javaSerialization(TrialResult.class))
                            .collectAsList().get(0);
                    synchronized (lock) {
                        LOG.info("[trials] {} {}: {}", spec.id(), result.status(), result.ok()
                                ? String.format("val acc %.4f, macro-F1 %.4f after %d epochs", result.valAccuracy(),
                                        result.valMacroF1(), result.epochsDone())
                                : result.error().lines().findFirst().orElse(""));
                        finished.accept(result);
                    }
                    return result;
                }));
            }
            List<TrialResult> results = new ArrayList<>();
            for (Future<TrialResult> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trials were running", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
