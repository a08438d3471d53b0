package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.augment.Augmenter;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;

/**
 * Turns faces into model input: optional augmentation (the augment job's code, keyed by image id,
 * epoch and seed so a resumed run sees the same images), resize to the model's input size, gray
 * repeated to the model's channels, and normalization with the train split's mean and std.
 * Public for {@link #writeInput}, the per-face conversion prediction shares with training.
 */
public final class BatchMaker {
    private final FaceArrays faces;
    private final Augmenter augmenter;
    private final int inputSize;
    private final int channels;
    private final float mean;
    private final float std;
    private final long seed;

    /** {@code augmenter} null means no augmentation (validation). */
    BatchMaker(FaceArrays faces, Augmenter augmenter, int inputSize, int channels, double mean, double std,
            long seed) {
        this.faces = faces;
        this.augmenter = augmenter;
        this.inputSize = inputSize;
        this.channels = channels;
        this.mean = (float) mean;
        this.std = (float) std;
        this.seed = seed;
    }

    /** One batch's faces as the input is made from them (after augmentation), and their labels. */
    record Faces(List<FaceImage> images, float[] labels) {}

    /** The faces at {@code indices[from..to)}, augmented for {@code epoch}. */
    Faces faces(int[] indices, int from, int to, int epoch) {
        List<FaceImage> images = new ArrayList<>(to - from);
        float[] labels = new float[to - from];
        for (int k = 0; k < labels.length; k++) {
            int i = indices[from + k];
            FaceImage face = FaceImage.gray(faces.size(), faces.size(), faces.pixels(i));
            if (augmenter != null) {
                face = augmenter.apply(face, faces.id(i), epoch + 1, seed).image();
            }
            images.add(face);
            labels[k] = faces.label(i);
        }
        return new Faces(images, labels);
    }

    /** Data (B, C, S, S) and labels (B) for the faces at {@code indices}; epoch picks the augmentation. */
    NDList batch(NDManager manager, int[] indices, int from, int to, int epoch) {
        return batch(manager, faces(indices, from, to, epoch));
    }

    /** Data (B, C, S, S) and labels (B) for {@code faces}. */
    NDList batch(NDManager manager, Faces faces) {
        NDArray x = input(manager, faces.images(), inputSize, channels, mean, std);
        NDArray y = manager.create(faces.labels(), new Shape(faces.labels().length));
        return new NDList(x, y);
    }

    /**
     * {@code faces} as one input array (B, C, S, S) for a model of that input size, channels and
     * normalization, made by {@link #writeInput}: the student's batch and its teacher's view of the
     * same faces are made alike.
     */
    static NDArray input(NDManager manager, List<FaceImage> faces, int inputSize, int channels, float mean,
            float std) {
        int perFace = channels * inputSize * inputSize;
        float[] data = new float[faces.size() * perFace];
        for (int k = 0; k < faces.size(); k++) {
            writeInput(faces.get(k), inputSize, channels, mean, std, data, k * perFace);
        }
        return manager.create(data, new Shape(faces.size(), channels, inputSize, inputSize));
    }

    /**
     * Writes one face as model input into {@code out} from {@code offset}: {@code channels} planes of
     * {@code inputSize}² values in NCHW order. The face is resized to the input size, its gray value
     * repeated over the channels and normalized as {@code (v/255 - mean) / std}. Training, validation
     * and prediction all go through here, so a model sees at prediction exactly what it saw in
     * validation.
     */
    public static void writeInput(FaceImage face, int inputSize, int channels, float mean, float std, float[] out,
            int offset) {
        FaceImage gray = face.channels() == 1 ? face : face.toGray();
        byte[] px = Resize.to(gray, inputSize, inputSize).pixels();
        int plane = inputSize * inputSize;
        for (int p = 0; p < plane; p++) {
            float v = ((px[p] & 0xFF) / 255f - mean) / std;
            for (int c = 0; c < channels; c++) {
                out[offset + c * plane + p] = v;
            }
        }
    }

    /**
     * 0 .. n-1 shuffled by (seed, epoch): the order of an epoch of {@code n} faces, for either
     * engine (the DL4J trainer cuts its minibatches from it too).
     */
    public static int[] shuffledOrder(int n, long seed, int epoch) {
        SplittableRandom rnd = epochRandom(seed, epoch);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static SplittableRandom epochRandom(long seed, int epoch) {
        return new SplittableRandom(seed * 1_000_003L + epoch);
    }

    /**
     * The order of one epoch: a shuffle, or (balanced) draws that give every class the same share.
     * Depends only on (seed, epoch), so a resumed run continues with the same order.
     */
    static int[] epochOrder(FaceArrays faces, boolean balanced, long seed, int epoch) {
        int n = faces.count();
        if (!balanced) {
            return shuffledOrder(n, seed, epoch);
        }
        SplittableRandom rnd = epochRandom(seed, epoch);
        int[] order = new int[n];
        int[][] byClass = new int[org.deepfer.tables.Labels.count()][];
        java.util.List<Integer> present = new java.util.ArrayList<>();
        for (int c = 0; c < byClass.length; c++) {
            byClass[c] = faces.indicesOf(c);
            if (byClass[c].length > 0) {
                present.add(c);
            }
        }
        for (int k = 0; k < n; k++) {
            int[] pool = byClass[present.get(rnd.nextInt(present.size()))];
            order[k] = pool[rnd.nextInt(pool.length)];
        }
        return order;
    }
}
