package org.deepfer.cluster;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.pipeline.PipelineLock;
import org.deepfer.pipeline.StageLedger;
import org.deepfer.tables.Labels;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as it runs in production, in real processes: on a Spark standalone cluster started
 * by {@code jobs/cluster.sh} it gives the same tables and model as on local[2], even when the local
 * run is killed with -9 during training and run again; a second pipeline on a busy warehouse exits
 * 75; a worker killed in the middle of an ingest leaves the job to the other executor. Runs in
 * {@code mvn verify} after {@code package}, from the build's deepfer.jar and lib/. The pipelines
 * run side by side where they can: the machine has two cores and the suite a few minutes.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterPipelineIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(6);
    private static final String STAGES = "ingest,audit,augment,train";
    /** A tiny model, one PyTorch thread: what matters is that both runs train the same one. */
    private static final List<String> SMALL_TRAINING = List.of("train.epochs=2", "train.width=0.25",
            "train.batchSize=32", "train.threads=1", "train.earlyStoppingPatience=0", "spark.shufflePartitions=2");

    /** Static: a per-class instance's @TempDir field is not injected before @BeforeAll runs. */
    @TempDir
    static Path tmp;

    private Path project;
    private Path build;
    private Path clusterDir;
    private int port;
    private final List<Process> children = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        project = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (project != null && !Files.isRegularFile(project.resolve("spark-submit.sh"))) {
            project = project.getParent();
        }
        Assumptions.assumeTrue(project != null, "spark-submit.sh not found above " + System.getProperty("user.dir"));
        build = Path.of(System.getProperty("deepfer.build", project.resolve("target").toString()));
        Assumptions.assumeTrue(Files.isRegularFile(build.resolve("deepfer.jar"))
                && Files.isDirectory(build.resolve("lib")),
                build + " has no deepfer.jar and lib/: run after 'mvn package' (mvn verify does)");
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")),
                "needs Linux /proc to find the cluster's processes");

        clusterDir = tmp.resolve("cluster");
        port = freePort();
        Path log = tmp.resolve("cluster-start.log");
        Process start = launch(log, List.of("jobs/cluster.sh", "start", "--workers", "2", "--cores", "1", "--memory",
                "1500m", "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort()), "--dir",
                clusterDir.toString()));
        int code = finish(start, log, Duration.ofMinutes(4));
        assertEquals(0, code, "jobs/cluster.sh start failed:\n" + read(log));
        assertTrue(read(log).contains("./spark-submit.sh --master spark://127.0.0.1:" + port), read(log));
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (clusterDir == null) {
            return;
        }
        Path log = tmp.resolve("cluster-stop.log");
        int code = finish(launch(log, List.of("jobs/cluster.sh", "stop", "--dir", clusterDir.toString())), log,
                Duration.ofMinutes(2));
        // The SPARK_HOME's jars/ links to the build's lib/: unlink it before JUnit cleans the temp dir.
        Files.deleteIfExists(clusterDir.resolve("spark-home").resolve("jars"));
        assertEquals(0, code, read(log));
        assertEquals(List.of(), clusterProcesses(), "processes of the cluster left after stop:\n" + read(log));
    }

    @AfterEach
    void endChildren() {
        for (Process p : children) {
            p.destroyForcibly();
        }
        children.clear();
    }

    /**
     * What the DAG scenario left. The same pipeline runs twice at once: on the cluster, and on
     * local[2], where it is killed with -9 as soon as training starts and then run again. While the
     * cluster run holds its warehouse, a second pipeline is started on that warehouse.
     */
    private record Dag(Path onCluster, Path local, long clusterPid, String clusterLog, String resumedLog,
            boolean lockLeftByKill, int busyCode, String busyLog) {}

    private Dag dag;
    private AssertionError dagFailed;

    /** Runs the DAG scenario once, for the first test that needs it; a failure fails each of them. */
    private Dag dag() throws Exception {
        if (dagFailed != null) {
            throw new AssertionError("the DAG scenario failed (see the first test's failure)", dagFailed);
        }
        if (dag == null) {
            try {
                dag = runTheDag();
            } catch (AssertionError e) {
                dagFailed = e;
                throw e;
            }
        }
        return dag;
    }

    private Dag runTheDag() throws Exception {
        Path onCluster = tmp.resolve("on-cluster");
        Path local = tmp.resolve("local");
        Path clusterLog = onCluster.resolve("pipeline.log");
        Path killedLog = local.resolve("killed.log");
        Path resumedLog = local.resolve("resumed.log");
        Path busyLog = onCluster.resolve("busy.log");
        List<String> localRun = List.of("--master", "local[2]", "pipeline", "--stages", STAGES);

        Process cluster = spark(clusterLog, sparkOnCluster("pipeline", "--stages", STAGES), settings(onCluster));
        Process killed = spark(killedLog, localRun, settings(local));

        // The cluster run takes its warehouse's lock before its first stage.
        waitFor(cluster, clusterLog, JOB_TIMEOUT, () -> read(clusterLog).contains("[sample] running"));
        Process busy = spark(busyLog, List.of("--master", "local[1]", "pipeline", "--stages", "ingest"),
                settings(onCluster));

        waitFor(killed, killedLog, JOB_TIMEOUT, () -> read(killedLog).contains("[train] running"));
        assertTrue(killed.isAlive(), "the local pipeline ended before it could be killed:\n" + read(killedLog));
        killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        boolean lockLeft = Files.exists(local.resolve("warehouse").resolve(PipelineLock.FILE));
        Process resumed = spark(resumedLog, localRun, settings(local));

        int busyCode = finish(busy, busyLog, JOB_TIMEOUT);
        assertEquals(0, finish(cluster, clusterLog, JOB_TIMEOUT), read(clusterLog));
        assertEquals(0, finish(resumed, resumedLog, JOB_TIMEOUT), read(resumedLog));
        return new Dag(onCluster, local, cluster.pid(), read(clusterLog), read(resumedLog), lockLeft, busyCode,
                read(busyLog));
    }

    @Test
    @Order(1)
    void theClusterAndLocalModeGiveTheSameTablesAndModel() throws Exception {
        Dag d = dag();
        assertEquals(List.of("sample", "ingest", "audit", "augment", "train"), ran(d.clusterLog()), d.clusterLog());
        assertEquals(sorted(table(d.local(), "faces"), "id", "label", "split"),
                sorted(table(d.onCluster(), "faces"), "id", "label", "split"));
        assertEquals(sorted(table(d.local(), "audit_findings").distinct(), "id", "finding"),
                sorted(table(d.onCluster(), "audit_findings").distinct(), "id", "finding"));
        assertEquals(sorted(table(d.local(), "faces_aug"), "id"), sorted(table(d.onCluster(), "faces_aug"), "id"));
        assertTrue(table(d.local(), "faces").count() > 200);
        assertEquals(bestValAccuracy(d.local()), bestValAccuracy(d.onCluster()), 0.0,
                "training runs on the driver with fixed seeds");
    }

    @Test
    @Order(2)
    void aPipelineKilledDuringTrainingResumesWithoutRedoingItsData() throws Exception {
        Dag d = dag();
        assertTrue(d.lockLeftByKill(), "kill -9 left the lock behind");
        for (String stage : List.of("sample", "ingest", "audit", "augment")) {
            assertTrue(Pattern.compile("\\[" + stage + "\\] unchanged since pipeline run \\S+: skipped")
                    .matcher(d.resumedLog()).find(), stage + " skipped:\n" + d.resumedLog());
        }
        assertEquals(List.of("train"), ran(d.resumedLog()), d.resumedLog());
        assertFalse(Files.exists(d.local().resolve("warehouse").resolve(PipelineLock.FILE)), "the lock is released");
        Map<String, Long> ledger = new TreeMap<>();
        for (Row r : table(d.local(), StageLedger.TABLE).groupBy("stage", "status").count().collectAsList()) {
            ledger.put(r.getString(0) + ":" + r.getString(1), r.getLong(2));
        }
        assertEquals(Map.of("SAMPLE:ok", 1L, "INGEST:ok", 1L, "AUDIT:ok", 1L, "AUGMENT:ok", 1L, "TRAIN:ok", 1L),
                ledger, "one ok row per stage: the killed run recorded nothing for train");
        assertEquals(table(d.onCluster(), "faces").count(), table(d.local(), "faces").count(),
                "as many faces as the cluster's uninterrupted run");
    }

    @Test
    @Order(3)
    void aSecondPipelineOnABusyWarehouseExitsBusyNamingTheHolder() throws Exception {
        Dag d = dag();
        assertEquals(75, d.busyCode(), d.busyLog());
        assertTrue(d.busyLog().contains("another pipeline is running on this warehouse: pipeline run "), d.busyLog());
        assertTrue(d.busyLog().contains("(pid " + d.clusterPid() + " on "), "names the holder, pid " + d.clusterPid()
                + ":\n" + d.busyLog());
        assertFalse(d.busyLog().contains("[ingest] running"), d.busyLog());
    }

    @Test
    @Order(4)
    void aWorkerKilledDuringIngestLeavesTheJobToTheOtherExecutor() throws Exception {
        Path input = tmp.resolve("many-faces");
        int files = writeDistinctFaces(input, 2_000);
        Path dir = tmp.resolve("worker-killed");
        Path log = dir.resolve("log");
        Path workDir = clusterDir.resolve("work-1");
        long earlier = executorDirs(workDir) + executorDirs(clusterDir.resolve("work-2"));
        List<Path> earlierApps = appDirs(workDir);
        Process job = spark(log, sparkOnCluster("ingest", "--input", input.toString()), settings(dir));

        // Kill once both workers made an executor for this app (one dir each), the files are being
        // decoded and worker-1's executor has started a task of this app.
        waitFor(job, log, Duration.ofMinutes(3), () -> executorDirs(workDir) + executorDirs(clusterDir
                .resolve("work-2")) >= earlier + 2 && read(log).contains("decode ...")
                && runsTasks(workDir, earlierApps));
        assertTrue(job.isAlive(), "the ingest ended before a worker could be killed:\n" + read(log));
        long workerPid = Long.parseLong(Files.readString(clusterDir.resolve("worker-1.pid")).trim());
        ProcessHandle worker = ProcessHandle.of(workerPid).orElseThrow(() -> new AssertionError("worker-1 gone"));
        List<ProcessHandle> executors = worker.children().toList();
        assertFalse(executors.isEmpty(), "worker-1 runs no executor; its work dir: " + list(workDir));
        worker.destroyForcibly();
        executors.forEach(ProcessHandle::destroyForcibly);

        assertEquals(0, finish(job, log, JOB_TIMEOUT), read(log));
        String printed = read(log);
        assertTrue(printed.contains("Lost executor"), "the kill landed while the app ran:\n" + printed);
        Dataset<Row> faces = table(dir, "faces");
        assertEquals(files, faces.count());
        assertEquals(files, faces.select("id").distinct().count(), "no face written twice");
        assertEquals(files, faces.select("source").distinct().count());
        assertEquals(0, table(dir, "quarantine").count());
    }

    // --- the processes ----------------------------------------------------------------------------

    private List<String> sparkOnCluster(String... job) {
        List<String> args = new ArrayList<>(List.of("--master", "spark://127.0.0.1:" + port, "--conf",
                "spark.executor.memory=1200m"));
        args.addAll(List.of(job));
        return args;
    }

    /** Paths of a run under {@code dir}, and the small training. */
    private static List<String> settings(Path dir) {
        List<String> sets = new ArrayList<>(List.of("paths.sample=" + dir.resolve("sample"),
                "paths.warehouse=" + dir.resolve("warehouse"), "paths.results=" + dir.resolve("results"),
                "train.modelsDir=" + dir.resolve("models")));
        sets.addAll(SMALL_TRAINING);
        List<String> args = new ArrayList<>();
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args;
    }

    private Process spark(Path log, List<String> sparkAndJob, List<String> settings) throws IOException {
        List<String> command = new ArrayList<>(List.of("./spark-submit.sh", "--driver-memory", "2g"));
        command.addAll(sparkAndJob);
        command.addAll(settings);
        return launch(log, command);
    }

    private Process launch(Path log, List<String> command) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DEEPFER_BUILD", build.toString());
        pb.environment().remove("SPARK_HOME"); // spark-submit.sh would use an installed Spark instead
        Process p = pb.start();
        children.add(p);
        return p;
    }

    private static int finish(Process p, Path log, Duration timeout) throws InterruptedException {
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("still running after " + timeout + ":\n" + read(log));
        }
        return p.exitValue();
    }

    private static void waitFor(Process p, Path log, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!p.isAlive()) {
                fail("exited with " + p.exitValue() + " before the moment the test waits for:\n" + read(log));
            }
            if (System.nanoTime() > end) {
                fail("waited " + timeout + " in vain:\n" + read(log));
            }
            Thread.sleep(200);
        }
    }

    /** Java processes whose command line names the cluster's dir: daemons and executors. */
    private List<String> clusterProcesses() {
        String mark = clusterDir.toString() + "/";
        return ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .map(h -> h.pid() + " " + cmdline(h.pid()))
                .filter(line -> line.contains("-Ddeepfer.cluster.dir=" + clusterDir + " ")
                        || line.contains(mark + "spark-home/jars/"))
                .toList();
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return ""; // gone meanwhile
        }
    }

    /** Executor directories ({@code app-*}/{@code <executor id>}) a worker made for its executors. */
    private static long executorDirs(Path workDir) {
        return appDirs(workDir).stream().mapToLong(app -> {
            try (Stream<Path> executors = Files.list(app)) {
                return executors.count();
            } catch (IOException e) {
                return 0;
            }
        }).sum();
    }

    /** The application directories ({@code app-*}) a worker has made so far; none while it cannot be listed. */
    private static List<Path> appDirs(Path workDir) {
        if (!Files.isDirectory(workDir)) {
            return List.of();
        }
        try (Stream<Path> apps = Files.list(workDir)) {
            return apps.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Whether an executor of an application not in {@code earlierApps} has logged the start of a
     * task on this worker: Spark's executors log "Running task ..." at INFO to their stderr file.
     */
    private static boolean runsTasks(Path workDir, List<Path> earlierApps) {
        for (Path app : appDirs(workDir)) {
            if (earlierApps.contains(app)) {
                continue;
            }
            try (Stream<Path> executors = Files.list(app)) {
                if (executors.map(e -> e.resolve("stderr")).anyMatch(f -> read(f).contains("Running task"))) {
                    return true;
                }
            } catch (IOException e) {
                return false; // the worker is still making the directory
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // --- what the runs left --------------------------------------------------------------------------

    private static Dataset<Row> table(Path dir, String name) {
        return TestSpark.session().read().format("delta").load(dir.resolve("warehouse").resolve(name).toString());
    }

    private static List<String> sorted(Dataset<Row> rows, String... columns) {
        List<String> out = new ArrayList<>();
        for (Row r : rows.selectExpr(columns).collectAsList()) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(i == 0 ? "" : "|").append(r.get(i));
            }
            out.add(line.toString());
        }
        out.sort(null);
        return out;
    }

    /** Best validation accuracy of the model the pipeline's train stage recorded in its ledger. */
    private static double bestValAccuracy(Path dir) throws IOException {
        List<Row> train = table(dir, StageLedger.TABLE).filter(col("stage").equalTo("TRAIN").and(col("status")
                .equalTo("ok"))).selectExpr("outputs['model']").collectAsList();
        assertEquals(1, train.size(), "one successful train stage in " + dir);
        Path model = Path.of(train.get(0).getString(0));
        return new ObjectMapper().readTree(model.resolve("best_metrics.json").toFile()).get("accuracy").asDouble();
    }

    /** The stages a pipeline printed as running. */
    private static List<String> ran(String printed) {
        List<String> stages = new ArrayList<>();
        Matcher m = Pattern.compile("\\[(\\w+)\\] running").matcher(printed);
        while (m.find()) {
            stages.add(m.group(1));
        }
        return stages;
    }

    /** {@code count} 48x48 noise images, all different, as {@code train/<label>/<n>.png}. */
    private static int writeDistinctFaces(Path root, int count) throws IOException {
        SplittableRandom random = new SplittableRandom(17);
        List<String> labels = Labels.NAMES;
        for (int n = 0; n < count; n++) {
            byte[] px = new byte[48 * 48];
            for (int k = 0; k < px.length; k++) {
                px[k] = (byte) random.nextInt(256);
            }
            Path file = root.resolve("train").resolve(labels.get(n % labels.size())).resolve(n + ".png");
            Files.createDirectories(file.getParent());
            Files.write(file, ImageCodec.encodePng(FaceImage.gray(48, 48, px)));
        }
        return count;
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no " + log + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String list(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(Path::toString).toList().toString();
        } catch (IOException e) {
            return dir + ": " + e.getMessage();
        }
    }
}
