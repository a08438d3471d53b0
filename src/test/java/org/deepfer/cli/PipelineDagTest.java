package org.deepfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.deepfer.testing.Cli;
import org.deepfer.testing.Cli.Outcome;
import org.deepfer.pipeline.PipelineLock;
import org.deepfer.pipeline.StageLedger;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as a scheduler runs it: the whole DAG on the built-in sample, nothing re-run when
 * nothing changed, only the dependants of a change re-run, a failed stage retried next time with
 * the tables before it intact, and one pipeline per warehouse at a time.
 */
class PipelineDagTest {
    @TempDir
    Path root;

    /** A tiny, fast model: what the test needs is the DAG, not accuracy. */
    private static final List<String> SMALL_TRAINING = List.of("train.epochs=2", "train.width=0.25",
            "train.batchSize=32", "train.threads=2", "train.earlyStoppingPatience=0");

    private Outcome pipeline(List<String> sets, String... args) {
        List<String> all = new ArrayList<>(List.of("pipeline"));
        all.addAll(List.of(args));
        List<String> settings = new ArrayList<>(List.of("paths.sample=" + root.resolve("sample"),
                "paths.warehouse=" + root.resolve("warehouse"), "paths.results=" + root.resolve("results"),
                "spark.shufflePartitions=2", "train.modelsDir=" + root.resolve("models")));
        settings.addAll(SMALL_TRAINING);
        settings.addAll(sets);
        for (String s : settings) {
            all.add("--set");
            all.add(s);
        }
        TestSpark.session();
        return Cli.run(all.toArray(String[]::new));
    }

