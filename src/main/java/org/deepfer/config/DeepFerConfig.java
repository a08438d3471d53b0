package org.deepfer.config;

import java.io.Serializable;
import java.util.List;

/**
 * The whole resolved configuration of a run: conf/deepfer.yaml, the user's file and --set overrides.
 *
 * <p>Immutable; built only by {@link ConfigLoader}, which checks every key against the defaults.
 */
public record DeepFerConfig(
        long seed,
        Paths paths,
        Image image,
        Ingest ingest,
        Audit audit,
        Augment augment,
        Sample sample,
        Spark spark,
        S3 s3,
        Train train,
        Sweep sweep,
        Tune tune,
        Predict predict,
        Detect detect,
        Realtime realtime,
        Serve serve,
        Pipeline pipeline)
        implements Serializable {

    /**
     * {@code deepfer pipeline}: which stages run, and the Delta upkeep after them.
     *
     * @param stages stage names, run in DAG order whatever order they are listed in
     * @param optimize compact the tables' small files (Delta OPTIMIZE) after the stages
     * @param vacuum delete data files older versions no longer need (Delta VACUUM) after the stages
     * @param vacuumRetentionHours versions younger than this stay readable by time travel
     */
    public record Pipeline(List<String> stages, boolean optimize, boolean vacuum, double vacuumRetentionHours)
            implements Serializable {
        public Pipeline {
            stages = List.copyOf(stages);
        }
    }

    /**
     * The web demo ({@code deepfer serve}): a page that sends webcam or file frames to the model.
     *
     * @param host address to bind; 127.0.0.1 keeps the demo on this machine
     * @param port TCP port; 0 = any free port
     * @param maxFrameBytes largest JPEG frame accepted from the page (larger ones get 413)
     * @param maxUploadBytes largest uploaded still image (JPEG or PNG) accepted (larger ones get 413)
     * @param maxSessions clients whose trackers are kept at once; the least recently seen is dropped
     */
    public record Serve(String host, int port, int maxFrameBytes, int maxUploadBytes, int maxSessions)
            implements Serializable {}

    /**
     * The single-node real-time loop.
     *
     * @param detectEvery run the face detector every N frames; tracked boxes move on in between
     * @param smoothing none | ema | median, per tracked face
     * @param emaAlpha weight of the newest frame in the moving average
     * @param medianWindow frames the median looks back over
     * @param trackIou a detection continues a track when their boxes overlap at least this much
     * @param maxMissed detection frames a track survives without its face
     * @param engine onnx (the model's exported model.onnx through ONNX Runtime) | djl
     * @param threads intra-op threads of the classifier
     * @param tta test-time augmentation of each crop: none | flip | tencrop (2 or 10 classifications a face)
     */
    public record Realtime(int detectEvery, String smoothing, double emaAlpha, int medianWindow, double trackIou,
            int maxMissed, String engine, int threads, String tta) implements Serializable {
        /** The accepted {@code tta} values, those of {@code FacePredictor.Tta}. */
        public static final java.util.List<String> TTA_MODES = java.util.List.of("none", "flip", "tencrop");
    }

    /**
     * Face detection and cropping for the real-time module and the detection benchmark.
     *
     * @param detector yunet | ssd | haar
     * @param yunetModel YuNet ONNX file (OpenCV's FaceDetectorYN)
     * @param ssdModel OpenCV's ResNet-10 SSD face detector weights (TensorFlow .pb)
     * @param ssdConfig its graph description (.pbtxt)
     * @param haarCascade a Haar cascade XML
     * @param scoreThreshold detections scoring below it are dropped (YuNet, SSD: 0..1)
     * @param nmsThreshold overlap (IoU) above which the weaker of two detections is dropped
     * @param minFaceSize smallest face side, in pixels of the image the detector sees
     * @param maxWidth frames wider than this are shrunk to it for detection (0 = detect at full size)
     * @param cropMargin margin added on each side of the box before cropping, as a fraction of its size
     * @param align rotate the crop so that the eyes are level, when the detector finds eyes
     */
    public record Detect(String detector, String yunetModel, String ssdModel, String ssdConfig, String haarCascade,
            double scoreThreshold, double nmsThreshold, int minFaceSize, int maxWidth, double cropMargin, boolean align)
            implements Serializable {}

    /**
     * Batch inference (predict, evaluate, robustness, ensemble).
     *
     * @param partitions Spark partitions the faces are spread over, each with its own model; 0 = one
     *     per core (the default parallelism)
     * @param threads PyTorch threads of each executor JVM (process-wide); 0 = PyTorch's default
     */
    public record Predict(int partitions, int threads) implements Serializable {}

    /** Where tables and reports live. */
    public record Paths(String warehouse, String results, String sample) implements Serializable {}

    /** The stored image geometry. */
    public record Image(int size) implements Serializable {}

    /** What ingest reads and how it names it. */
    public record Ingest(String input, String format, String labels, String dataset, String defaultSplit)
            implements Serializable {}

    /** Audit thresholds. */
    public record Audit(
            int nearDupHamming,
            double blankStdThreshold,
            int examplesPerFinding,
            double effectiveNumberBeta,
            int gridGroups)
            implements Serializable {}

    /** The augmentation job. */
    public record Augment(int variantsPerImage, int previewImages, AugmentPolicy policy) implements Serializable {}

    /** Augmentation policy: probabilities and ranges of each transform. */
    public record AugmentPolicy(
            double flipProbability,
            double maxRotationDegrees,
            double maxShift,
            double minScale,
            double maxScale,
            double brightness,
            double contrast,
            double gamma,
            double noiseProbability,
            double noiseStd,
            double blurProbability,
            double cutoutProbability,
            double cutoutSize,
            double blurMaxSigma,
            double downscaleProbability,
            double maxDownscale)
            implements Serializable {}

    /** Size of the synthetic built-in dataset. */
    public record Sample(int trainPerClass, int validationPerClass, int testPerClass) implements Serializable {}

    /** Spark settings our jobs apply. */
    public record Spark(int shufflePartitions) implements Serializable {}

    /** s3a:// access; empty strings mean "use Hadoop's defaults". */
    public record S3(
            String endpoint,
            String region,
            String accessKey,
            String secretKey,
            boolean pathStyleAccess,
            boolean sslEnabled)
            implements Serializable {}

    /** Training: model, schedule, regularisation and imbalance remedies. */
    public record Train(
            String backbone,
            int inputSize,
            int inputChannels,
            double dropout,
            double width,
            int epochs,
            int epochsHead,
            int epochsFt,
            double ftLearningRateFactor,
            String pretrained,
            boolean pretrainedHead,
            int batchSize,
            String optimizer,
            double learningRate,
            double momentum,
            double weightDecay,
            double gradientClipNorm,
            String schedule,
            int warmupEpochs,
            String loss,
            double focalGamma,
            double labelSmoothing,
            String classWeights,
            String sampler,
            boolean augment,
            double mixupAlpha,
            double cutmixProbability,
            String teacher,
            double distillTemperature,
            double distillAlpha,
            int averageFrom,
            int earlyStoppingPatience,
            java.util.List<String> excludeFindings,
            int maxTrainImages,
            boolean includeValidation,
            double maxMinutes,
            int threads,
            String device,
            String modelsDir,
            String engine)
            implements Serializable {
        /** Values of {@code train.engine}: DJL on one node, or DL4J's data-parallel Spark training. */
        public static final java.util.List<String> ENGINES = java.util.List.of("djl", "dl4j-spark");

        public Train {
            excludeFindings = java.util.List.copyOf(excludeFindings);
        }

        /** True when this is a two-phase transfer-learning run (head first, then fine-tuning). */
        public boolean transfer() {
            return epochsHead > 0;
        }

        /** Total epochs of the run, both phases together. */
        public int totalEpochs() {
            return transfer() ? epochsHead + epochsFt : epochs;
        }

        /** True when the run keeps an average of its weights from epoch {@code averageFrom} on. */
        public boolean averages() {
            return averageFrom > 0;
        }

        /** True when the run learns from a teacher model as well as from the labels (knowledge distillation). */
        public boolean distills() {
            return !teacher.isBlank();
        }

        /** The model directories {@code teacher} names: one, or several separated by commas (an ensemble). */
        public java.util.List<String> teachers() {
            return java.util.Arrays.stream(teacher.split(",")).map(String::trim).filter(d -> !d.isEmpty()).toList();
        }
    }

    /**
     * The model sweep: every entry trained with the same budget, one Spark task per trial.
     *
     * @param models what to compare
     * @param epochs epochs per trial (the budget)
     * @param maxMinutes wall-clock cap per trial (0 = none)
     * @param threadsPerTrial PyTorch threads of one trial; slots / threads trials run at once
     */
    public record Sweep(List<SweepModel> models, int epochs, double maxMinutes, int threadsPerTrial)
            implements Serializable {
        public Sweep {
            models = List.copyOf(models);
        }
    }

    /**
     * One model of the sweep.
     *
     * @param name the row's name (defaults to the backbone)
     * @param backbone architecture name
     * @param set config overrides of this entry, {@code key=value} as for --set (e.g. train.inputSize=64)
     */
    public record SweepModel(String name, String backbone, List<String> set) implements Serializable {
        public SweepModel {
            name = name == null || name.isBlank() ? backbone : name;
            set = set == null ? List.of() : List.copyOf(set);
        }
    }

    /**
     * Hyperparameter search: quasi-random or random points of {@code space}, successive halving
     * over rungs of {@code minEpochs}·eta^k epochs up to {@code maxEpochs}.
     *
     * @param trials trials of the first rung
     * @param sampler random | halton
     * @param eta reduction factor: 1/eta of a rung's trials go on to the next
     * @param minEpochs epochs of the first rung
     * @param maxEpochs epochs of the last rung (every trial's schedule is planned for this many)
     * @param metric what ranks trials: val_macro_f1 | val_accuracy
     * @param threadsPerTrial PyTorch threads of one trial
     * @param space the parameters searched
     */
    public record Tune(int trials, String sampler, int eta, int minEpochs, int maxEpochs, String metric,
            int threadsPerTrial, List<TuneParam> space) implements Serializable {
        public Tune {
            space = List.copyOf(space);
        }
    }

    /**
     * One searched parameter.
     *
     * @param key a config key, e.g. train.learningRate
     * @param type loguniform | uniform | int | choice
     * @param low lower bound (numeric types)
     * @param high upper bound (numeric types; int: inclusive)
     * @param values the choices (choice)
     */
    public record TuneParam(String key, String type, double low, double high, List<String> values)
            implements Serializable {
        public TuneParam {
            values = values == null ? List.of() : List.copyOf(values);
        }
    }
}
