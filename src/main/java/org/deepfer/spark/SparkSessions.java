package org.deepfer.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.deepfer.config.DeepFerConfig;

/** Creates the SparkSession every job runs in: Delta enabled, sized for small images, s3a configured. */
public final class SparkSessions {
    private SparkSessions() {}

    /**
     * The session for {@code job}. Under spark-submit the master and resources come from its
     * options; run any other way (tests, IDE) it falls back to {@code local[*]}.
     */
    public static SparkSession create(DeepFerConfig config, String job) {
        SparkConf defaults = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName("deepfer-" + job);
        if (!defaults.contains("spark.master")) {
            builder.master("local[*]");
        }
        builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.ui.enabled", defaults.get("spark.ui.enabled", "false"))
                .config("spark.sql.session.timeZone", "UTC");
        SparkSession spark = builder.getOrCreate();
        configure(spark, config);
        return spark;
    }

    /** Applies our per-session settings; also used on a session someone else created (tests). */
    public static void configure(SparkSession spark, DeepFerConfig config) {
        String partitions = Integer.toString(config.spark().shufflePartitions());
        spark.conf().set("spark.sql.shuffle.partitions", partitions);
        spark.conf().set("spark.databricks.delta.snapshotPartitions", partitions);
        // Delta's VACUUM lists the table folder in this many Spark tasks (10,000 by default: a
        // minute of task overhead for a table of a few files).
        spark.conf().set("spark.sql.sources.parallelPartitionDiscovery.parallelism", partitions);
        // Face images are a few KB: Spark's 4 MB open cost would give one task per ~30 files.
        spark.conf().set("spark.sql.files.openCostInBytes", Long.toString(64 * 1024));
        spark.conf().set("spark.sql.files.maxPartitionBytes", Long.toString(16L * 1024 * 1024));
        // Cached decoded images are incompressible; gathering compression stats only costs time.
        spark.conf().set("spark.sql.inMemoryColumnarStorage.compressed", "false");
        spark.conf().set("spark.sql.debug.maxToStringFields", "200");
        org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        DeepFerConfig.S3 s3 = config.s3();
        setIfPresent(hadoop, "fs.s3a.endpoint", s3.endpoint());
        setIfPresent(hadoop, "fs.s3a.endpoint.region", s3.region());
        if (!s3.accessKey().isEmpty()) {
            hadoop.set("fs.s3a.access.key", s3.accessKey());
            hadoop.set("fs.s3a.secret.key", s3.secretKey());
            hadoop.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        }
        hadoop.setBoolean("fs.s3a.path.style.access", s3.pathStyleAccess());
        hadoop.setBoolean("fs.s3a.connection.ssl.enabled", s3.sslEnabled());
    }

    private static void setIfPresent(org.apache.hadoop.conf.Configuration hadoop, String key, String value) {
        if (!value.isEmpty()) {
            hadoop.set(key, value);
        }
    }
}
