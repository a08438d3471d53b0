package org.deepfer.explain;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.ModelBundle;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;

/**
 * Class activation maps of a trained model: where in the face the evidence for a class lies.
 *
 * <ul>
 *   <li><b>Grad-CAM</b> (Selvaraju et al., 2017): the gradient of the class score with respect to
 *       the last spatial feature map A, averaged over space, weighs A's channels;
 *       {@code ReLU(Σ_k α_k A_k)}. One forward and one backward pass per face.
 *   <li><b>Score-CAM</b> (Wang et al., 2020): forward only. Each channel of A, upsampled to the
 *       input and scaled to 0..1, masks the face; the class probability of the masked face weighs
 *       the channel. One forward pass per channel, batched.
 * </ul>
 *
 * Maps come back at the model's input size, scaled to 0..1 (all zeros when no evidence is
 * positive), row-major.
 */
public final class CamExplainer implements AutoCloseable {
    private final ModelBundle bundle;
    private final Model model;
    private final FerModel network;
    private final FerModel.FeatureMapCut cut;
    private final ParameterStore parameters;
    private final float mean;
    private final float std;
    private final int batchSize;

    public CamExplainer(ModelBundle bundle, int batchSize) {
        this.bundle = bundle;
        this.batchSize = batchSize;
        this.mean = (float) bundle.normalization().mean();
        this.std = (float) bundle.normalization().std();
        Engine.getInstance();
        JniUtils.setGradMode(false);
        Model m = Model.newInstance("deepfer-explain-" + bundle.modelId(), Device.cpu());
        try {
            this.network = bundle.loadModel(m.getNDManager());
            m.setBlock(network.block());
            this.cut = network.featureMapCut();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.model = m;
        this.parameters = new ParameterStore(m.getNDManager(), false);
    }

    public ModelBundle bundle() {
        return bundle;
    }

    /** The (channels, height, width) of the feature map the maps are computed from. */
    public Shape featureMapShape() {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            return cut.map(parameters, input(manager, List.of(blank()))).getShape().slice(1);
        }
    }

