package org.deepfer.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;

/**
 * One run's provenance, kept in {@code results/runs/<timestamp>-<job>/}: the resolved config, the
 * git commit, the seed, the Delta table versions read and written, the outputs and stage timings.
 */
public final class RunContext {
    private static final Logger LOG = LogManager.getLogger(RunContext.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String job;
    private final String runId;
    private final Path dir;
    private final DeepFerConfig config;
    private final Instant startedAt = Instant.now();
    private final Map<String, Long> tablesRead = new LinkedHashMap<>();
    private final Map<String, Long> tablesWritten = new LinkedHashMap<>();
    private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();

    private RunContext(String job, DeepFerConfig config) {
        this.job = job;
        this.config = config;
        Path runs = Path.of(config.paths().results(), "runs");
        String base = STAMP.format(startedAt) + "-" + job;
        Path candidate = runs.resolve(base);
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = runs.resolve(base + "-" + i);
        }
        this.dir = candidate;
        this.runId = candidate.getFileName().toString();
    }

    /** Opens the run directory and writes the resolved config into it. */
    public static RunContext start(String job, DeepFerConfig config) {
        RunContext run = new RunContext(job, config);
        try {
            Files.createDirectories(run.dir);
            Files.writeString(run.dir.resolve("config.yaml"), ConfigLoader.toYaml(config), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + run.dir, e);
        }
        return run;
    }

    public String runId() {
        return runId;
    }

    public String job() {
        return job;
    }

    public Path dir() {
        return dir;
    }

    public DeepFerConfig config() {
        return config;
    }

    /** Records that {@code table} was read at {@code version}. */
    public synchronized void readTable(String table, long version) {
        tablesRead.put(table, version);
    }

    /** Records that {@code table} now stands at {@code version} after this run wrote it. */
    public synchronized void wroteTable(String table, long version) {
        tablesWritten.put(table, version);
    }

    /** Records an output file or folder. */
    public synchronized void output(Path file) {
        outputs.add(file.toString());
    }

    /** Records a fact worth keeping with the run (row counts, input path, ...). */
    public synchronized void fact(String key, Object value) {
        facts.put(key, value);
    }

    /** Runs {@code work}, logging and recording how long it took under {@code stage}. */
    public <T> T time(String stage, Supplier<T> work) {
        long start = System.nanoTime();
        LOG.info("[{}] {} ...", job, stage);
        T result = work.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        synchronized (this) {
            stageSeconds.merge(stage, seconds, Double::sum);
        }
        LOG.info(String.format("[%s] %s done in %.1fs", job, stage, seconds));
        return result;
    }

    /** Like {@link #time(String, Supplier)} for work without a result. */
    public void time(String stage, Runnable work) {
        time(stage, () -> {
            work.run();
            return null;
        });
    }

    /** Writes provenance.json; call once the job has finished (or failed, with the error). */
    public synchronized void finish(Throwable error) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("runId", runId);
        p.put("job", job);
        p.put("status", error == null ? "succeeded" : "failed");
        if (error != null) {
            p.put("error", String.valueOf(error.getMessage()));
        }
        p.put("startedAt", startedAt.toString());
        p.put("finishedAt", Instant.now().toString());
        p.put("seed", config.seed());
        p.put("gitCommit", gitCommit());
        p.put("javaVersion", System.getProperty("java.version"));
        p.put("tablesRead", tablesRead);
        p.put("tablesWritten", tablesWritten);
        p.put("stageSeconds", stageSeconds);
        p.put("outputs", outputs);
        p.put("facts", facts);
        try {
            JSON.writeValue(dir.resolve("provenance.json").toFile(), p);
        } catch (IOException e) {
            LOG.warn("cannot write provenance to {}: {}", dir, e.getMessage());
        }
    }

    /** The commit the code came from, or "unknown" outside a git checkout. */
    static String gitCommit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (git.waitFor(5, TimeUnit.SECONDS) && git.exitValue() == 0) {
                Process dirty = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").start();
                boolean modified = dirty.getInputStream().readAllBytes().length > 0;
                dirty.waitFor(5, TimeUnit.SECONDS);
                return modified ? out + "-dirty" : out;
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
