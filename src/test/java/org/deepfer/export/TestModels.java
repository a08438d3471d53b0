package org.deepfer.export;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigLoader;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.sample.SyntheticFaces;
import org.deepfer.tables.Labels;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;

/** Random models and model directories for the export tests, built here rather than trained. */
public final class TestModels {
    /** Spread of the class scores {@link #scaleHeadToInformativeScores} gives. */
    static final double SCORE_STD = 3.0;

    private TestModels() {}

    /** The normalization every test model is "trained" with, for faces of {@code faceSize}². */
    static AugmentJob.Normalization normalization(int faceSize) {
        return new AugmentJob.Normalization(0.5135, 0.3067, 100, 1, "train", faceSize);
    }

    /**
     * {@code spec} built and randomly initialized, with random batch-norm statistics, scales and
     * shifts: a fresh model's are 0, 1, 1 and 0, which would let a wrong fold pass.
     */
    public static FerModel randomModel(ModelSpec spec, NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        FerModel model = Models.build(spec);
        model.block().initialize(manager, DataType.FLOAT32, spec.inputShape(1));
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            NDArray values = p.getValue().getArray();
            float low;
            float high;
            switch (p.getValue().getType()) {
                case GAMMA -> {
                    low = 0.5f;
                    high = 1.5f;
                }
                case BETA, RUNNING_MEAN -> {
                    low = -0.5f;
                    high = 0.5f;
                }
                case RUNNING_VAR -> {
                    low = 0.5f;
                    high = 2f;
                }
                default -> {
                    continue;
                }
            }
            manager.randomUniform(low, high, values.getShape()).copyTo(values);
        }
        return model;
    }

    /**
     * Rescales the classifier so that the class scores of {@code count} random faces ({@code
     * OnnxParity.randomFaces(count, faceSize, seed)}) spread with standard deviation {@value
     * #SCORE_STD}. A random deep network's scores are often in the hundreds, where every
     * probability is 0 or 1 and would agree whatever the export got wrong.
     */
    static void scaleHeadToInformativeScores(FerModel model, NDManager manager, int faceSize, int count,
            long seed) {
        scaleHeadToInformativeScores(model, manager, faceSize, OnnxParity.randomFaces(count, faceSize, seed));
    }

    private static float[] scores(FerModel model, NDManager scratch, int faceSize, List<byte[]> faces) {
        ModelSpec spec = model.spec();
        int count = faces.size();
        int perFace = spec.inputChannels() * spec.inputSize() * spec.inputSize();
        float[] data = new float[count * perFace];
        AugmentJob.Normalization norm = normalization(faceSize);
        for (int k = 0; k < count; k++) {
            BatchMaker.writeInput(FaceImage.gray(faceSize, faceSize, faces.get(k)), spec.inputSize(),
                    spec.inputChannels(), (float) norm.mean(), (float) norm.std(), data, k * perFace);
        }
        return model.block().forward(new ParameterStore(scratch, false),
                new NDList(scratch.create(data, spec.inputShape(count))), false).singletonOrThrow().toFloatArray();
    }

    /**
     * Shifts and rescales the classifier so that, over {@code faces} ({@code faceSize}² gray pixels
     * each), every class score has mean 0 and standard deviation {@value #SCORE_STD}: the most
     * probable class then changes from face to face, as a trained model's does. A random network
     * tends to favour one class for every face, and a comparison of top-1 classes would check nothing.
     */
    static void spreadScoresAcrossFaces(FerModel model, NDManager manager, int faceSize, List<byte[]> faces) {
        int classes = model.spec().classes();
        int count = faces.size();
        try (NDManager scratch = manager.newSubManager()) {
            float[] scores = scores(model, scratch, faceSize, faces);
            double[] mean = new double[classes];
            for (int k = 0; k < count; k++) {
                for (int c = 0; c < classes; c++) {
                    mean[c] += scores[k * classes + c] / count;
                }
            }
            double variance = 0;
            for (int k = 0; k < count; k++) {
                for (int c = 0; c < classes; c++) {
                    double d = scores[k * classes + c] - mean[c];
                    variance += d * d / (count * classes);
                }
            }
            float factor = (float) (SCORE_STD / Math.sqrt(variance));
            for (Pair<String, Parameter> p : model.head().getParameters()) {
                NDArray values = p.getValue().getArray();
                values.muli(factor);
                if (p.getValue().getType() == Parameter.Type.BIAS) {
                    float[] shift = new float[classes];
                    for (int c = 0; c < classes; c++) {
                        shift[c] = (float) (factor * mean[c]);
                    }
                    values.subi(scratch.create(shift));
                }
            }
        }
    }

    private static void scaleHeadToInformativeScores(FerModel model, NDManager manager, int faceSize,
            List<byte[]> faces) {
        try (NDManager scratch = manager.newSubManager()) {
            float[] scores = scores(model, scratch, faceSize, faces);
            double mean = 0;
            for (float v : scores) {
                mean += v / scores.length;
            }
            double variance = 0;
            for (float v : scores) {
                variance += (v - mean) * (v - mean) / scores.length;
            }
            float factor = (float) (SCORE_STD / Math.sqrt(variance));
            for (Pair<String, Parameter> p : model.head().getParameters()) {
                p.getValue().getArray().muli(factor);
            }
        }
    }

    /**
     * {@code count} procedural faces of {@code size}² ({@link SyntheticFaces}), expressions in turn:
     * real structure (edges, smooth shading) rather than noise, as calibration faces have.
     */
    public static List<byte[]> syntheticFaces(int count, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> faces = new ArrayList<>(count);
        for (int f = 0; f < count; f++) {
            faces.add(SyntheticFaces.draw(f % SyntheticFaces.EXPRESSION_COUNT, size, random).pixels());
        }
        return faces;
    }

    /** A model directory as training writes it, holding {@code model}'s parameters. */
    public static ModelBundle writeBundle(FerModel model, int faceSize, Path modelDir) throws Exception {
        ModelSpec spec = model.spec();
        Files.createDirectories(modelDir);
        Files.writeString(modelDir.resolve(ModelBundle.CONFIG), ConfigLoader.toYaml(ConfigLoader.load(
                ConfigLoader.defaults(), List.of("train.backbone=" + spec.name(),
                        "train.inputChannels=" + spec.inputChannels(), "train.inputSize=" + spec.inputSize(),
                        "train.width=" + spec.width(), "train.dropout=" + spec.dropout()))));
        Map<String, String> classes = new LinkedHashMap<>();
        for (int i = 0; i < Labels.count(); i++) {
            classes.put(Integer.toString(i), Labels.NAMES.get(i));
        }
        Reports.writeJson(null, modelDir.resolve(ModelBundle.CLASSES), classes);
        Reports.writeJson(null, modelDir.resolve(ModelBundle.NORMALIZATION), normalization(faceSize));
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(modelDir.resolve(ModelBundle.PARAMS)))) {
            model.block().saveParameters(out);
        }
        return ModelBundle.load(modelDir);
    }
}
