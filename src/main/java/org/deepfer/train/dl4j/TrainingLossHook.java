package org.deepfer.train.dl4j;

import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Sums the training loss of every minibatch the Spark workers fit into driver-side accumulators:
 * the parameter-averaging master itself only reports each worker's last minibatch. The loss is the
 * one the step was computed from (training mode, before the update), without the weight-decay term
 * DL4J adds to its score, so it reads like the DJL trainer's loss.
 */
final class TrainingLossHook implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final DoubleAccumulator lossSum;
    private final LongAccumulator examples;
    /** Weight-decay part of the score, taken before the update changes the weights; per worker copy. */
    private transient double regularization;

    TrainingLossHook(DoubleAccumulator lossSum, LongAccumulator examples) {
        this.lossSum = lossSum;
        this.examples = examples;
    }

    /** Sum of loss x examples so far; the caller takes differences around one fit. */
    double lossSum() {
        return lossSum.value();
    }

    long examples() {
        return examples.value();
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        regularization = ((MultiLayerNetwork) model).calcRegularizationScore(true);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        int n = minibatch.numExamples();
        lossSum.add((model.score() - regularization) * n);
        examples.add(n);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the baseline trains on DataSets only");
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the baseline trains on DataSets only");
    }
}
