package org.deepfer.config;

import java.io.Serializable;

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
        Train train)
        implements Serializable {

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
            double cutoutSize)
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
            int batchSize,
            String optimizer,
            double learningRate,
            double momentum,
            double weightDecay,
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
            int earlyStoppingPatience,
            java.util.List<String> excludeFindings,
            int maxTrainImages,
            double maxMinutes,
            int threads,
            String device,
            String modelsDir)
            implements Serializable {
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
    }
}