    /** Grad-CAM of {@code faces[i]} for class {@code classes[i]}. */
    public float[][] gradCam(List<FaceImage> faces, int[] classes) {
        check(faces, classes);
        float[][] out = new float[faces.size()][];
        for (int from = 0; from < faces.size(); from += batchSize) {
            int to = Math.min(faces.size(), from + batchSize);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                NDArray maps = cut.map(parameters, input(manager, faces.subList(from, to)));
                NDArray weights;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    maps.setRequiresGradient(true);
                    NDArray scores = cut.scores(parameters, maps);
                    NDArray chosen = scores.mul(oneHot(manager, classes, from, to, scores.getShape().get(1))).sum();
                    collector.backward(chosen);
                    weights = maps.getGradient().mean(new int[] {3}, true).mean(new int[] {2}, true);
                }
                NDArray cam = maps.stopGradient().mul(weights).sum(new int[] {1}, true).maximum(0f);
                store(upsample(cam), out, from);
            }
        }
        return out;
    }

    /** Score-CAM of {@code faces[i]} for class {@code classes[i]}. */
    public float[][] scoreCam(List<FaceImage> faces, int[] classes) {
        check(faces, classes);
        float[][] out = new float[faces.size()][];
        int size = bundle.spec().inputSize();
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int i = 0; i < faces.size(); i++) {
                try (NDManager manager = model.getNDManager().newSubManager()) {
                    NDArray x = input(manager, List.of(faces.get(i)));
                    NDArray map = cut.map(parameters, x); // (1, C, h, w)
                    long channels = map.getShape().get(1);
                    NDArray masks = upsample(map.transpose(1, 0, 2, 3)); // (C, 1, size, size)
                    NDArray low = masks.min(new int[] {3}, true).min(new int[] {2}, true);
                    NDArray high = masks.max(new int[] {3}, true).max(new int[] {2}, true);
                    masks = masks.sub(low).div(high.sub(low).maximum(1e-6f));
                    // Mask the face in pixel space (0..1), then normalize as training did; masks
                    // (C, 1, size, size) broadcast over the input's channels.
                    NDArray pixels = x.mul(std).add(mean);
                    NDArray classScores = manager.create(new float[(int) channels]);
                    for (long c0 = 0; c0 < channels; c0 += batchSize) {
                        long c1 = Math.min(channels, c0 + batchSize);
                        NDArray batch = pixels.mul(masks.get(c0 + ":" + c1)).sub(mean).div(std);
                        NDArray probabilities = network.block().forward(parameters,
                                new ai.djl.ndarray.NDList(batch), false).singletonOrThrow().softmax(1);
                        classScores.set(new ai.djl.ndarray.index.NDIndex(c0 + ":" + c1),
                                probabilities.get(":, " + classes[i]));
                    }
                    NDArray weights = classScores.reshape(1, channels, 1, 1);
                    NDArray cam = map.mul(weights).sum(new int[] {1}, true).maximum(0f);
                    store(upsample(cam), out, i);
                }
            }
        } finally {
            JniUtils.setGradMode(before);
        }
        return out;
    }

    /** The model's probabilities for {@code faces}, from the same network the maps come from. */
    public float[][] probabilities(List<FaceImage> faces) {
        float[][] out = new float[faces.size()][];
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray p = network.block().forward(parameters, new ai.djl.ndarray.NDList(input(manager, faces)), false)
                    .singletonOrThrow().softmax(1);
            int k = (int) p.getShape().get(1);
            float[] flat = p.toFloatArray();
            for (int i = 0; i < faces.size(); i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
            }
        }
        return out;
    }

    private void check(List<FaceImage> faces, int[] classes) {
        if (faces.size() != classes.length) {
            throw new IllegalArgumentException(faces.size() + " faces but " + classes.length + " classes");
        }
        for (int c : classes) {
            if (c < 0 || c >= bundle.spec().classes()) {
                throw new IllegalArgumentException("class " + c + " is not one of the model's 0.."
                        + (bundle.spec().classes() - 1));
            }
        }
    }

    private FaceImage blank() {
        int size = bundle.spec().inputSize();
        return FaceImage.gray(size, size, new byte[size * size]);
    }

    private NDArray input(NDManager manager, List<FaceImage> faces) {
        ModelSpec spec = bundle.spec();
        int size = spec.inputSize();
        int perFace = spec.inputChannels() * size * size;
        float[] data = new float[faces.size() * perFace];
        for (int k = 0; k < faces.size(); k++) {
            BatchMaker.writeInput(faces.get(k), size, spec.inputChannels(), mean, std, data, k * perFace);
        }
        return manager.create(data, spec.inputShape(faces.size()));
    }

    private static NDArray oneHot(NDManager manager, int[] classes, int from, int to, long k) {
        float[] hot = new float[(int) ((to - from) * k)];
        for (int i = from; i < to; i++) {
            hot[(int) ((i - from) * k + classes[i])] = 1;
        }
        return manager.create(hot, new Shape(to - from, k));
    }

    /** (N, 1, h, w) to (N, 1, size, size) by {@link #bilinear}. */
    private NDArray upsample(NDArray maps) {
        Shape shape = maps.getShape();
        int n = (int) (shape.get(0) * shape.get(1));
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        int size = bundle.spec().inputSize();
        float[] in = maps.toFloatArray();
        float[] out = new float[n * size * size];
        for (int i = 0; i < n; i++) {
            bilinear(in, i * h * w, h, w, out, i * size * size, size);
        }
        return maps.getManager().create(out, new Shape(shape.get(0), shape.get(1), size, size));
    }

    /**
     * The h x w map at {@code in[from..]} resized to size x size into {@code out[to..]}, bilinear
     * with pixel centres aligned (as PyTorch's {@code align_corners=False}), edges clamped.
     */
    static void bilinear(float[] in, int from, int h, int w, float[] out, int to, int size) {
        for (int y = 0; y < size; y++) {
            double fy = Math.min(h - 1, Math.max(0, (y + 0.5) * h / size - 0.5));
            int y0 = (int) fy;
            int y1 = Math.min(h - 1, y0 + 1);
            double wy = fy - y0;
            for (int x = 0; x < size; x++) {
                double fx = Math.min(w - 1, Math.max(0, (x + 0.5) * w / size - 0.5));
                int x0 = (int) fx;
                int x1 = Math.min(w - 1, x0 + 1);
                double wx = fx - x0;
                double top = (1 - wx) * in[from + y0 * w + x0] + wx * in[from + y0 * w + x1];
                double bottom = (1 - wx) * in[from + y1 * w + x0] + wx * in[from + y1 * w + x1];
                out[to + y * size + x] = (float) ((1 - wy) * top + wy * bottom);
            }
        }
    }

    /** Each map scaled to 0..1 by its maximum, into {@code out} from {@code offset}. */
    private static void store(NDArray cams, float[][] out, int offset) {
        long n = cams.getShape().get(0);
        int pixels = (int) (cams.getShape().size() / n);
        float[] flat = cams.toFloatArray();
        for (int i = 0; i < n; i++) {
            float[] map = new float[pixels];
            float max = 0;
            for (int j = 0; j < pixels; j++) {
                map[j] = flat[i * pixels + j];
                max = Math.max(max, map[j]);
            }
            if (max > 0) {
                for (int j = 0; j < pixels; j++) {
                    map[j] /= max;
                }
            }
            out[offset + i] = map;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
