package org.deepfer.export;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;

/**
 * Checks an exported model against the model it came from: the same random faces through ONNX
 * Runtime and through DJL exactly as {@link FacePredictor} runs them (its preprocessing, inference
 * mode, temperature), compared class probability by class probability.
 */
public final class OnnxParity {
    /** The largest probability difference an export may show: float rounding, nothing more. */
    public static final double TOLERANCE = 1e-4;

    private OnnxParity() {}

    /**
     * @param faces faces compared
     * @param maxAbsDiff the largest |p_onnx - p_djl| over every face and class
     * @param top1Agreements faces whose most probable class is the same in both
     * @param meanAbsDiff the mean |p_onnx - p_djl| over every face and class
     */
    public record Result(int faces, double maxAbsDiff, int top1Agreements, double meanAbsDiff) {
        /** Whether the probabilities agree to {@link #TOLERANCE}. */
        public boolean withinTolerance() {
            return maxAbsDiff <= TOLERANCE;
        }
    }

    /**
     * Compares {@code onnxModel} (an export's bytes) with the parameters of {@code bundle} on {@code
     * count} random gray faces of the size the export takes.
     *
     * @param temperature the temperature the export was made with
     * @param intraOpThreads ONNX Runtime threads, 0 for its default
     */
    public static Result check(ModelBundle bundle, double temperature, byte[] onnxModel, int count, long seed,
            int intraOpThreads) {
        float[][] onnx;
        int size;
        List<byte[]> faces;
        try (OnnxRunner runner = OnnxRunner.open(onnxModel, intraOpThreads)) {
            size = Math.toIntExact(runner.imageShape()[1]);
            faces = randomFaces(count, size, seed);
            onnx = runner.probabilitiesOfGray(faces);
        }
        float[][] djl;
        try (FacePredictor predictor = new FacePredictor(bundle,
                new FacePredictor.Settings(FacePredictor.Tta.NONE, temperature, count))) {
            djl = predictor.probabilities(faces, size);
        }
        return compare(djl, onnx);
    }

    /** {@code count} faces of {@code size}² uniformly random gray levels 0..255. */
    public static List<byte[]> randomFaces(int count, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> faces = new ArrayList<>(count);
        for (int f = 0; f < count; f++) {
            byte[] face = new byte[size * size];
            for (int p = 0; p < face.length; p++) {
                face[p] = (byte) random.nextInt(256);
            }
            faces.add(face);
        }
        return faces;
    }

    /** Row-by-row comparison of two probability tables of the same shape. */
    public static Result compare(float[][] reference, float[][] candidate) {
        if (reference.length != candidate.length) {
            throw new IllegalArgumentException(reference.length + " reference rows but " + candidate.length
                    + " to compare");
        }
        double maxDiff = 0;
        double sumDiff = 0;
        long values = 0;
        int agreements = 0;
        for (int i = 0; i < reference.length; i++) {
            if (reference[i].length != candidate[i].length) {
                throw new IllegalArgumentException("row " + i + " has " + reference[i].length + " classes in the"
                        + " reference but " + candidate[i].length + " to compare");
            }
            for (int c = 0; c < reference[i].length; c++) {
                double diff = Math.abs((double) reference[i][c] - candidate[i][c]);
                maxDiff = Math.max(maxDiff, diff);
                sumDiff += diff;
                values++;
            }
            if (FacePredictor.argmax(reference[i]) == FacePredictor.argmax(candidate[i])) {
                agreements++;
            }
        }
        return new Result(reference.length, maxDiff, agreements, values == 0 ? 0 : sumDiff / values);
    }
}
