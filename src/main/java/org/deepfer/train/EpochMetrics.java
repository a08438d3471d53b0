package org.deepfer.train;

/** One epoch's figures, as written to training_history, TensorBoard and history.json. */
public record EpochMetrics(
        int epoch,
        String phase,
        double learningRate,
        double trainLoss,
        double trainAccuracy,
        double trainMacroF1,
        double valLoss,
        double valAccuracy,
        double valMacroF1,
        double[] valF1PerClass,
        double imagesPerSecond,
        double seconds) {}
