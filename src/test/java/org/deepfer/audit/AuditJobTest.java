package org.deepfer.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.ImageCodec;
import org.deepfer.sample.SampleManifest;
import org.deepfer.tables.Warehouse;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The audit on the built-in sample must find exactly what the generator planted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditJobTest {
    @TempDir
    static Path root;

    private DeepFerConfig config;
    private SampleManifest manifest;
    private AuditJob.Result result;
    private Warehouse warehouse;

    @BeforeAll
    void ingestAndAuditTheSample() {
        config = TestSpark.config(root);
        manifest = Samples.ingest(config);
        warehouse = TestSpark.warehouse(config, "audit");
        result = new AuditJob(warehouse).run();
    }

    private AuditJob.FindingSummary finding(String name) {
        AuditJob.FindingSummary f = result.findings().get(name);
        return f == null ? new AuditJob.FindingSummary(0, 0, List.of()) : f;
    }

    /** The files (relative to the sample's dataset folder) flagged with {@code name}. */
    private Set<String> flagged(String name) {
        String prefix = Samples.folders(config).toAbsolutePath() + "/";
        return TestSpark.session().read().format("delta").load(warehouse.path(Warehouse.AUDIT_FINDINGS))
                .filter("finding = '" + name + "'").select("source").collectAsList().stream()
                .map(r -> r.getString(0).substring(r.getString(0).indexOf(prefix) + prefix.length()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> flatten(List<List<String>> groups) {
        return groups.stream().flatMap(List::stream).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void findsEachPlantedExactDuplicateGroup() {
        assertEquals(manifest.exactDuplicateGroups().size(), finding(AuditJob.EXACT_DUPLICATE).groups());
        assertEquals(flatten(manifest.exactDuplicateGroups()), flagged(AuditJob.EXACT_DUPLICATE));
    }

    @Test
    void findsEachPlantedNearDuplicatePairAndNothingElse() {
        assertEquals(manifest.nearDuplicatePairs().size(), finding(AuditJob.NEAR_DUPLICATE).groups());
        assertEquals(flatten(manifest.nearDuplicatePairs()), flagged(AuditJob.NEAR_DUPLICATE));
    }

    @Test
    void findsLeakageAcrossSplits() {
        assertEquals(manifest.leakageGroups().size(), finding(AuditJob.LEAKAGE).groups());
        assertEquals(flatten(manifest.leakageGroups()), flagged(AuditJob.LEAKAGE));
    }

    @Test
    void findsLabelConflicts() {
        assertEquals(manifest.labelConflictGroups().size(), finding(AuditJob.LABEL_CONFLICT).groups());
        assertEquals(flatten(manifest.labelConflictGroups()), flagged(AuditJob.LABEL_CONFLICT));
    }

    @Test
    void findsBlankAndWronglySizedImages() {
        assertEquals(new TreeSet<>(manifest.blank()), flagged(AuditJob.BLANK));
        assertEquals(new TreeSet<>(manifest.wrongSize()), flagged(AuditJob.WRONG_SIZE));
    }

    @Test
    void reportsQuarantinedFilesByReason() {
        for (Map.Entry<String, List<String>> e : manifest.quarantine().entrySet()) {
            assertEquals(new TreeSet<>(e.getValue()), flagged(e.getKey()), e.getKey());
        }
    }

    @Test
    void classBalanceMatchesTrainCounts() {
        long[] expected = new long[7];
        List<String> labels = org.deepfer.tables.Labels.NAMES;
        manifest.cleanImagesPerSplitAndLabel().get("train").forEach((label, n) -> expected[labels.indexOf(label)] = n);
        ClassBalance balance = result.classBalance();
        assertArrayEquals(expected, balance.counts());
        long max = java.util.Arrays.stream(expected).max().orElseThrow();
        long min = java.util.Arrays.stream(expected).min().orElseThrow();
        assertEquals((double) max / min, balance.imbalanceRatio(), 1e-9);
    }

    @Test
    void writesReportsPlotsAndClassWeights() throws Exception {
        Path results = Path.of(config.paths().results());
        JsonNode audit = new ObjectMapper().readTree(results.resolve("data_audit.json").toFile());
        assertEquals(manifest.cleanImageCount(), audit.get("images").asLong());
        assertEquals(manifest.exactDuplicateGroups().size(),
                audit.get("findings").get(AuditJob.EXACT_DUPLICATE).get("groups").asLong());
        List<String> csv = Files.readAllLines(results.resolve("data_audit.csv"));
        assertEquals("finding,images,groups,example_sources", csv.get(0));
        assertEquals(result.findings().size() + 1, csv.size());
        JsonNode weights = new ObjectMapper().readTree(results.resolve("class_weights.json").toFile());
        assertEquals(7, weights.get("effectiveNumber").size());
        for (String png : List.of("class_distribution.png", "audit_duplicates.png")) {
            var image = ImageCodec.decode(Files.readAllBytes(results.resolve(png)));
            assertTrue(image.width() > 100 && image.height() > 100, png);
        }
    }

    @Test
    void everyFindingRowCarriesTheFacesVersionItAudited() {
        List<Row> versions = TestSpark.session().read().format("delta").load(warehouse.path(Warehouse.AUDIT_FINDINGS))
                .select("faces_version", "audit_run").distinct().collectAsList();
        assertEquals(1, versions.size());
        assertEquals(result.facesVersion(), versions.get(0).getLong(0));
        assertEquals(warehouse.run().runId(), versions.get(0).getString(1));
    }
}
