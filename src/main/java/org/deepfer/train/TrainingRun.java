package org.deepfer.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deepfer.augment.AugmentJob;
import org.deepfer.augment.Augmenter;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.deepfer.train.optim.AdamW;
import org.deepfer.train.optim.FerOptimizer;
import org.deepfer.train.optim.NesterovSgd;

/**
 * One training run on faces already in memory: builds the network by name, runs the epochs (head
 * only, then fine-tuning, when transfer learning), validates after each, keeps the best model by
 * validation macro-F1, and checkpoints every epoch so a resumed run continues exactly.
 *
 * <p>No Spark here: {@link TrainJob} runs it on the driver after reading the Delta snapshot, and the
 * sweep and tuning jobs run it inside Spark tasks on broadcast data. Whoever runs it hears of each
 * finished epoch through an {@link EpochListener} (the train job appends it to a Delta table).
 */
public final class TrainingRun {
    private static final Logger LOG = LogManager.getLogger(TrainingRun.class);
    static final String BEST_PARAMS = "model.params";
    /** Steps with non-finite gradients in a row that end a run: one is an accident, this many a divergence. */
    static final int MAX_SKIPPED_IN_A_ROW = 5;

    /**
     * What a run trains on: both splits decoded, the training split's normalization, class weights
     * (null = unweighted) and where the faces came from (for the model card).
     */
    public record Data(FaceArrays train, FaceArrays validation, AugmentJob.Normalization normalization,
            float[] classWeights, long facesVersion, String facesTable) implements Serializable {}

    /** What one run produced. */
    public record Result(String modelId, Path modelDir, int epochsDone, int bestEpoch, EpochMetrics best,
            double trainSeconds, long trainableParameters, long flopsPerImage, InferenceSpeed.Figures inference) {}

    /** Hears of every finished epoch, after its checkpoint is on disk. */
    public interface EpochListener {
        void epochDone(String modelId, EpochMetrics metrics);
    }

    private final DeepFerConfig config;
    private final DeepFerConfig.Train train;
    private final Data data;
    private final Path modelDir;
    private final boolean resume;
    private final String runId;
    private final RunContext run;
    private EpochListener listener = (id, m) -> { };
    /** Stops after this many epochs of the run as if the process had died (tests of resume); 0 = off. */
    private int interruptAfterEpochs;
    private boolean measureInference;

    /**
     * @param modelDir where the model goes; with {@code resume}, a model directory to continue
     * @param runId the run that trains it (for the model card)
     * @param run where written files are recorded as outputs; null inside a Spark task
     */
    public TrainingRun(DeepFerConfig config, Data data, Path modelDir, boolean resume, String runId, RunContext run) {
        this.config = config;
        this.train = config.train();
        this.data = data;
        this.modelDir = modelDir;
        this.resume = resume;
        this.runId = runId;
        this.run = run;
    }

    public TrainingRun listener(EpochListener epochListener) {
        this.listener = epochListener;
        return this;
    }

    /** Makes the run stop after {@code epochs} epochs of the run, leaving its checkpoint as a killed run would. */
    public TrainingRun interruptAfter(int epochs) {
        this.interruptAfterEpochs = epochs;
        return this;
    }

    /** Also times inference (batch 1 and 64) at the end, as the model sweep reports it. */
    public TrainingRun measureInference(boolean measure) {
        this.measureInference = measure;
        return this;
    }

    public Result run() {
        String modelId = modelDir.getFileName().toString();
        FaceArrays trainSet = data.train();
        FaceArrays valSet = data.validation();
        if (trainSet.count() == 0 || valSet.count() == 0) {
            throw new IllegalStateException("training needs train and validation faces; found " + trainSet.count()
                    + " and " + valSet.count() + " in " + data.facesTable());
        }
        writeModelFiles(data.normalization());
        Engine.getInstance(); // loads the native library the settings below live in
        // PyTorch's grad mode is per thread and on by default; DJL switches it off only on the thread
        // that started the engine. A run on another thread (a Spark task) must do it itself, or the
        // optimizer's in-place updates of parameters fail.
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        if (train.threads() > 0) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(train.threads());
        }

