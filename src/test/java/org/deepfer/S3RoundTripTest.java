package org.deepfer;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.audit.AuditJob;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.ingest.IngestJob;
import org.deepfer.sample.SampleManifest;
import org.deepfer.tables.Warehouse;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest and audit with both the input and the warehouse on {@code s3a://}, served by an
 * in-process s3proxy over an in-memory blob store.
 */
class S3RoundTripTest {
    private static final String BUCKET = "deepfer-roundtrip";
    private static final String IDENTITY = "deepfer-test-access";
    private static final String CREDENTIAL = "deepfer-test-secret";
    private static final String INPUT_PREFIX = "raw/fer2013";
    private static final String INPUT = "s3a://" + BUCKET + "/" + INPUT_PREFIX;
    private static final String WAREHOUSE = "s3a://" + BUCKET + "/warehouse";

    /**
     * Keeps a dead or slow server from stalling the suite in SDK retries, and spares s3a its
     * directory-marker clean-up on every write.
     */
    private static final Map<String, String> FAST_S3A = Map.of(
            "fs.s3a.directory.marker.retention", "keep",
            "fs.s3a.attempts.maximum", "1",
            "fs.s3a.retry.limit", "1",
            "fs.s3a.retry.interval", "100ms",
            "fs.s3a.connection.establish.timeout", "2000",
            "fs.s3a.connection.timeout", "10000");
    /**
     * Every Hadoop key this class changes on the suite's one session (SparkSessions.configure sets
     * the s3a ones from the s3 config section); all are put back afterwards.
     */
    private static final List<String> TOUCHED_KEYS = Stream.concat(Stream.of(
                    "fs.s3a.endpoint", "fs.s3a.endpoint.region", "fs.s3a.access.key", "fs.s3a.secret.key",
                    "fs.s3a.aws.credentials.provider", "fs.s3a.path.style.access", "fs.s3a.connection.ssl.enabled"),
            FAST_S3A.keySet().stream()).toList();

    @TempDir
    static Path root;

    private static BlobStoreContext blobs;
    private static S3Proxy server;
    private static final Map<String, String> savedHadoop = new LinkedHashMap<>();

    private static DeepFerConfig config;
    private static SampleManifest manifest;
    private static IngestJob.Result firstIngest;
    private static AuditJob.Result audit;

    @BeforeAll
    static void ingestAndAuditSampleOnS3() throws Exception {
        Configuration hadoop = TestSpark.session().sparkContext().hadoopConfiguration();
        for (String key : TOUCHED_KEYS) {
            savedHadoop.put(key, hadoop.getRaw(key));
        }
        FAST_S3A.forEach(hadoop::set);

        int port = startServer();
        config = TestSpark.config(root,
                "ingest.input=" + INPUT,
                "paths.warehouse=" + WAREHOUSE,
                "s3.endpoint=http://127.0.0.1:" + port,
                "s3.region=us-east-1",
                "s3.accessKey=" + IDENTITY,
                "s3.secretKey=" + CREDENTIAL,
                "s3.pathStyleAccess=true",
                "s3.sslEnabled=false");
        manifest = Samples.generate(config);
        upload(Samples.folders(config), INPUT_PREFIX);

        firstIngest = new IngestJob(TestSpark.warehouse(config, "ingest")).run();
        audit = new AuditJob(TestSpark.warehouse(config, "audit")).run();
    }

    @AfterAll
    static void stopServerAndRestoreHadoop() throws Exception {
        Configuration hadoop = TestSpark.session().sparkContext().hadoopConfiguration();
        try {
            // Drops the cached S3AFileSystem that points at this server.
            FileSystem.get(URI.create("s3a://" + BUCKET + "/"), hadoop).close();
        } finally {
            savedHadoop.forEach((key, value) -> {
                if (value == null) {
                    hadoop.unset(key);
                } else {
                    hadoop.set(key, value);
                }
            });
            if (server != null) {
                server.stop();
            }
            if (blobs != null) {
                blobs.close();
            }
        }
    }

    @Test
    void ingestFromS3aWritesEveryCleanImageToFacesOnS3a() {
        Dataset<Row> faces = readTable(Warehouse.FACES);

        assertEquals(manifest.cleanImageCount(), faces.count());
        assertEquals(manifest.cleanImageCount(), firstIngest.faces());
        Map<String, Long> perSplit = new TreeMap<>();
        manifest.cleanImagesPerSplitAndLabel().keySet()
                .forEach(split -> perSplit.put(split, (long) manifest.cleanImageCount(split)));
        assertEquals(perSplit, countBy(faces, "split"));
    }

    @Test
    void ingestFromS3aQuarantinesThePlantedFilesWithTheirReasons() {
        Map<String, Long> expectedReasons = new TreeMap<>();
        Map<String, TreeSet<String>> expectedSources = new TreeMap<>();
        manifest.quarantine().forEach((reason, paths) -> {
            expectedReasons.put(reason, (long) paths.size());
            expectedSources.put(reason, paths.stream().map(p -> INPUT + "/" + p)
                    .collect(Collectors.toCollection(TreeSet::new)));
        });
        Dataset<Row> quarantine = readTable(Warehouse.QUARANTINE);

        assertEquals(manifest.quarantineCount(), quarantine.count());
        assertEquals(manifest.quarantineCount(), firstIngest.quarantined());
        assertEquals(expectedReasons, new TreeMap<>(firstIngest.reasons()));
        assertEquals(expectedReasons, countBy(quarantine, "reason"));
        Map<String, TreeSet<String>> sources = new TreeMap<>();
        for (Row r : quarantine.select("reason", "source").collectAsList()) {
            sources.computeIfAbsent(r.getString(0), k -> new TreeSet<>()).add(r.getString(1));
        }
        assertEquals(expectedSources, sources);
    }

    @Test
    void auditOnS3aWarehouseFindsThePlantedDuplicatesAndQuarantine() {
        AuditJob.FindingSummary exact = audit.findings().get(AuditJob.EXACT_DUPLICATE);
        AuditJob.FindingSummary near = audit.findings().get(AuditJob.NEAR_DUPLICATE);

        assertEquals(manifest.cleanImageCount(), audit.images());
        assertEquals(manifest.exactDuplicateGroups().size(), exact.groups());
        assertEquals(manifest.exactDuplicateGroups().stream().mapToLong(List::size).sum(), exact.images());
        assertEquals(manifest.nearDuplicatePairs().size(), near.groups());
        assertEquals(2L * manifest.nearDuplicatePairs().size(), near.images());
        Map<String, Long> quarantined = new TreeMap<>();
        Map<String, Long> reported = new TreeMap<>();
        manifest.quarantine().forEach((reason, paths) -> {
            quarantined.put(reason, (long) paths.size());
            reported.put(reason, audit.findings().get(reason).images());
        });
        assertEquals(quarantined, reported);
        assertEquals(exact.images(), readTable(Warehouse.AUDIT_FINDINGS)
                .filter(col("finding").equalTo(AuditJob.EXACT_DUPLICATE)).count());
    }

    @Test
    void secondIngestOnS3aIsIdempotent() {
        IngestJob.Result again = new IngestJob(TestSpark.warehouse(config, "ingest")).run();

        assertEquals(manifest.cleanImageCount(), again.faces());
        assertEquals(manifest.quarantineCount(), again.quarantined());
        Dataset<Row> faces = readTable(Warehouse.FACES);
        assertEquals(manifest.cleanImageCount(), faces.count());
        assertEquals(manifest.cleanImageCount(), faces.select("source").distinct().count());
        assertEquals(manifest.quarantineCount(), readTable(Warehouse.QUARANTINE).count());
    }

    /** Starts s3proxy on a free loopback port with an empty bucket; returns the port. */
    private static int startServer() throws Exception {
        blobs = ContextBuilder.newBuilder("transient").build(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, BUCKET);
        server = S3Proxy.builder()
                .blobStore(blobs.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .build();
        server.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!server.getState().equals("STARTED")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + server.getState());
            }
            Thread.sleep(10);
        }
        return server.getPort();
    }

    /** Copies every file under {@code folder} to {@code prefix/<relative path>} in the bucket. */
    private static void upload(Path folder, String prefix) throws IOException {
        BlobStore store = blobs.getBlobStore();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String key = prefix + "/" + folder.relativize(file).toString().replace('\\', '/');
            byte[] content = Files.readAllBytes(file);
            store.putBlob(BUCKET, store.blobBuilder(key).payload(content).contentLength(content.length).build());
        }
    }

    /** A table as it is now on s3a, read without going through the warehouse's provenance. */
    private static Dataset<Row> readTable(String table) {
        return TestSpark.session().read().format("delta").load(WAREHOUSE + "/" + table);
    }

    private static Map<String, Long> countBy(Dataset<Row> table, String column) {
        Map<String, Long> out = new TreeMap<>();
        for (Row r : table.groupBy(col(column)).count().collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }
}
