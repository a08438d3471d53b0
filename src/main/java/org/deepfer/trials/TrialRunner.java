package org.deepfer.trials;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.train.TrainingRun;

/**
 * The body of a trial's Spark task: derives the trial's config, trains with {@link TrainingRun} on
 * the broadcast faces and returns the metrics. A trial that throws becomes a {@link TrialResult#FAILED}
 * result carrying its error, so one impossible configuration does not stop a search (and Spark does
 * not retry a failure that would only repeat).
 *
 * <p>Trials in one executor JVM run one at a time: PyTorch's random generator is process-wide, and
 * two runs drawing from it in turn would no longer be reproducible. Parallelism comes from executors
 * (and from {@code threadsPerTrial} PyTorch threads within each trial).
 */
public final class TrialRunner implements MapPartitionsFunction<TrialSpec, TrialResult> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LogManager.getLogger(TrialRunner.class);
    private static final ReentrantLock ONE_AT_A_TIME = new ReentrantLock();

    private final DeepFerConfig base;
    private final Broadcast<TrainingRun.Data> data;
    private final String runId;
    private final int threads;

    /**
     * @param base the job's config, which each trial's overrides apply to
     * @param data the faces, broadcast once to every executor
     * @param runId the sweep's or search's run, named in each model card
     * @param threads PyTorch threads per trial
     */
    public TrialRunner(DeepFerConfig base, Broadcast<TrainingRun.Data> data, String runId, int threads) {
        this.base = base;
        this.data = data;
        this.runId = runId;
        this.threads = threads;
    }

    @Override
    public Iterator<TrialResult> call(Iterator<TrialSpec> specs) {
        List<TrialResult> out = new ArrayList<>();
        while (specs.hasNext()) {
            TrialSpec spec = specs.next();
            ONE_AT_A_TIME.lock();
            try {
                out.add(run(spec));
            } finally {
                ONE_AT_A_TIME.unlock();
            }
        }
        return out.iterator();
    }

    /** Runs one trial here (also usable without Spark). */
    public TrialResult run(TrialSpec spec) {
        DeepFerConfig config = null;
        try {
            List<String> overrides = new ArrayList<>(spec.overrides());
            overrides.add("train.threads=" + threads);
            config = ConfigLoader.load(base, overrides);
            Path modelDir = Path.of(spec.modelDir());
            boolean resume = Files.exists(modelDir.resolve("checkpoints/last/state.json"))
                    || Files.exists(modelDir.resolve("checkpoints/last.old/state.json"));
            LOG.info("[trial {}] {} {} (overrides {})", spec.id(), resume ? "continuing" : "starting", modelDir,
                    spec.overrides());
            TrainingRun.Result r = new TrainingRun(config, data.value(), modelDir, resume, runId, null)
                    .interruptAfter(spec.stopAfterEpochs())
                    .measureInference(spec.measureInference())
                    .run();
            DeepFerConfig.Train t = config.train();
            boolean hasBest = r.best() != null;
            return new TrialResult(spec.id(), TrialResult.OK, "", spec.modelDir(), t.backbone(), t.inputChannels(),
                    t.inputSize(), r.trainableParameters(), r.flopsPerImage(), r.epochsDone(), r.bestEpoch(),
                    hasBest ? r.best().valAccuracy() : Double.NaN, hasBest ? r.best().valMacroF1() : Double.NaN,
                    hasBest ? r.best().valF1PerClass() : new double[0], r.trainSeconds(), r.inference().batch1(),
                    r.inference().batch64(), Instant.now().toString());
        } catch (RuntimeException | Error e) {
            LOG.warn("[trial {}] failed: {}", spec.id(), e.toString());
            return failed(spec, config, e);
        }
    }

    private static TrialResult failed(TrialSpec spec, DeepFerConfig config, Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        // The message and the frames down to our own code: enough to see where, short enough for a table.
        List<String> lines = trace.toString().lines().toList();
        int last = 0;
        for (int i = 0; i < lines.size() && i < 40; i++) {
            if (lines.get(i).contains("org.deepfer.")) {
                last = i;
                break;
            }
        }
        String head = String.join("\n", lines.subList(0, Math.min(lines.size(), Math.max(last + 1, 6))));
        String backbone = config == null ? "" : config.train().backbone();
        int channels = config == null ? 0 : config.train().inputChannels();
        int size = config == null ? 0 : config.train().inputSize();
        return new TrialResult(spec.id(), TrialResult.FAILED, head, spec.modelDir(), backbone, channels, size, 0, 0,
                0, 0, Double.NaN, Double.NaN, new double[0], 0, Double.NaN, Double.NaN, Instant.now().toString());
    }
}
