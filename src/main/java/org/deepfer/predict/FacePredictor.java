package org.deepfer.predict;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepfer.image.FaceImage;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;

/**
 * One loaded model turning stored faces into class probabilities, in batches. It owns the model's
 * native memory (close it), preprocesses exactly as training's validation pass does
 * ({@link BatchMaker#writeInput}) and runs the network in inference mode, so its argmax on the
 * validation split reproduces the accuracy training reported for the same parameters.
 *
 * <p>Not thread-safe: one predictor per thread (the prediction job keeps one per partition). It
 * may be used on any thread: PyTorch's grad mode is per thread, and each call switches it off for
 * its own duration.
 */
public final class FacePredictor implements AutoCloseable {

    /** Test-time augmentation: what each face is averaged over. */
    public enum Tta {
        /** The face as stored. */
        NONE,
        /** The face and its horizontal mirror, probabilities averaged (expressions are left-right symmetric). */
        FLIP;

        /** The option value as users write it ({@code none}, {@code flip}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The value of {@code text}, case-insensitive.
         *
         * @throws IllegalArgumentException naming the accepted values
         */
        public static Tta parse(String text) {
            for (Tta t : values()) {
                if (t.label().equalsIgnoreCase(text.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown test-time augmentation '" + text + "'; expected none or flip");
        }
    }

    /**
     * How to predict.
     *
     * @param tta test-time augmentation
     * @param temperature softmax temperature T: probabilities are softmax(logits / T); 1 leaves the
     *     model's scores as trained, T &gt; 1 softens overconfident ones (calibration)
     * @param batchSize faces per forward pass
     */
    public record Settings(Tta tta, double temperature, int batchSize) implements Serializable {
        public static final int DEFAULT_BATCH = 128;

        public Settings {
            if (tta == null) {
                throw new IllegalArgumentException("tta must be none or flip");
            }
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
        }

        /** No augmentation, temperature 1, batches of {@value #DEFAULT_BATCH}. */
        public static Settings defaults() {
            return new Settings(Tta.NONE, 1.0, DEFAULT_BATCH);
        }
    }

    private final ModelBundle bundle;
    private final Settings settings;
    private final Model model;
    private final ParameterStore parameters;
    private final FerModel network;
    private final float mean;
    private final float std;

    /** Loads {@code bundle}'s parameters on the engine's default device. */
    public FacePredictor(ModelBundle bundle, Settings settings) {
        this.bundle = bundle;
        this.settings = settings;
        // The same float values BatchMaker normalizes with in training.
        this.mean = (float) bundle.normalization().mean();
        this.std = (float) bundle.normalization().std();
        Device device = Engine.getInstance().defaultDevice();
        Model m = Model.newInstance("deepfer-predict-" + bundle.modelId(), device);
        FerModel loaded;
        try {
            loaded = withoutGrad(() -> bundle.loadModel(m.getNDManager()));
            m.setBlock(loaded.block());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.model = m;
        this.network = loaded;
        this.parameters = new ParameterStore(m.getNDManager(), false);
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Class probabilities of gray faces stored as in the faces table: {@code size}² bytes each,
     * row-major. Row i of the result belongs to face i; its columns follow the bundle's class order.
     */
    public float[][] probabilities(List<byte[]> grayPixels, int size) {
        List<FaceImage> faces = new ArrayList<>(grayPixels.size());
        for (byte[] px : grayPixels) {
            faces.add(FaceImage.gray(size, size, px));
        }
        return probabilitiesOf(faces);
    }

    /** Class probabilities of {@code faces} (any size; resized as in training). */
    public float[][] probabilitiesOf(List<FaceImage> faces) {
        float[][] out = new float[faces.size()][];
        withoutGrad(() -> {
            for (int from = 0; from < faces.size(); from += settings.batchSize()) {
                int to = Math.min(faces.size(), from + settings.batchSize());
                predictBatch(faces.subList(from, to), out, from);
            }
            return null;
        });
        return out;
    }

    private void predictBatch(List<FaceImage> batch, float[][] out, int offset) {
        ModelSpec spec = bundle.spec();
        int b = batch.size();
        int size = spec.inputSize();
        int perFace = spec.inputChannels() * size * size;
        float[] data = new float[b * perFace];
        for (int k = 0; k < b; k++) {
            BatchMaker.writeInput(batch.get(k), size, spec.inputChannels(), mean, std, data, k * perFace);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray x = manager.create(data, spec.inputShape(b));
            if (settings.tta() == Tta.FLIP) {
                x = x.concat(x.flip(3), 0); // the mirrored faces follow the originals in one pass
            }
            NDArray logits = network.block().forward(parameters, new NDList(x), false).singletonOrThrow();
            if (settings.temperature() != 1.0) {
                logits = logits.div(settings.temperature());
            }
            NDArray probs = logits.softmax(1);
            if (settings.tta() == Tta.FLIP) {
                probs = probs.get("0:" + b).add(probs.get(b + ":")).div(2);
            }
            float[] flat = probs.toFloatArray();
            int classes = spec.classes();
            for (int k = 0; k < b; k++) {
                float[] row = new float[classes];
                System.arraycopy(flat, k * classes, row, 0, classes);
                out[offset + k] = row;
            }
        }
    }

    /** The index of the largest probability (the first of equals): the predicted class. */
    public static int argmax(float[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Runs {@code work} with PyTorch's grad mode off on this thread, then restores it: inference
     * needs no autograd graph, and a Spark task thread starts with grad mode on.
     */
    private static <T> T withoutGrad(java.util.function.Supplier<T> work) {
        Engine.getInstance(); // loads the native library grad mode lives in
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
