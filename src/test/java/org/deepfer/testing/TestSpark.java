package org.deepfer.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.RunContext;
import org.deepfer.spark.SparkSessions;
import org.deepfer.tables.Warehouse;

/**
 * The one SparkSession of the test suite (Delta enabled, local[2]), and helpers to point a job at
 * a temporary project folder. One session for all classes: a second session without Delta would
 * poison the shared JVM.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    /** The shared session, created on first use and stopped when the test JVM exits. */
    public static synchronized SparkSession session() {
        if (session == null) {
            System.setProperty("spark.master", "local[2]");
            session = SparkSessions.create(ConfigLoader.defaults(), "tests");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        return session;
    }

    /**
     * A config whose sample, warehouse and results live under {@code root}, plus {@code overrides}.
     */
    public static DeepFerConfig config(Path root, String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "paths.sample=" + root.resolve("sample"),
                "paths.warehouse=" + root.resolve("warehouse"),
                "paths.results=" + root.resolve("results"),
                "spark.shufflePartitions=2"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(Optional.empty(), all);
    }

    /** A warehouse for {@code job} under {@code config}, with its run directory opened. */
    public static Warehouse warehouse(DeepFerConfig config, String job) {
        SparkSession spark = session();
        SparkSessions.configure(spark, config);
        return new Warehouse(spark, config.paths().warehouse(), RunContext.start(job, config));
    }
}
