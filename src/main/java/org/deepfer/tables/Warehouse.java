package org.deepfer.tables;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.delta.DeltaLog;
import scala.Option;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.deepfer.run.RunContext;

/**
 * The Delta tables under one root (local folder, hdfs: or s3a:), read at a pinned version and
 * recorded in the run's provenance.
 */
public final class Warehouse {
    public static final String FACES = "faces";
    public static final String QUARANTINE = "quarantine";
    public static final String FACE_COUNTS = "face_counts";
    public static final String AUDIT_FINDINGS = "audit_findings";
    public static final String FACES_AUG = "faces_aug";

    private final SparkSession spark;
    private final String root;
    private final RunContext run;
    /** Tables read from somewhere other than under {@link #root}, by name. */
    private final Map<String, String> elsewhere;

    public Warehouse(SparkSession spark, String root, RunContext run) {
        this(spark, toUri(root), run, Map.of());
    }

    private Warehouse(SparkSession spark, String root, RunContext run, Map<String, String> elsewhere) {
        this.spark = spark;
        this.root = root;
        this.run = run;
        this.elsewhere = Map.copyOf(elsewhere);
    }

    /**
     * This warehouse with {@code table} found at {@code location} instead, e.g. the faces of a
     * folder ingested on the fly for one evaluation while results still go to the usual tables.
     */
    public Warehouse withTable(String table, String location) {
        Map<String, String> moved = new HashMap<>(elsewhere);
        moved.put(table, toUri(location));
        return new Warehouse(spark, root, run, moved);
    }

    /** A local path made absolute (so Spark and the driver agree); URIs with a scheme unchanged. */
    public static String toUri(String location) {
        if (URI.create(location.replace(" ", "%20")).getScheme() != null && !location.matches("^[A-Za-z]:\\\\.*")) {
            return location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        }
        return Path.of(location).toAbsolutePath().normalize().toUri().toString().replaceAll("/$", "");
    }

    public String root() {
        return root;
    }

    public String path(String table) {
        String moved = elsewhere.get(table);
        return moved != null ? moved : root + "/" + table;
    }

    public boolean exists(String table) {
        return log(table).tableExists();
    }

    /** The table at its current version; the version goes into provenance. */
    public Dataset<Row> read(String table) {
        return readAt(table, versionOrLatest(table, null));
    }

    /** The table at {@code version}, which {@link #versionOrLatest} checked; it goes into provenance. */
    public Dataset<Row> readAt(String table, long version) {
        run.readTable(table, version);
        return deltaAt(table, version);
    }

    private Dataset<Row> deltaAt(String table, long version) {
        return spark.read().format("delta").option("versionAsOf", version).load(path(table));
    }

    /**
     * {@code version} of {@code table} ({@code null}: its latest), after checking that the table
     * and that version exist, so a wrong {@code --table-version} is named rather than failing deep
     * in Delta.
     */
    public long versionOrLatest(String table, Long version) {
        if (!exists(table)) {
            throw new IllegalStateException("Delta table '" + table + "' not found at " + path(table)
                    + " (run the stage that writes it first, e.g. ingest)");
        }
        long latest = version(table);
        if (version == null) {
            return latest;
        }
        if (version < 0 || version > latest) {
            throw new IllegalArgumentException(table + " has no version " + version + "; the latest is " + latest
                    + " (" + path(table) + ")");
        }
        return version;
    }

    /**
     * Whether version {@code facesVersion} of the faces table holds a labeled face in {@code split}
     * (a probe, not recorded as a read: the job's own read of the faces is).
     */
    public boolean hasLabeled(String split, long facesVersion) {
        return deltaAt(FACES, facesVersion)
                .filter(col("split").equalTo(split).and(col("label").isNotNull())).limit(1).count() > 0;
    }

    /**
     * The split a model is judged on when none is named: test where version {@code facesVersion} of
     * the faces table holds labeled test faces (held out from every choice), else validation.
     */
    public String judgedSplit(long facesVersion) {
        return hasLabeled(Splits.TEST, facesVersion) ? Splits.TEST : Splits.VALIDATION;
    }

    /** The latest version of {@code table}, from the transaction log alone (no Spark job). */
    public long version(String table) {
        return log(table).update(false, Option.empty(), Option.empty()).version();
    }

    private DeltaLog log(String table) {
        return DeltaLog.forTable(spark, path(table));
    }

    /** Records in provenance that this run wrote {@code table}, at its now-latest version. */
    public long recordWrite(String table) {
        long version = version(table);
        run.wroteTable(table, version);
        return version;
    }

    /**
     * Appends {@code rows} (of {@code schema}) to {@code table}, creating it on first use, and
     * records the write; for the small per-run tables (one row per epoch, trial or evaluation).
     *
     * @return the table's version after the append
     */
    public long append(String table, List<Row> rows, StructType schema) {
        spark.createDataFrame(rows, schema).write().format("delta").mode("append").save(path(table));
        return recordWrite(table);
    }

    /** Overwrites {@code table} with {@code data} (for derived tables that are recomputed whole). */
    public long overwrite(String table, Dataset<Row> data, String... partitionBy) {
        data.write()
                .format("delta")
                .mode("overwrite")
                .option("overwriteSchema", "true")
                .partitionBy(partitionBy)
                .save(path(table));
        return recordWrite(table);
    }

    /** True when {@code location} (any Hadoop URI or local path) exists. */
    public boolean pathExists(String location) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(toUri(location));
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + location + ": " + e.getMessage(), e);
        }
    }

    public SparkSession spark() {
        return spark;
    }

    public RunContext run() {
        return run;
    }
}
