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
import org.deepfer.image.Transforms;
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
        FLIP,
        /**
         * Ten views averaged: five crops of {@value #CROP_TWELFTHS}/12 of the face (the centre and the
         * four corners), each resized to the model's input as every face is, and their mirrors. A
         * crop enlarges the face 1.09&times; and moves it by up to 1/24 of its side: within the
         * scale and shift augmentation the shipped recipes train with, so each view is a face the
         * model has learned to see.
         */
        TENCROP;

        /** Side of a ten-crop view, in twelfths of the face's side (44 of 48 pixels). */
        public static final int CROP_TWELFTHS = 11;

        /** The option value as users write it ({@code none}, {@code flip}, {@code tencrop}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether every view is also seen mirrored. */
        public boolean mirrored() {
            return this != NONE;
        }

        /** Views per face in a forward pass: the crops, twice over when mirrored. */
        public int views() {
            return (this == TENCROP ? 5 : 1) * (mirrored() ? 2 : 1);
        }

        /** The unmirrored views of {@code face}: the face itself, or the five ten-crop crops. */
        public List<FaceImage> crops(FaceImage face) {
            if (this != TENCROP) {
                return List.of(face);
            }
            int w = face.width();
            int h = face.height();
            int cw = Math.max(1, Math.round(w * CROP_TWELFTHS / 12f));
            int ch = Math.max(1, Math.round(h * CROP_TWELFTHS / 12f));
            return List.of(
                    Transforms.crop(face, (w - cw) / 2, (h - ch) / 2, cw, ch),
                    Transforms.crop(face, 0, 0, cw, ch),
                    Transforms.crop(face, w - cw, 0, cw, ch),
                    Transforms.crop(face, 0, h - ch, cw, ch),
                    Transforms.crop(face, w - cw, h - ch, cw, ch));
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
            throw new IllegalArgumentException("unknown test-time augmentation '" + text + "'; expected "
                    + ACCEPTED);
        }

        /** The accepted option values, for messages and help: "none, flip or tencrop". */
        public static final String ACCEPTED = accepted();

        private static String accepted() {
            Tta[] all = values();
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < all.length; i++) {
                s.append(i == 0 ? "" : i + 1 < all.length ? ", " : " or ").append(all[i].label());
            }
            return s.toString();
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
                throw new IllegalArgumentException("tta must be " + Tta.ACCEPTED);
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
        Tta tta = settings.tta();
        List<FaceImage> inputs = new ArrayList<>(batch.size() * tta.views());
        for (FaceImage face : batch) {
            inputs.addAll(tta.crops(face));
        }
        int b = batch.size();
        int n = inputs.size();
        int size = spec.inputSize();
        int perFace = spec.inputChannels() * size * size;
        float[] data = new float[n * perFace];
        for (int k = 0; k < n; k++) {
            BatchMaker.writeInput(inputs.get(k), size, spec.inputChannels(), mean, std, data, k * perFace);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray x = manager.create(data, spec.inputShape(n));
            if (tta.mirrored()) {
                x = x.concat(x.flip(3), 0); // the mirrored views follow the originals in one pass
            }
            NDArray logits = network.block().forward(parameters, new NDList(x), false).singletonOrThrow();
            if (settings.temperature() != 1.0) {
                logits = logits.div(settings.temperature());
            }
            int classes = spec.classes();
            // Rows are (mirror, face, crop) in that nesting; each face's views are averaged.
            NDArray probs = logits.softmax(1).reshape(tta.mirrored() ? 2 : 1, b, n / b, classes)
                    .mean(new int[] {2}).mean(new int[] {0}); // one axis at a time: PyTorch's engine's limit
            float[] flat = probs.toFloatArray();
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
