package org.deepfer.train.dl4j;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deepfer.augment.Augmenter;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.ClassificationMetrics;
import org.deepfer.train.EpochMetrics;
import org.deepfer.train.FaceArrays;
import org.deepfer.train.InferenceSpeed;
import org.deepfer.train.LearningRateSchedule;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingCard;
import org.deepfer.train.TrainingCurves;
import org.deepfer.train.TrainingRun;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.Flops;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code train --engine dl4j-spark}: the {@code baseline} trained data-parallel on Spark with
 * Deeplearning4j ({@link SparkDl4jMultiLayer} and parameter averaging), on the same faces snapshot
 * the DJL train job reads ({@link TrainJob#loadData}), writing the same model directory.
 *
 * <p>Each epoch: the driver shuffles indices, the executors build the minibatches from the broadcast
 * faces (augmented, normalized), every worker fits {@value #AVERAGING_FREQUENCY} minibatches from the
 * driver's parameters and the driver averages parameters and updater state; then the DL4J
 * parameters are copied into our DJL baseline ({@link Dl4jToDjl}) and validation runs on that DJL
 * model, so {@code best_metrics.json} describes exactly the {@code model.params} that predict,
 * evaluate, export and realtime will load. One row per epoch goes to {@value TrainJob#HISTORY_TABLE}
 * through the DJL job's own writer, and {@code checkpoints/last/} holds the DL4J network with its
 * updater state for {@code --resume}.
 */
public final class Dl4jSparkTrainJob {
    private static final Logger LOG = LogManager.getLogger(Dl4jSparkTrainJob.class);

    /** Minibatches each worker fits between two parameter averagings (DL4J's default). */
    static final int AVERAGING_FREQUENCY = 5;
    /** Training faces the per-epoch train accuracy is measured on (inference, no augmentation). */
    static final int TRAIN_METRIC_FACES = 2_000;
    private static final int EVAL_BATCH = 128;

    private final Warehouse warehouse;
    private final RunContext run;
    private final DeepFerConfig config;
    private final DeepFerConfig.Train train;
    private final Path resumeDir;
    /** Stops after this many epochs of the run as if the process had died (tests of resume); 0 = off. */
    private int interruptAfterEpochs;

    /** {@code resumeDir}: a model directory of this engine to continue, or null for a new run. */
    public Dl4jSparkTrainJob(Warehouse warehouse, Path resumeDir) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
        this.train = config.train();
        this.resumeDir = resumeDir;
    }

    /** Makes the run stop after {@code epochs} epochs, leaving its checkpoint as a killed run would. */
    Dl4jSparkTrainJob interruptAfter(int epochs) {
        this.interruptAfterEpochs = epochs;
        return this;
    }

    /**
     * Refuses the train settings this engine does not implement, naming the key: better than
     * training something other than what the config says.
     *
     * @throws ConfigException for the first unsupported setting
     */
    public static void checkSupported(DeepFerConfig.Train t) {
        String why = null;
        if (!t.backbone().trim().equalsIgnoreCase("baseline")) {
            why = "train.backbone '" + t.backbone() + "': train.engine=dl4j-spark trains only 'baseline'";
        } else if (t.transfer() || !t.pretrained().isBlank()) {
            why = "train.epochsHead/train.pretrained: transfer learning needs train.engine=djl";
        } else if (!t.loss().equals("ce") || t.labelSmoothing() != 0) {
            why = "train.loss/train.labelSmoothing: train.engine=dl4j-spark has plain cross entropy only "
                    + "(loss=ce, labelSmoothing=0)";
        } else if (t.mixupAlpha() != 0 || t.cutmixProbability() != 0) {
            why = "train.mixupAlpha/train.cutmixProbability: no mixup or CutMix with train.engine=dl4j-spark";
        } else if (t.distills()) {
            why = "train.teacher: knowledge distillation needs train.engine=djl";
        } else if (!t.sampler().equals("shuffle")) {
            why = "train.sampler '" + t.sampler() + "': train.engine=dl4j-spark shuffles only";
        } else if (t.gradientClipNorm() != 0) {
            why = "train.gradientClipNorm: global gradient clipping needs train.engine=djl";
        } else if (t.averages()) {
            why = "train.averageFrom: weight averaging needs train.engine=djl";
        } else if (t.device().equals("gpu")) {
            why = "train.device=gpu: train.engine=dl4j-spark runs on ND4J's CPU backend";
        }
        if (why != null) {
            throw new ConfigException(why);
        }
    }

    public TrainingRun.Result run() {
        checkSupported(train);
        Path modelDir = resumeDir != null ? resumeDir : Path.of(train.modelsDir(), run.runId());
        String modelId = modelDir.getFileName().toString();
        TrainingRun.Data data = TrainJob.loadData(warehouse);
        FaceArrays trainSet = data.train();
        FaceArrays valSet = data.validation();
        if (trainSet.count() == 0 || valSet.count() == 0) {
            throw new IllegalStateException("training needs train and validation faces; found " + trainSet.count()
                    + " and " + valSet.count() + " in " + data.facesTable());
        }
        TrainingRun.writeModelFiles(modelDir, resumeDir == null, config, data.normalization(), run);
        if (train.threads() > 0) {
            Nd4j.getEnvironment().setMaxMasterThreads(train.threads());
            Nd4j.getEnvironment().setMaxThreads(train.threads());
        }
        Engine.getInstance(); // DJL's native library, for validation on the converted model

        ModelSpec spec = new ModelSpec(train.backbone(), train.inputChannels(), train.inputSize(), Labels.count(),
                train.dropout(), train.width());
        BaselineLayout layout = BaselineLayout.of(spec);
        BaselineDl4j.Settings settings = new BaselineDl4j.Settings(train.optimizer(), train.learningRate(),
                train.momentum(), train.weightDecay(), data.classWeights(), config.seed());
        Dl4jCheckpoint.LoopState state;
        MultiLayerNetwork net;
        if (resumeDir != null) {
            Dl4jCheckpoint.Loaded loaded = Dl4jCheckpoint.load(modelDir.resolve("checkpoints/last"));
            net = loaded.network();
            state = loaded.state();
            LOG.info("[train] resuming {} after epoch {}", modelId, state.epochsDone());
        } else {
            net = BaselineDl4j.network(layout, settings);
            state = Dl4jCheckpoint.LoopState.fresh();
        }

        JavaSparkContext sc = JavaSparkContext.fromSparkContext(warehouse.spark().sparkContext());
        int workers = sc.defaultParallelism();
        TrainingLossHook hook = new TrainingLossHook(sc.sc().doubleAccumulator("dl4j training loss"),
                sc.sc().longAccumulator("dl4j training examples"));
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers,
                train.batchSize())
                .batchSizePerWorker(train.batchSize())
                .averagingFrequency(AVERAGING_FREQUENCY)
                .workerPrefetchNumBatches(2)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(config.seed() + state.epochsDone())
                .trainingHooks(hook)
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);
        LOG.info("[train] {} with DL4J on Spark: {} workers, batch {} per worker, averaging every {} minibatches, "
                        + "{} epochs, {} trainable parameters", spec.name(), workers, train.batchSize(),
                AVERAGING_FREQUENCY, train.epochs(), net.numParams());

        Broadcast<FaceArrays> faces = sc.broadcast(trainSet);
        Augmenter augmenter = train.augment() ? new Augmenter(config.augment().policy()) : null;
        EpochBatches.Input input = new EpochBatches.Input(train.inputSize(), train.inputChannels(),
                (float) data.normalization().mean(), (float) data.normalization().std(), Labels.count(), augmenter,
                config.seed());
        FerModel djl = Models.build(spec);
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager()) {
            djl.block().initialize(manager, DataType.FLOAT32, spec.inputShape(1));
            Loop loop = new Loop(modelId, modelDir, sc, sparkNet, hook, faces, input, layout, djl, manager, data,
                    workers);
            Dl4jCheckpoint.LoopState end = loop.run(state);
            double seconds = (System.nanoTime() - start) / 1e9;
            EpochMetrics best = end.history().stream().filter(m -> m.epoch() == end.bestEpoch()).findFirst()
                    .orElse(null);
            writeReport(modelDir, spec, end, best, trainSet.count(), djl, workers, data);
            run.fact("modelDir", modelDir.toString());
            run.fact("bestEpoch", end.bestEpoch());
            run.fact("engine", "dl4j-spark");
            return new TrainingRun.Result(modelId, modelDir, end.epochsDone(), end.bestEpoch(), best, seconds,
                    djl.trainableParameterCount(), Flops.count(djl, spec), InferenceSpeed.Figures.NONE);
        } finally {
            faces.destroy();
        }
    }

    /** The epochs, with everything they share. */
    private final class Loop {
        private final String modelId;
        private final Path modelDir;
        private final JavaSparkContext sc;
        private final SparkDl4jMultiLayer sparkNet;
        private final TrainingLossHook hook;
        private final Broadcast<FaceArrays> faces;
        private final EpochBatches.Input input;
        private final BaselineLayout layout;
        private final FerModel djl;
        private final NDManager manager;
        private final TrainingRun.Data data;
        private final int workers;

        Loop(String modelId, Path modelDir, JavaSparkContext sc, SparkDl4jMultiLayer sparkNet, TrainingLossHook hook,
                Broadcast<FaceArrays> faces, EpochBatches.Input input, BaselineLayout layout, FerModel djl,
                NDManager manager, TrainingRun.Data data, int workers) {
            this.modelId = modelId;
            this.modelDir = modelDir;
            this.sc = sc;
            this.sparkNet = sparkNet;
            this.hook = hook;
            this.faces = faces;
            this.input = input;
            this.layout = layout;
            this.djl = djl;
            this.manager = manager;
            this.data = data;
            this.workers = workers;
        }

        Dl4jCheckpoint.LoopState run(Dl4jCheckpoint.LoopState state) {
            FaceArrays trainSet = data.train();
            int batches = (trainSet.count() + train.batchSize() - 1) / train.batchSize();
            // A global step is one averaged update: each worker fits its share of the minibatches.
            long stepsPerEpoch = Math.max(1, (batches + workers - 1) / workers);
            long total = (long) train.epochs() * stepsPerEpoch;
            LearningRateSchedule schedule = new LearningRateSchedule(train.learningRate(),
                    Math.min(total / 2, (long) train.warmupEpochs() * stepsPerEpoch), total,
                    train.schedule().equals("cosine"));
            int[] trainMetricFaces = evenlySpread(trainSet.count(), TRAIN_METRIC_FACES);
            int[] allValidation = evenlySpread(data.validation().count(), data.validation().count());
            List<EpochMetrics> history = new ArrayList<>(state.history());
            double bestF1 = state.bestMacroF1();
            int bestEpoch = state.bestEpoch();
            int sinceBest = state.epochsSinceBest();
            long budgetStart = System.nanoTime();
            for (int epoch = state.epochsDone(); epoch < train.epochs(); epoch++) {
                // DL4J's rate is set per fit, so it steps once per epoch: the schedule at mid-epoch.
                double rate = schedule.at(epoch * stepsPerEpoch + stepsPerEpoch / 2);
                sparkNet.getNetwork().setLearningRate(rate);
                long started = System.nanoTime();
                double lossBefore = hook.lossSum();
                long seenBefore = hook.examples();
                JavaRDD<DataSet> batchesRdd = EpochBatches.rdd(sc, faces, trainSet.count(), input, train.batchSize(),
                        epoch, workers);
                sparkNet.fit(batchesRdd);
                batchesRdd.unpersist(false);
                double trainSeconds = (System.nanoTime() - started) / 1e9;
                long seen = hook.examples() - seenBefore;
                double trainLoss = seen == 0 ? Double.NaN : (hook.lossSum() - lossBefore) / seen;
                if (!Double.isFinite(trainLoss)) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "training diverged: loss %s at epoch "
                            + "%d (learning rate %.3g); lower train.learningRate or raise train.warmupEpochs, then "
                            + "--resume %s", trainLoss, epoch + 1, rate, modelDir));
                }

                Dl4jToDjl.copy(sparkNet.getNetwork(), layout, djl);
                Evaluated val = evaluate(data.validation(), allValidation);
                Evaluated tr = evaluate(trainSet, trainMetricFaces);
                double seconds = (System.nanoTime() - started) / 1e9;
                EpochMetrics m = new EpochMetrics(epoch + 1, "train", rate, trainLoss, tr.metrics().accuracy(),
                        tr.metrics().macroF1(), val.loss(), val.metrics().accuracy(), val.metrics().macroF1(),
                        val.metrics().f1(), seen / trainSeconds, seconds);
                history.add(m);
                LOG.info(String.format(Locale.ROOT, "[train] epoch %d/%d (dl4j-spark): loss %.4f acc %.4f | val loss "
                                + "%.4f acc %.4f macro-F1 %.4f | lr %.2e, %.0f img/s, %.0fs", m.epoch(), train.epochs(),
                        m.trainLoss(), m.trainAccuracy(), m.valLoss(), m.valAccuracy(), m.valMacroF1(), rate,
                        m.imagesPerSecond(), seconds));
                if (train.includeValidation() || m.valMacroF1() > bestF1) {
                    bestF1 = m.valMacroF1();
                    bestEpoch = m.epoch();
                    sinceBest = 0;
                    TrainingRun.saveBestModel(modelDir, djl, val.metrics(), run);
                } else {
                    sinceBest++;
                }
                Dl4jCheckpoint.LoopState now = new Dl4jCheckpoint.LoopState(epoch + 1, bestF1, bestEpoch, sinceBest,
                        history);
                Dl4jCheckpoint.save(modelDir.resolve("checkpoints/last"), sparkNet.getNetwork(), now);
                Reports.writeJson(run, modelDir.resolve("history.json"), history);
                TrainingCurves.write(history, modelDir.resolve("curves.png"));
                TrainJob.appendHistory(warehouse, modelId, m, data.facesVersion());
                state = now;
                if (train.earlyStoppingPatience() > 0 && sinceBest >= train.earlyStoppingPatience()) {
                    LOG.info("[train] early stop: validation macro-F1 has not improved for {} epochs", sinceBest);
                    return state;
                }
                double minutes = (System.nanoTime() - budgetStart) / 60e9;
                if (train.maxMinutes() > 0 && minutes >= train.maxMinutes() && epoch + 1 < train.epochs()) {
                    LOG.info("[train] time budget of {} minutes used up after epoch {}", train.maxMinutes(), epoch + 1);
                    return state;
                }
                if (interruptAfterEpochs > 0 && epoch + 1 >= interruptAfterEpochs) {
                    return state;
                }
            }
            return state;
        }

        /** Mean cross entropy and metrics of the DJL model on {@code indices} of {@code set}, no augmentation. */
        private Evaluated evaluate(FaceArrays set, int[] indices) {
            int plane = input.inputSize() * input.inputSize();
            int per = input.channels() * plane;
            int[] predicted = new int[indices.length];
            int[] truth = new int[indices.length];
            double lossSum = 0;
            ParameterStore parameters = new ParameterStore(manager, false);
            for (int from = 0; from < indices.length; from += EVAL_BATCH) {
                int to = Math.min(indices.length, from + EVAL_BATCH);
                float[] x = new float[(to - from) * per];
                for (int k = from; k < to; k++) {
                    int i = indices[k];
                    BatchMaker.writeInput(org.deepfer.image.FaceImage.gray(set.size(), set.size(), set.pixels(i)),
                            input.inputSize(), input.channels(), input.mean(), input.std(), x, (k - from) * per);
                    truth[k] = set.label(i);
                }
                try (NDManager batch = manager.newSubManager()) {
                    NDArray images = batch.create(x, new Shape(to - from, input.channels(), input.inputSize(),
                            input.inputSize()));
                    NDArray logits = djl.block().forward(parameters, new NDList(images), false).singletonOrThrow();
                    float[] logProbs = logits.logSoftmax(1).toFloatArray();
                    int k = input.classes();
                    for (int r = 0; r < to - from; r++) {
                        int arg = 0;
                        for (int c = 1; c < k; c++) {
                            if (logProbs[r * k + c] > logProbs[r * k + arg]) {
                                arg = c;
                            }
                        }
                        predicted[from + r] = arg;
                        lossSum -= logProbs[r * k + truth[from + r]];
                    }
                }
            }
            return new Evaluated(ClassificationMetrics.of(truth, predicted, Labels.count()),
                    lossSum / indices.length);
        }
    }

    private record Evaluated(ClassificationMetrics metrics, double loss) {}

    /** Up to {@code limit} indices of 0..n-1, evenly spread (all of them when n <= limit). */
    static int[] evenlySpread(int n, int limit) {
        int k = Math.min(n, limit);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = (int) ((long) i * n / k);
        }
        return out;
    }

    private void writeReport(Path modelDir, ModelSpec spec, Dl4jCheckpoint.LoopState state, EpochMetrics best,
            int trainImages, FerModel model, int workers, TrainingRun.Data data) {
        TrainingCard card = new TrainingCard(modelDir, train.includeValidation());
        card.architecture(spec, model.trainableParameterCount())
                .line("Engine: `dl4j-spark`: Deeplearning4j 1.0.0-M2 data-parallel training on Spark (" + workers
                        + " workers, parameter averaging every " + AVERAGING_FREQUENCY + " minibatches), parameters"
                        + " copied into the DJL baseline for every later job")
                .data(data, trainImages, train.excludeFindings())
                .heldOut()
                .line("Training: " + state.epochsDone() + " epochs, " + train.optimizer() + " lr " + train.learningRate()
                        + " (" + train.schedule() + ", stepped per epoch), batch " + train.batchSize()
                        + " per worker, weight decay " + train.weightDecay() + ", class weights " + train.classWeights()
                        + ", augment " + train.augment() + ", seed " + config.seed())
                .line("Train accuracy and macro-F1 in the history are measured after each epoch on up to "
                        + TRAIN_METRIC_FACES + " training faces without augmentation; train loss is the mean loss of"
                        + " the epoch's minibatches")
                .best(best, false)
                .write(run, run.runId(), "`model.params` (DJL, " + card.keptParameters() + "), `config.yaml`, "
                        + "`classes.json`, `normalization.json`, `history.json`, `curves.png`, `checkpoints/last/` "
                        + "(DL4J network and updater state).");
    }
}