        ModelSpec spec = new ModelSpec(train.backbone(), train.inputChannels(), train.inputSize(), Labels.count(),
                train.dropout(), train.width());
        OneDnnProbe.checkOnce();
        FerModel ferModel = Models.build(spec);
        Device device = device();
        LOG.info("[train] {} on {} ({} epochs, batch {}, {})", spec.name(), device, train.totalEpochs(),
                train.batchSize(), train.optimizer());

        try (Model model = Model.newInstance("deepfer-" + spec.name(), device);
                NDManager stateManager = NDManager.newBaseManager(device);
                Teacher teacher = teacher(device)) {
            model.setBlock(ferModel.block());
            FerOptimizer optimizer = optimizer(ferModel, stateManager);
            DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(optimizer)
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(trainingConfig);
                    TensorBoardWriter tensorBoard = new TensorBoardWriter(modelDir.resolve("tensorboard"))) {
                // Initial weights come from the engine's generator: seeded, so a run is reproducible.
                Engine.getInstance().setRandomSeed((int) config.seed());
                trainer.initialize(spec.inputShape(train.batchSize()));
                LOG.info("[train] {} trainable parameters", ferModel.trainableParameterCount());
                WeightAverage average = train.averages() ? new WeightAverage(stateManager) : null;
                Checkpoint.LoopState state = resume
                        ? Checkpoint.loadInto(Checkpoint.existing(modelDir.resolve("checkpoints/last")),
                                ferModel, optimizer, average, model.getNDManager())
                        : new Checkpoint.LoopState(0, 0, -1, -1, 0, List.of(), List.of());
                if (resume) {
                    LOG.info("[train] resuming {} after epoch {} (step {})", modelId, state.epochsDone(),
                            state.step());
                } else if (!train.pretrained().isBlank()) {
                    PretrainedLoader.Report report = PretrainedLoader.load(Path.of(train.pretrained()), ferModel,
                            model.getNDManager(), train.pretrainedHead());
                    Reports.writeJson(run, modelDir.resolve("pretrained.json"), report);
                }
                long start = System.nanoTime();
                Checkpoint.LoopState end = loop(trainer, ferModel, optimizer, average, teacher, trainSet, valSet,
                        data.normalization(), state, tensorBoard, modelId);
                double seconds = (System.nanoTime() - start) / 1e9;
                EpochMetrics best = end.history().stream().filter(m -> m.epoch() == end.bestEpoch()).findFirst()
                        .orElse(null);
                writeReport(spec, end, best, trainSet.count(), ferModel, teacher);
                if (run != null) {
                    run.fact("modelDir", modelDir.toString());
                    if (teacher != null) {
                        run.fact("teacher", teacher.bundles().stream().map(b -> b.dir().toString()).toList());
                    }
                    run.fact("bestEpoch", end.bestEpoch());
                }
                InferenceSpeed.Figures speed = InferenceSpeed.Figures.NONE;
                if (measureInference) {
                    long timing = System.nanoTime();
                    speed = InferenceSpeed.measure(trainer, spec);
                    LOG.info(String.format("[train] inference %.1f images/s at batch 1, %.1f at batch 64 (timed in %.1fs)",
                            speed.batch1(), speed.batch64(), (System.nanoTime() - timing) / 1e9));
                }
                return new Result(modelId, modelDir, end.epochsDone(), end.bestEpoch(), best, seconds,
                        ferModel.trainableParameterCount(), org.deepfer.train.model.Flops.count(ferModel, spec),
                        speed);
            }
        }
    }

    /**
     * The distillation teacher train.teacher names (one model directory, or several as an
     * ensemble), on the student's device; null when there is none.
     */
    private Teacher teacher(Device device) {
        if (!train.distills()) {
            return null;
        }
        Teacher teacher = Teacher.load(train.teachers().stream().map(Path::of).toList(), device,
                train.distillTemperature());
        LOG.info("[train] distilling from {}: temperature {}, alpha {}", describe(teacher),
                train.distillTemperature(), train.distillAlpha());
        return teacher;
    }

    /** Each member as {@code `dir` (`name`, input CxSxS)}, joined; "an ensemble of" several. */
    private static String describe(Teacher teacher) {
        List<String> members = new ArrayList<>();
        for (org.deepfer.predict.ModelBundle b : teacher.bundles()) {
            ModelSpec t = b.spec();
            members.add("`" + b.dir() + "` (`" + t.name() + "`, input " + t.inputChannels() + "x" + t.inputSize()
                    + "x" + t.inputSize() + ")");
        }
        return members.size() == 1 ? members.get(0)
                : "an ensemble of " + members.size() + " (mean of their tempered probabilities): "
                        + String.join(", ", members);
    }

    /**
     * {@code average}: the weight average, or null when the run keeps none; {@code teacher}: the
     * distillation teacher, or null for none.
     */
    private Checkpoint.LoopState loop(Trainer trainer, FerModel ferModel, FerOptimizer optimizer,
            WeightAverage average, Teacher teacher,
            FaceArrays trainSet, FaceArrays valSet, AugmentJob.Normalization norm, Checkpoint.LoopState state,
            TensorBoardWriter tensorBoard, String modelId) {
        int batch = train.batchSize();
        int stepsPerEpoch = (trainSet.count() + batch - 1) / batch;
        Augmenter augmenter = train.augment() ? new Augmenter(config.augment().policy()) : null;
        BatchMaker trainBatches = new BatchMaker(trainSet, augmenter, train.inputSize(), train.inputChannels(),
                norm.mean(), norm.std(), config.seed());
        BatchMaker valBatches = new BatchMaker(valSet, null, train.inputSize(), train.inputChannels(), norm.mean(),
                norm.std(), config.seed());
        FerLoss loss = new FerLoss(Labels.count(), train.labelSmoothing(), train.loss().equals("focal"),
                train.focalGamma(), data.classWeights());
        DistillationLoss distillation = new DistillationLoss(loss, train.distillTemperature(), train.distillAlpha());
        FerLoss valLoss = new FerLoss(Labels.count(), 0, false, 0, null);

        List<EpochMetrics> history = new ArrayList<>(state.history());
        List<Checkpoint.AveragedEpoch> averaging = new ArrayList<>(state.averaging());
        long step = state.step();
        double bestF1 = state.bestMacroF1();
        int bestEpoch = state.bestEpoch();
        int sinceBest = state.epochsSinceBest();
        long budgetStart = System.nanoTime();
        int skippedInARow = 0;
        for (int epoch = state.epochsDone(); epoch < train.totalEpochs(); epoch++) {
            boolean headPhase = train.transfer() && epoch < train.epochsHead();
            String phase = !train.transfer() ? "train" : headPhase ? "head" : "finetune";
            ferModel.freezeBackbone(headPhase);
            LearningRateSchedule schedule = schedule(headPhase, stepsPerEpoch);
            long phaseStart = headPhase || !train.transfer() ? 0 : (long) train.epochsHead() * stepsPerEpoch;
            // Dropout and other engine randomness restart from a seed per epoch: what makes resume exact.
            Engine.getInstance().setRandomSeed((int) (config.seed() * 31 + epoch));
            int[] order = BatchMaker.epochOrder(trainSet, train.sampler().equals("balanced"), config.seed(), epoch);
            SplittableRandom mixing = new SplittableRandom(config.seed() * 7_919 + epoch);

            long started = System.nanoTime();
            double lossSum = 0;
            int[] predicted = new int[order.length];
            int[] truth = new int[order.length];
            double rate = 0;
            int skipped = 0;
            ProgressBar bar = new ProgressBar("epoch " + (epoch + 1) + "/" + train.totalEpochs() + " " + phase,
                    stepsPerEpoch);
            for (int s = 0; s < stepsPerEpoch; s++) {
                int from = s * batch;
                int to = Math.min(order.length, from + batch);
                try (NDManager batchManager = trainer.getManager().newSubManager()) {
                    BatchMaker.Faces faces = trainBatches.faces(order, from, to, epoch);
                    NDList data = trainBatches.batch(batchManager, faces);
                    Mixing.Mix mix = Mixing.draw(data.get(0).getShape(), train.mixupAlpha(),
                            train.cutmixProbability(), mixing);
                    NDArray x = mix.images(data.get(0));
                    NDArray targets = mix.targets(loss.targets(data.get(1)));
                    // Before the collector opens, so no autograd graph runs through the teacher.
                    NDArray teacherLogits = teacher == null ? null : teacher.logits(batchManager, faces.images(), mix);
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray l = teacher == null ? loss.compute(logits, targets)
                                : distillation.compute(logits, targets, teacherLogits);
                        collector.backward(l);
                        float stepLoss = l.getFloat();
                        if (!Float.isFinite(stepLoss)) {
                            // Stop before the optimizer spreads it into every weight: the last
                            // checkpoint stays a good one to resume from with gentler settings.
                            throw new IllegalStateException(String.format(Locale.ROOT,
                                    "training diverged: loss %s at epoch %d, step %d of %d (learning rate %.3g, "
                                            + "%s); lower train.learningRate or raise train.warmupEpochs, then "
                                            + "--resume %s", stepLoss, epoch + 1, s + 1, stepsPerEpoch, rate,
                                    train.backbone(), modelDir));
                        }
                        lossSum += stepLoss * (to - from);
                        int[] argmax = logits.argMax(1).toType(DataType.INT32, false).toIntArray();
                        float[] labels = data.get(1).toFloatArray();
                        for (int k = 0; k < argmax.length; k++) {
                            predicted[from + k] = argmax[k];
                            truth[from + k] = (int) labels[k];
                        }
                    }
                    rate = schedule.at(step - phaseStart);
                    double gradientNorm = optimizerStep(trainer, optimizer, rate, train.gradientClipNorm());
                    if (Double.isFinite(gradientNorm)) {
                        skippedInARow = 0;
                    } else {
                        skipped++;
                        if (++skippedInARow >= MAX_SKIPPED_IN_A_ROW) {
                            throw new IllegalStateException(String.format(Locale.ROOT,
                                    "training diverged: gradients not finite for %d steps in a row, the last at "
                                            + "epoch %d, step %d of %d (learning rate %.3g, %s); lower "
                                            + "train.learningRate or raise train.warmupEpochs, then --resume %s",
                                    skippedInARow, epoch + 1, s + 1, stepsPerEpoch, rate, train.backbone(),
                                    modelDir));
                        }
                        LOG.warn(String.format(Locale.ROOT, "[train] epoch %d, step %d: gradient norm %s, step "
                                + "skipped (weights and optimizer state unchanged)", epoch + 1, s + 1, gradientNorm));
                    }
                    step++;
                }
                bar.update(s + 1, lossSum / Math.max(1, to));
            }
            if (skipped > 0) {
                LOG.warn("[train] epoch {}: {} of {} steps skipped for non-finite gradients", epoch + 1, skipped,
                        stepsPerEpoch);
            }
            double trainSeconds = (System.nanoTime() - started) / 1e9;
            ClassificationMetrics trainMetrics = ClassificationMetrics.of(truth, predicted, Labels.count());
            double[] valLossOut = new double[1];
            ClassificationMetrics valMetrics = evaluate(trainer, valBatches, valSet, valLoss, valLossOut);
            boolean averaged = average != null && epoch + 1 >= train.averageFrom();
            if (averaged) {
                // The trained weights' figures are kept for the record; the average's are the epoch's.
                average.add(ferModel.block());
                ClassificationMetrics trained = valMetrics;
                double trainedLoss = valLossOut[0];
                // One snapshot is the trained weights themselves: no second pass over validation.
                if (average.count() > 1) {
                    valMetrics = average.applied(ferModel.block(),
                            () -> evaluate(trainer, valBatches, valSet, valLoss, valLossOut));
                }
                Checkpoint.AveragedEpoch a = new Checkpoint.AveragedEpoch(epoch + 1, average.count(), trainedLoss,
                        trained.accuracy(), trained.macroF1(), valLossOut[0], valMetrics.accuracy(),
                        valMetrics.macroF1());
                averaging.add(a);
                LOG.info(String.format(Locale.ROOT, "[train] epoch %d: average of %d epochs: val acc %.4f macro-F1"
                        + " %.4f; the trained weights: %.4f, %.4f", a.epoch(), a.snapshots(), a.averagedValAccuracy(),
                        a.averagedValMacroF1(), a.trainedValAccuracy(), a.trainedValMacroF1()));
                tensorBoard.scalar("accuracy/validation_trained_weights", a.epoch(), a.trainedValAccuracy());
                tensorBoard.scalar("macro_f1/validation_trained_weights", a.epoch(), a.trainedValMacroF1());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            EpochMetrics m = new EpochMetrics(epoch + 1, phase, rate, lossSum / order.length,
                    trainMetrics.accuracy(), trainMetrics.macroF1(), valLossOut[0], valMetrics.accuracy(),
                    valMetrics.macroF1(), valMetrics.f1(), order.length / trainSeconds, seconds);
            history.add(m);
            LOG.info(String.format("[train] epoch %d/%d %s: loss %.4f acc %.4f | val loss %.4f acc %.4f macro-F1 %.4f"
                            + " | lr %.2e, %.0f img/s, %.0fs", m.epoch(), train.totalEpochs(), phase, m.trainLoss(),
                    m.trainAccuracy(), m.valLoss(), m.valAccuracy(), m.valMacroF1(), rate, m.imagesPerSecond(),
                    seconds));
            // Validation that was trained on cannot pick an epoch: the last one is kept.
            boolean improved = train.includeValidation() || m.valMacroF1() > bestF1;
            if (improved) {
                bestF1 = m.valMacroF1();
                bestEpoch = m.epoch();
                sinceBest = 0;
                ClassificationMetrics kept = valMetrics;
                if (averaged) {
                    average.applied(ferModel.block(), () -> {
                        saveBest(ferModel, kept);
                        return null;
                    });
                } else {
                    saveBest(ferModel, kept);
                }
            } else {
                sinceBest++;
            }
            Checkpoint.LoopState now = new Checkpoint.LoopState(epoch + 1, step, bestF1, bestEpoch, sinceBest,
                    history, averaging);
            Checkpoint.save(modelDir.resolve("checkpoints/last"), ferModel.block(), optimizer, average, now);
            recordEpoch(m, tensorBoard, history);
            if (!averaging.isEmpty()) {
                Reports.writeJson(run, modelDir.resolve("averaging.json"), averaging);
            }
            listener.epochDone(modelId, m);
            if (train.earlyStoppingPatience() > 0 && sinceBest >= train.earlyStoppingPatience()
                    && !(train.transfer() && headPhase)) {
                LOG.info("[train] early stop: validation macro-F1 has not improved for {} epochs (best {} at epoch {})",
                        sinceBest, String.format("%.4f", bestF1), bestEpoch);
                return now;
            }
            state = now;
            double minutes = (System.nanoTime() - budgetStart) / 60e9;
            if (train.maxMinutes() > 0 && minutes >= train.maxMinutes() && epoch + 1 < train.totalEpochs()) {
                LOG.info("[train] time budget of {} minutes used up after epoch {} ({} minutes)", train.maxMinutes(),
                        epoch + 1, String.format("%.1f", minutes));
                return state;
            }
            if (interruptAfterEpochs > 0 && epoch + 1 >= interruptAfterEpochs) {
                return state;
            }
        }
        return state;
    }

    /**
     * One optimizer step at {@code rate}, the gradients clipped to {@code clipNorm} (0: not clipped),
     * unless their global norm is not finite (an inf or NaN among them, or squares beyond float's
     * range): then the step is skipped, as mixed-precision trainers skip one that
     * overflowed. A single inf or NaN would otherwise reach every weight through the optimizer's state
     * and end the run. The gradients are dropped either way. Returns their global L2 norm, not finite
     * when the step was skipped.
     */
    static double optimizerStep(Trainer trainer, FerOptimizer optimizer, double rate, double clipNorm) {
        double norm = clipGradients(trainer, clipNorm);
        // At rate 0 our optimizers leave weights and state alone and only clear the gradients.
        optimizer.setLearningRate(Double.isFinite(norm) ? rate : 0);
        trainer.step();
        return norm;
    }

    /**
     * Scales every gradient by {@code maxNorm / norm} when the global L2 norm of all gradients is finite
     * and exceeds {@code maxNorm} (in place, before the optimizer reads them; {@code maxNorm} 0: never);
     * returns the norm before clipping.
     */
    static double clipGradients(Trainer trainer, double maxNorm) {
        List<NDArray> gradients = new ArrayList<>();
        try {
            for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : trainer.getModel().getBlock().getParameters()) {
                NDArray array = p.getValue().getArray();
                if (p.getValue().requiresGradient() && array.hasGradient()) {
                    gradients.add(array.getGradient());
                }
            }
            double sumOfSquares = 0;
            for (NDArray g : gradients) {
                // Temporaries closed at once: they belong to the parameters' long-lived manager.
                try (NDArray squared = g.square(); NDArray sum = squared.sum()) {
                    sumOfSquares += sum.getFloat();
                }
            }
            double norm = Math.sqrt(sumOfSquares);
            if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
                float scale = (float) (maxNorm / norm);
                for (NDArray g : gradients) {
                    g.muli(scale);
                }
            }
            return norm;
        } finally {
            // The wrappers only; the gradient tensors stay with their parameters.
            gradients.forEach(NDArray::close);
        }
    }

    private ClassificationMetrics evaluate(Trainer trainer, BatchMaker batches, FaceArrays set, FerLoss loss,
            double[] meanLoss) {
        int n = set.count();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int[] predicted = new int[n];
        int[] truth = new int[n];
        double lossSum = 0;
        int batch = Math.max(train.batchSize(), 128);
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            try (NDManager m = trainer.getManager().newSubManager()) {
                NDList data = batches.batch(m, order, from, to, 0);
                NDArray logits = trainer.evaluate(new NDList(data.get(0))).singletonOrThrow();
                lossSum += loss.compute(logits, loss.targets(data.get(1))).getFloat() * (to - from);
                int[] argmax = logits.argMax(1).toType(DataType.INT32, false).toIntArray();
                for (int k = 0; k < argmax.length; k++) {
                    predicted[from + k] = argmax[k];
                    truth[from + k] = set.label(from + k);
                }
            }
        }
        meanLoss[0] = lossSum / n;
        return ClassificationMetrics.of(truth, predicted, Labels.count());
    }

    private LearningRateSchedule schedule(boolean headPhase, int stepsPerEpoch) {
        double base = train.learningRate();
        int epochs = train.epochs();
        if (train.transfer()) {
            epochs = headPhase ? train.epochsHead() : train.epochsFt();
            base = headPhase ? base : base * train.ftLearningRateFactor();
        }
        long total = (long) epochs * stepsPerEpoch;
        long warmup = Math.min(total / 2, (long) train.warmupEpochs() * stepsPerEpoch);
        return new LearningRateSchedule(base, warmup, total, train.schedule().equals("cosine"));
    }

    private FerOptimizer optimizer(FerModel ferModel, NDManager stateManager) {
        return switch (train.optimizer()) {
            case "sgd" -> new NesterovSgd(ferModel.block(), stateManager, train.momentum(), train.weightDecay());
            case "adamw" -> new AdamW(ferModel.block(), stateManager, train.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + train.optimizer());
        };
    }

    private Device device() {
        return switch (train.device()) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalStateException("train.device=gpu but the engine sees no GPU");
                }
                yield Device.gpu();
            }
            default -> Engine.getInstance().defaultDevice();
        };
    }

    private void saveBest(FerModel ferModel, ClassificationMetrics metrics) {
        saveBestModel(modelDir, ferModel, metrics, run);
    }

    /**
     * Saves {@code model} as the directory's best model ({@value #BEST_PARAMS}, written atomically)
     * and its validation metrics as best_metrics.json; either engine's trainer calls it.
     */
    public static void saveBestModel(Path modelDir, FerModel model, ClassificationMetrics metrics, RunContext run) {
        try {
            Path tmp = modelDir.resolve(BEST_PARAMS + ".tmp");
            try (var out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                model.block().saveParameters(out);
            }
            Files.move(tmp, modelDir.resolve(BEST_PARAMS), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Map<String, Object> best = new LinkedHashMap<>();
            best.put("accuracy", metrics.accuracy());
            best.put("macroF1", metrics.macroF1());
            best.put("f1PerClass", metrics.f1());
            best.put("confusion", metrics.confusion());
            Reports.writeJson(run, modelDir.resolve("best_metrics.json"), best);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save best model in " + modelDir, e);
        }
    }

    private void writeModelFiles(AugmentJob.Normalization norm) {
        writeModelFiles(modelDir, !resume, config, norm, run);
    }

    /**
     * The files every model directory holds besides its parameters: config.yaml (unless {@code
     * withConfig} is false, as on resume, which keeps the run's own), classes.json, normalization.json.
     */
    public static void writeModelFiles(Path modelDir, boolean withConfig, DeepFerConfig config,
            AugmentJob.Normalization norm, RunContext run) {
        try {
            Files.createDirectories(modelDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + modelDir, e);
        }
        if (withConfig) {
            Reports.writeText(run, modelDir.resolve("config.yaml"), ConfigLoader.toYaml(config));
        }
        Map<String, String> classes = new LinkedHashMap<>();
        for (int i = 0; i < Labels.count(); i++) {
            classes.put(Integer.toString(i), Labels.NAMES.get(i));
        }
        Reports.writeJson(run, modelDir.resolve("classes.json"), classes);
        Reports.writeJson(run, modelDir.resolve("normalization.json"), norm);
    }

    private void recordEpoch(EpochMetrics m, TensorBoardWriter tensorBoard, List<EpochMetrics> history) {
        tensorBoard.scalar("loss/train", m.epoch(), m.trainLoss());
        tensorBoard.scalar("loss/validation", m.epoch(), m.valLoss());
        tensorBoard.scalar("accuracy/train", m.epoch(), m.trainAccuracy());
        tensorBoard.scalar("accuracy/validation", m.epoch(), m.valAccuracy());
        tensorBoard.scalar("macro_f1/train", m.epoch(), m.trainMacroF1());
        tensorBoard.scalar("macro_f1/validation", m.epoch(), m.valMacroF1());
        tensorBoard.scalar("learning_rate", m.epoch(), m.learningRate());
        tensorBoard.scalar("images_per_second", m.epoch(), m.imagesPerSecond());
        tensorBoard.flush();
        Reports.writeJson(run, modelDir.resolve("history.json"), history);
        TrainingCurves.write(history, modelDir.resolve("curves.png"));
    }

    private void writeReport(ModelSpec spec, Checkpoint.LoopState state, EpochMetrics best, int trainImages,
            FerModel ferModel, Teacher teacher) {
        TrainingCard card = new TrainingCard(modelDir, train.includeValidation())
                .architecture(spec, ferModel.trainableParameterCount())
                .data(data, trainImages, train.excludeFindings())
                .heldOut()
                .line("Training: " + state.epochsDone() + " epochs, " + train.optimizer() + " lr " + train.learningRate()
                        + ", batch " + train.batchSize() + ", loss " + train.loss() + ", class weights "
                        + train.classWeights() + ", sampler " + train.sampler() + ", seed " + config.seed());
        if (teacher != null) {
            card.line("Distillation: teacher " + describe(teacher) + ", temperature " + train.distillTemperature()
                    + ", alpha " + train.distillAlpha() + " (train.teacher `" + train.teacher() + "` in config.yaml)");
        }
        if (!train.pretrained().isBlank()) {
            card.line("Started from: `" + train.pretrained() + "` (" + (train.pretrainedHead() ? "the whole network"
                    : "its backbone; the head freshly initialised") + ")");
        }
        if (!state.averaging().isEmpty()) {
            Checkpoint.AveragedEpoch last = state.averaging().get(state.averaging().size() - 1);
            card.line(String.format(Locale.ROOT, "Weight averaging: the weights at the end of epochs %d to %d"
                    + " averaged (train.averageFrom); at epoch %d the average scored validation accuracy %.4f,"
                    + " macro-F1 %.4f, the trained weights %.4f, %.4f (every epoch: `averaging.json`)",
                    train.averageFrom(), last.epoch(), last.epoch(), last.averagedValAccuracy(),
                    last.averagedValMacroF1(), last.trainedValAccuracy(), last.trainedValMacroF1()));
        }
        card.best(best, true).write(run, runId, "`model.params` (" + card.keptParameters() + "), `config.yaml`, "
                + "`classes.json`, `normalization.json`, `history.json`, `curves.png`, `tensorboard/`, "
                + "`checkpoints/last/`.");
    }
}
