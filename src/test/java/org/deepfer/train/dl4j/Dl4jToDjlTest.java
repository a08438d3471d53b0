package org.deepfer.train.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import org.deepfer.image.FaceImage;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The DL4J mirror of the baseline, converted to DJL, computes the same class probabilities. */
class Dl4jToDjlTest {
    private static final int BATCH = 6;

    @Test
    void convertedModelGivesTheSameProbabilitiesAsTheDl4jNetwork() {
        assertParity(new ModelSpec("baseline", 1, 48, 7, 0.5, 0.25));
    }

    @Test
    void conversionHoldsAtFullWidthWithRgbInput() {
        assertParity(new ModelSpec("baseline", 3, 48, 7, 0.3, 1.0));
    }

    @Test
    void onlyTheBaselineHasAMirror() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BaselineLayout.of(new ModelSpec("resnet18", 1, 48, 7, 0.5, 0.5)));
        assertTrue(e.getMessage().contains("resnet18"), e.getMessage());
    }

    private static void assertParity(ModelSpec spec) {
        BaselineLayout layout = BaselineLayout.of(spec);
        MultiLayerNetwork net = BaselineDl4j.network(layout,
                new BaselineDl4j.Settings("adamw", 0.01, 0.9, 1e-4, null, 7));
        SplittableRandom rnd = new SplittableRandom(11);
        float[] input = faces(spec, rnd);
        // A few training steps so batch-norm statistics, scales and shifts are far from their
        // initial 0/1 and an error in copying them would show.
        for (int step = 0; step < 5; step++) {
            INDArray x = Nd4j.create(faces(spec, rnd), new long[] {BATCH, spec.inputChannels(), spec.inputSize(),
                    spec.inputSize()}, 'c');
            INDArray y = Nd4j.zeros(BATCH, spec.classes());
            for (int i = 0; i < BATCH; i++) {
                y.putScalar(i, rnd.nextInt(spec.classes()), 1);
            }
            net.fit(new DataSet(x, y));
        }
        float[] mean = net.getLayer(BaselineDl4j.batchNormName(2)).getParam("mean").toFloatVector();
        assertTrue(Math.abs(mean[0]) + Math.abs(mean[1]) > 0, "batch-norm running mean never moved");

        INDArray x = Nd4j.create(input, new long[] {BATCH, spec.inputChannels(), spec.inputSize(), spec.inputSize()},
                'c');
        float[] expected = Nd4j.toFlattened('c', net.output(x, false)).toFloatVector();

        try (NDManager manager = NDManager.newBaseManager()) {
            FerModel model = Models.build(spec);
            model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(1));
            Dl4jToDjl.copy(net, layout, model);
            NDArray images = manager.create(input, new Shape(BATCH, spec.inputChannels(), spec.inputSize(),
                    spec.inputSize()));
            NDArray logits = model.block().forward(new ParameterStore(manager, false), new NDList(images), false)
                    .singletonOrThrow();
            float[] actual = logits.softmax(1).toFloatArray();
            assertEquals(expected.length, actual.length);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(worst <= 1e-4, "largest probability difference " + worst);
            // The probabilities are not all alike (a net stuck at uniform output would pass trivially).
            double spread = 0;
            for (int i = 0; i < spec.classes(); i++) {
                spread = Math.max(spread, Math.abs(actual[i] - 1.0 / spec.classes()));
            }
            assertTrue(spread > 1e-3, "output is uniform: " + spread);
        }
    }

    /** A batch of random faces, as model input through the trainer's own conversion. */
    private static float[] faces(ModelSpec spec, SplittableRandom rnd) {
        int plane = spec.inputSize() * spec.inputSize();
        float[] out = new float[BATCH * spec.inputChannels() * plane];
        for (int b = 0; b < BATCH; b++) {
            byte[] px = new byte[plane];
            for (int p = 0; p < plane; p++) {
                px[p] = (byte) rnd.nextInt(256);
            }
            FaceImage face = FaceImage.gray(spec.inputSize(), spec.inputSize(), px);
            BatchMaker.writeInput(face, spec.inputSize(), spec.inputChannels(), 0.5f, 0.25f, out,
                    b * spec.inputChannels() * plane);
        }
        return out;
    }
}