    /** The stages a run printed as running, and those it printed as skipped. */
    private static List<String> stages(Outcome o, String what) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("\\[(\\w+)\\] " + what).matcher(o.out());
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private Map<String, Long> ledgerCounts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Row r : TestSpark.session().read().format("delta").load(root.resolve("warehouse")
                .resolve(StageLedger.TABLE).toString()).groupBy("status").count().collectAsList()) {
            counts.put(r.getString(0), r.getLong(1));
        }
        return counts;
    }

    private long facesVersion() {
        return io.delta.tables.DeltaTable.forPath(TestSpark.session(), root.resolve("warehouse").resolve("faces")
                .toString()).history(1).select("version").first().getLong(0);
    }

    @Test
    void theWholeDagRunsOnceThenOnlyWhatAChangeAffects() throws Exception {
        Outcome first = pipeline(List.of());
        assertEquals(0, first.code(), first.out() + first.err());
        assertEquals(List.of("sample", "ingest", "audit", "augment", "train", "evaluate", "robustness", "explain",
                "export", "report"), stages(first, "running"));
        Path results = root.resolve("results");
        for (String file : List.of("data_audit.json", "normalization.json", "final_eval.json", "robustness.json",
                "report.html")) {
            assertTrue(Files.isRegularFile(results.resolve(file)), file);
        }
        try (var models = Files.list(root.resolve("models"))) {
            Path model = models.findFirst().orElseThrow();
            assertTrue(Files.isRegularFile(model.resolve("model.onnx")), "export wrote the trained model's ONNX file");
            assertTrue(Files.isRegularFile(model.resolve("calibration.json")), "evaluate calibrated it first");
        }
        assertEquals(Map.of("ok", 10L), ledgerCounts());
        long faces = facesVersion();

        Outcome second = pipeline(List.of());
        assertEquals(0, second.code(), second.out() + second.err());
        assertEquals(List.of(), stages(second, "running"), second.out());
        assertEquals(10, stages(second, "unchanged since pipeline run \\S+: skipped").size(), second.out());
        assertEquals(Map.of("ok", 10L), ledgerCounts(), "a run that does nothing records nothing");
        assertEquals(faces, facesVersion(), "nothing was written to faces");

        // Batch-inference settings feed evaluate, robustness and explain; the export depends on
        // evaluate (its calibration), the report on all of them. Training and the data stay.
        Outcome third = pipeline(List.of("predict.partitions=1"));
        assertEquals(0, third.code(), third.out() + third.err());
        assertEquals(List.of("evaluate", "robustness", "explain", "export", "report"), stages(third, "running"));
        assertEquals(Map.of("ok", 15L), ledgerCounts());
    }

    @Test
    void newInputFilesReRunIngestAndWhatReadsIt() throws Exception {
        Outcome first = pipeline(List.of(), "--stages", "ingest,audit");
        assertEquals(0, first.code(), first.out() + first.err());
        assertEquals(List.of("sample", "ingest", "audit"), stages(first, "running"));
        long faces = facesVersion();

        Outcome unchanged = pipeline(List.of(), "--stages", "ingest,audit");
        assertEquals(List.of(), stages(unchanged, "running"), unchanged.out());

        Path someFace;
        try (var files = Files.walk(root.resolve("sample").resolve("fer2013").resolve("train").resolve("happy"))) {
            someFace = files.filter(p -> p.toString().endsWith(".png") || p.toString().endsWith(".jpg"))
                    .findFirst().orElseThrow();
        }
        String name = someFace.getFileName().toString();
        // A new file whose pixels differ from every face there: a genuinely new face.
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(someFace.toFile());
        img.setRGB(0, 0, 0xFFFFFF);
        img.setRGB(1, 0, 0x000000);
        javax.imageio.ImageIO.write(img, "png", someFace.resolveSibling("new-" + name + ".png").toFile());

        Outcome changed = pipeline(List.of(), "--stages", "ingest,audit");
        assertEquals(0, changed.code(), changed.out() + changed.err());
        assertEquals(List.of("ingest", "audit"), stages(changed, "running"), changed.out());
        assertTrue(facesVersion() > faces);
    }

    @Test
    void aFailedStageLeavesEarlierTablesIntactAndIsRetriedOnTheNextRun() {
        Outcome failed = pipeline(List.of("train.pretrained=" + root.resolve("no-such-weights.params")),
                "--stages", "ingest,audit,augment,train");
        assertTrue(failed.code() != 0, failed.out());
        assertTrue(failed.out().contains("[train] failed"), failed.out());
        assertEquals(Map.of("ok", 4L, "failed", 1L), ledgerCounts());
        long faces = facesVersion();

        Outcome ok = pipeline(List.of(), "--stages", "ingest,audit,augment,train");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertEquals(List.of("train"), stages(ok, "running"), ok.out());
        assertEquals(faces, facesVersion());
        assertEquals(Map.of("ok", 5L, "failed", 1L), ledgerCounts());
    }

    @Test
    void aSecondPipelineRefusesWhileAnotherHoldsTheWarehouse() throws Exception {
        Path warehouse = root.resolve("warehouse");
        Files.createDirectories(warehouse);
        try (PipelineLock held = PipelineLock.acquire(warehouse.toString(), "other-run",
                TestSpark.session().sparkContext().hadoopConfiguration())) {
            Outcome refused = pipeline(List.of(), "--stages", "ingest");
            assertEquals(DeepFer.BUSY, refused.code(), refused.out() + refused.err());
            assertTrue(refused.err().contains("another pipeline is running on this warehouse: pipeline run other-run"),
                    refused.err());
            assertFalse(Files.exists(warehouse.resolve("faces")), "the refused pipeline wrote nothing");
        }
        Outcome after = pipeline(List.of(), "--stages", "ingest");
        assertEquals(0, after.code(), after.out() + after.err());
        assertFalse(Files.exists(warehouse.resolve(PipelineLock.FILE)), "the lock is released");
    }

    @Test
    void aMissingInputIsAUsageErrorNotAFailedStage() {
        Outcome o = pipeline(List.of("ingest.input=" + root.resolve("absent")), "--stages", "ingest");
        assertEquals(DeepFer.USAGE_ERROR, o.code(), "a scheduler must not retry it: " + o.out() + o.err());
        assertTrue(o.err().contains("input path does not exist: " + root.resolve("absent")), o.err());
        assertFalse(Files.exists(root.resolve("warehouse").resolve("faces")));
    }

    @Test
    void aLockLeftByADeadProcessIsTakenOver() throws Exception {
        Path warehouse = root.resolve("warehouse");
        Files.createDirectories(warehouse);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(warehouse.resolve(PipelineLock.FILE), "run=killed-run\nhost="
                + java.net.InetAddress.getLocalHost().getHostName() + "\npid=" + gone.pid() + "\nstarted=then\n");

        Outcome o = pipeline(List.of(), "--stages", "ingest");
        assertEquals(0, o.code(), o.out() + o.err());
    }

    @Test
    void housekeepingCompactsAndVacuumsAndTheLatestDataStaysReadable() {
        Outcome o = pipeline(List.of("pipeline.vacuumRetentionHours=0"), "--stages", "ingest", "--optimize",
                "--vacuum");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("housekeeping (optimize, vacuum keeping 0.0 h)"), o.out());
        Matcher m = Pattern.compile("faces\\s+compacted (\\d+) files into (\\d+), vacuumed (\\d+)").matcher(o.out());
        assertTrue(m.find(), o.out());
        int from = Integer.parseInt(m.group(1));
        int into = Integer.parseInt(m.group(2));
        int vacuumed = Integer.parseInt(m.group(3));
        // Ingest writes faces as several files: they become fewer, and the replaced ones are deleted.
        assertTrue(from > 1 && into < from, o.out());
        assertEquals(from, vacuumed, o.out());
        long rows = TestSpark.session().read().format("delta").load(root.resolve("warehouse").resolve("faces")
                .toString()).count();
        assertTrue(rows > 100, "faces still readable after vacuum: " + rows);
    }
}
