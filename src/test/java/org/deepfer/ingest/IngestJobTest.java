package org.deepfer.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.sample.SampleManifest;
import org.deepfer.tables.Warehouse;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestJobTest {
    @TempDir
    Path root;

    private static Dataset<Row> table(Warehouse warehouse, String name) {
        return TestSpark.session().read().format("delta").load(warehouse.path(name));
    }

    /** Quarantine reason per path relative to the dataset folder. */
    private static Map<String, String> reasonsByRelativePath(Warehouse warehouse, Path datasetDir) {
        String prefix = datasetDir.toAbsolutePath().toString() + "/";
        Map<String, String> out = new TreeMap<>();
        for (Row r : table(warehouse, Warehouse.QUARANTINE).select("source", "reason").collectAsList()) {
            String source = r.getString(0);
            out.put(source.substring(source.indexOf(prefix) + prefix.length()), r.getString(1));
        }
        return out;
    }

    @Test
    void folderIngestKeepsEveryCleanImageAndQuarantinesEachPlantedBadFile() {
        DeepFerConfig config = TestSpark.config(root);
        SampleManifest manifest = Samples.generate(config);
        Warehouse warehouse = TestSpark.warehouse(config, "ingest");

        IngestJob.Result result = new IngestJob(warehouse).run();

        assertEquals(manifest.cleanImageCount(), result.faces());
        assertEquals(manifest.cleanImageCount(), table(warehouse, Warehouse.FACES).count());
        Map<String, String> expected = new TreeMap<>();
        manifest.quarantine().forEach((reason, paths) -> paths.forEach(p -> expected.put(p, reason)));
        assertEquals(expected, reasonsByRelativePath(warehouse, Samples.folders(config)));
        for (String split : List.of("train", "validation", "test")) {
            assertEquals(manifest.cleanImageCount(split),
                    table(warehouse, Warehouse.FACES).filter("split = '" + split + "'").count(), split);
        }
        Row wrong = table(warehouse, Warehouse.FACES)
                .filter("source like '%" + manifest.wrongSize().get(0) + "'").head();
        assertEquals(64, (int) wrong.getAs("orig_width"));
        assertEquals(48, (int) wrong.getAs("width"));
        assertEquals(48 * 48, ((byte[]) wrong.getAs("pixels")).length);
        assertTrue(Files.exists(Path.of(config.paths().results(), "classes.json")));
        assertEquals(manifest.cleanImageCount(),
                table(warehouse, Warehouse.FACE_COUNTS).agg(org.apache.spark.sql.functions.sum("images")).head().getLong(0));
    }

    @Test
    void reIngestingThreeTimesGivesTheSameTables() {
        DeepFerConfig config = TestSpark.config(root);
        Samples.generate(config);
        Warehouse warehouse = TestSpark.warehouse(config, "ingest");

        new IngestJob(warehouse).run();
        List<Row> faces1 = snapshot(warehouse, Warehouse.FACES);
        List<Row> quarantine1 = snapshot(warehouse, Warehouse.QUARANTINE);
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();

        assertEquals(faces1, snapshot(warehouse, Warehouse.FACES));
        assertEquals(quarantine1, snapshot(warehouse, Warehouse.QUARANTINE));
    }

    private static List<Row> snapshot(Warehouse warehouse, String table) {
        String[] columns = table.equals(Warehouse.FACES)
                ? new String[] {"source", "id", "split", "label", "ingest_run", "ingested_at"}
                : new String[] {"source", "reason", "detail", "ingest_run"};
        return table(warehouse, table).selectExpr(columns).orderBy("source").collectAsList();
    }

    @Test
    void fixedFileLeavesQuarantineAndEntersFaces() throws Exception {
        DeepFerConfig config = TestSpark.config(root);
        SampleManifest manifest = Samples.generate(config);
        Warehouse warehouse = TestSpark.warehouse(config, "ingest");
        new IngestJob(warehouse).run();

        String zeroByte = manifest.quarantine().get("zero_byte").get(0);
        String good = manifest.exactDuplicateGroups().get(0).get(0);
        Path folder = Samples.folders(config);
        Files.copy(folder.resolve(good), folder.resolve(zeroByte), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();

        assertEquals(manifest.cleanImageCount() + 1, table(warehouse, Warehouse.FACES).count());
        assertEquals(manifest.quarantineCount() - 1, table(warehouse, Warehouse.QUARANTINE).count());
    }

    @Test
    void csvIngestQuarantinesEachBadRowWithItsLineAndReason() {
        DeepFerConfig config = TestSpark.config(root);
        SampleManifest manifest = Samples.generate(config);
        DeepFerConfig csvConfig = TestSpark.config(root, "ingest.input=" + Samples.csv(config));
        Warehouse warehouse = TestSpark.warehouse(csvConfig, "ingest");

        IngestJob.Result result = new IngestJob(warehouse).run();

        assertEquals("fer2013-csv", result.format());
        assertEquals(manifest.csvCleanRows(), result.faces());
        Map<String, String> generatorToIngest = Map.of(
                SampleManifest.CSV_WRONG_PIXEL_COUNT, RecordDecoder.BAD_PIXELS,
                SampleManifest.CSV_NON_NUMERIC_PIXEL, RecordDecoder.BAD_PIXELS,
                SampleManifest.CSV_PIXEL_OUT_OF_RANGE, RecordDecoder.BAD_PIXELS,
                SampleManifest.CSV_EMOTION_OUT_OF_RANGE, RecordDecoder.UNKNOWN_LABEL,
                SampleManifest.CSV_UNKNOWN_USAGE, RecordDecoder.UNKNOWN_SPLIT);
        Map<Long, String> expected = new TreeMap<>();
        manifest.csvBadRows().forEach(b -> expected.put((long) b.line(), generatorToIngest.get(b.reason())));
        Map<Long, String> actual = new TreeMap<>();
        for (Row r : table(warehouse, Warehouse.QUARANTINE).select("line", "reason", "detail").collectAsList()) {
            actual.put(r.getLong(0), r.getString(1));
            assertTrue(r.getString(2).startsWith("line " + r.getLong(0) + ":"), r.getString(2));
        }
        assertEquals(expected, actual);
        assertEquals(manifest.cleanImageCount("train") - manifest.wrongSize().size(),
                table(warehouse, Warehouse.FACES).filter("split = 'train'").count());
    }

    @Test
    void csvAndFolderCopiesOfAnImageShareTheirContentId() {
        DeepFerConfig config = TestSpark.config(root);
        Samples.generate(config);
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();
        Warehouse warehouse = TestSpark.warehouse(
                TestSpark.config(root, "ingest.input=" + Samples.csv(config), "ingest.dataset=csv"), "ingest");
        new IngestJob(warehouse).run();

        Dataset<Row> faces = table(warehouse, Warehouse.FACES);
        long folderIds = faces.filter("dataset = 'fer2013'").select("id").distinct().count();
        long csvIds = faces.filter("dataset = 'csv'").select("id").distinct().count();
        long shared = faces.filter("dataset = 'fer2013'").select("id").intersect(
                faces.filter("dataset = 'csv'").select("id")).count();
        assertEquals(csvIds, shared, "every CSV image is also in the folders, under the same id");
        assertEquals(folderIds - 1, csvIds, "only the wrongly sized image is missing from the CSV");
    }

    @Test
    void genericFolderWithLabelsCsvReportsUnlabeledAndMissingFiles() throws Exception {
        DeepFerConfig config = TestSpark.config(root);
        SampleManifest manifest = Samples.generate(config);
        Path folder = Samples.folders(config).resolve("validation");
        List<String> listed = new java.util.ArrayList<>();
        try (var files = Files.walk(folder)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> listed.add(folder.relativize(f).toString()));
        }
        StringBuilder csv = new StringBuilder("path,label,split\n");
        String unlabeled = listed.remove(0);
        for (String rel : listed) {
            csv.append(rel).append(',').append(rel.split("/")[0]).append(",validation\n");
        }
        csv.append("happy/not_there.png,happy,validation\n");
        Path labels = root.resolve("labels.csv");
        Files.writeString(labels, csv);
        Warehouse warehouse = TestSpark.warehouse(TestSpark.config(root,
                "ingest.input=" + folder, "ingest.labels=" + labels), "ingest");

        IngestJob.Result result = new IngestJob(warehouse).run();

        assertEquals("generic", result.format());
        Map<String, Long> reasons = new HashMap<>(result.reasons());
        assertEquals(1L, reasons.remove(RecordDecoder.UNLABELED));
        assertEquals(1L, reasons.remove(RecordDecoder.MISSING_FILE));
        long plantedInValidation = manifest.quarantine().values().stream().flatMap(List::stream)
                .filter(p -> p.startsWith("validation/") && !p.equals("validation/" + unlabeled)).count();
        assertEquals(plantedInValidation, reasons.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(new TreeSet<>(List.of("validation")), new TreeSet<>(
                table(warehouse, Warehouse.FACES).select("split").distinct().as(org.apache.spark.sql.Encoders.STRING())
                        .collectAsList()));
    }

    @Test
    void missingInputFailsFastNamingThePath() {
        Path missing = root.resolve("no-such-dataset");
        Warehouse warehouse = TestSpark.warehouse(TestSpark.config(root, "ingest.input=" + missing), "ingest");
        IngestException e = assertThrows(IngestException.class, () -> new IngestJob(warehouse).run());
        assertTrue(e.getMessage().contains("no-such-dataset"), e.getMessage());
    }

    @Test
    void csvWithWrongColumnsFailsFastNamingTheFileAndColumns() throws Exception {
        Path csv = root.resolve("wrong.csv");
        Files.writeString(csv, "label,image\n3,1 2 3 4\n");
        Warehouse warehouse = TestSpark.warehouse(TestSpark.config(root, "ingest.input=" + csv), "ingest");
        IngestException e = assertThrows(IngestException.class, () -> new IngestJob(warehouse).run());
        assertTrue(e.getMessage().contains("wrong.csv"), e.getMessage());
        assertTrue(e.getMessage().contains("emotion,pixels,Usage"), e.getMessage());
        assertTrue(e.getMessage().contains("label,image"), e.getMessage());
    }
}
