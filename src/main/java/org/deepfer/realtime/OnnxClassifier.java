package org.deepfer.realtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.export.OnnxRunner;
import org.deepfer.image.FaceImage;

/**
 * The exported model ({@code model.onnx}, written by {@code deepfer export}) run by ONNX Runtime:
 * raw 0..255 gray crops in, probabilities out (normalization and softmax are in the graph).
 */
public final class OnnxClassifier implements FaceClassifier {
    private final OnnxRunner runner;
    private final List<String> classes;
    private final int cropSize;

    public OnnxClassifier(Path onnxFile, List<String> classes, int threads) {
        this.runner = OnnxRunner.open(onnxFile, threads);
        long[] shape = runner.imageShape();
        if (shape[0] != 1 || shape[1] != shape[2]) {
            runner.close();
            throw new IllegalArgumentException(onnxFile + " takes " + shape[0] + "x" + shape[1] + "x" + shape[2]
                    + " input; the real-time loop feeds square gray crops");
        }
        if (runner.classes() != classes.size()) {
            runner.close();
            throw new IllegalArgumentException(onnxFile + " has " + runner.classes() + " outputs but the model has "
                    + classes.size() + " classes " + classes);
        }
        this.classes = List.copyOf(classes);
        this.cropSize = Math.toIntExact(shape[1]);
    }

    @Override
    public float[][] probabilities(List<FaceImage> crops) {
        if (crops.isEmpty()) {
            return new float[0][];
        }
        List<byte[]> pixels = new ArrayList<>(crops.size());
        for (FaceImage c : crops) {
            pixels.add(c.pixels());
        }
        return runner.probabilitiesOfGray(pixels);
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int cropSize() {
        return cropSize;
    }

    @Override
    public String engine() {
        return "onnxruntime";
    }

    @Override
    public void close() {
        runner.close();
    }
}
