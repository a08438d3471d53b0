package org.deepfer.train.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Our {@code baseline} CNN as a DL4J {@link MultiLayerNetwork}: per stage a 3x3 stride-1 'same'
 * convolution without bias, batch norm, ReLU and 2x2 max-pooling; then flatten (DL4J's
 * CnnToFeedForwardPreProcessor, channel-major like DJL's), dropout, dense + ReLU, dropout and the
 * linear classifier, whose softmax DL4J folds into the output layer.
 *
 * <p>Layers are named so {@link Dl4jToDjl} finds them by name: {@code stage<k>_conv}, {@code
 * stage<k>_bn}, {@code stage<k>_relu}, {@code stage<k>_pool}, {@code dense}, {@code classifier}.
 */
public final class BaselineDl4j {

    /** PyTorch's and DJL's batch-norm epsilon; DL4J's default is the same, set anyway on purpose. */
    static final double BN_EPSILON = 1e-5;
    /** DL4J's decay 0.9 is PyTorch's momentum 0.1: running = 0.9 running + 0.1 batch. */
    static final double BN_DECAY = 0.9;

    /**
     * What to train with.
     *
     * @param optimizer adamw | sgd (Nesterov momentum)
     * @param classWeights per-class loss weights, or null for none
     */
    public record Settings(String optimizer, double learningRate, double momentum, double weightDecay,
            float[] classWeights, long seed) {}

    private BaselineDl4j() {}

    public static String convName(int stage) {
        return "stage" + stage + "_conv";
    }

    public static String batchNormName(int stage) {
        return "stage" + stage + "_bn";
    }

    public static final String DENSE = "dense";
    public static final String CLASSIFIER = "classifier";

    /** The network configuration mirroring {@code layout}. */
    public static MultiLayerConfiguration configuration(BaselineLayout layout, Settings settings) {
        double dropout = layout.spec().dropout();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(settings.seed())
                .dataType(DataType.FLOAT)
                .updater(updater(settings))
                .weightInit(WeightInit.RELU)
                // AdamW's decoupled decay (w -= lr * wd * w), on weights and biases as our AdamW does.
                .weightDecay(settings.weightDecay(), true)
                .weightDecayBias(settings.weightDecay(), true)
                .convolutionMode(ConvolutionMode.Truncate)
                .list();
        for (int s = 0; s < layout.stageFilters().size(); s++) {
            int stage = s + 1;
            list.layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).convolutionMode(ConvolutionMode.Same)
                    .nOut(layout.stageFilters().get(s)).hasBias(false).activation(Activation.IDENTITY)
                    .name(convName(stage)).build());
            list.layer(new BatchNormalization.Builder().eps(BN_EPSILON).decay(BN_DECAY)
                    // Variance stored as such (not log10 of the std), so it copies straight into DJL.
                    .useLogStd(false).name(batchNormName(stage)).build());
            list.layer(new ActivationLayer.Builder().activation(Activation.RELU).name("stage" + stage + "_relu")
                    .build());
            list.layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2)
                    .stride(2, 2).name("stage" + stage + "_pool").build());
        }
        DenseLayer.Builder dense = new DenseLayer.Builder().nOut(layout.denseUnits()).activation(Activation.RELU)
                .name(DENSE);
        LossMCXENT loss = settings.classWeights() == null ? new LossMCXENT()
                : new LossMCXENT(Nd4j.createFromArray(settings.classWeights()));
        OutputLayer.Builder classifier = new OutputLayer.Builder(loss).nOut(layout.spec().classes())
                .activation(Activation.SOFTMAX).name(CLASSIFIER);
        if (dropout > 0) {
            // DL4J's dropOut takes the probability to keep, and drops a layer's input: the flattened
            // map before the dense layer and the dense output before the classifier, as in DJL.
            dense.dropOut(1 - dropout);
            classifier.dropOut(1 - dropout);
        }
        list.layer(dense.build());
        list.layer(classifier.build());
        list.setInputType(InputType.convolutional(layout.spec().inputSize(), layout.spec().inputSize(),
                layout.spec().inputChannels()));
        return list.build();
    }

    /** A fresh network of {@code layout}, initialized from the seed. */
    public static MultiLayerNetwork network(BaselineLayout layout, Settings settings) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(layout, settings));
        net.init();
        return net;
    }

    private static IUpdater updater(Settings settings) {
        return switch (settings.optimizer()) {
            case "adamw" -> new Adam(settings.learningRate(), 0.9, 0.999, 1e-8);
            case "sgd" -> new Nesterovs(settings.learningRate(), settings.momentum());
            default -> throw new IllegalArgumentException("train.optimizer " + settings.optimizer()
                    + " has no DL4J counterpart here; expected adamw or sgd");
        };
    }
}
