package org.deepfer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.ModelBundle;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;

/**
 * A trained model directory as the teacher of knowledge distillation: loaded once, frozen, and run
 * in inference mode (no gradient, dropout off, batch-norm statistics as trained) on each training
 * batch, from the same augmented faces the student sees but in the teacher's own input size,
 * channels and normalization, which may differ from the student's.
 */
final class Teacher implements AutoCloseable {
    private final ModelBundle bundle;
    private final NDManager manager;
    private final FerModel network;
    private final ParameterStore parameters;
    private final float mean;
    private final float std;

    private Teacher(ModelBundle bundle, NDManager manager, FerModel network) {
        this.bundle = bundle;
        this.manager = manager;
        this.network = network;
        this.parameters = new ParameterStore(manager, false);
        // The same float values the teacher's own training normalized with.
        this.mean = (float) bundle.normalization().mean();
        this.std = (float) bundle.normalization().std();
    }

    /**
     * The teacher in model directory {@code dir}, its parameters on {@code device} (the student's,
     * so a batch never crosses devices).
     *
     * @throws IllegalArgumentException naming the directory or file that is missing or wrong
     */
    static Teacher load(Path dir, Device device) {
        ModelBundle bundle = ModelBundle.load(dir);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            FerModel network = bundle.loadModel(manager);
            network.block().freezeParameters(true);
            return new Teacher(bundle, manager, network);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The model directory, architecture and preprocessing the teacher came from. */
    ModelBundle bundle() {
        return bundle;
    }

    /**
     * The teacher's logits (B, K) for {@code faces} mixed as {@code mix} mixed the student's batch.
     * Every array it makes, the result included, belongs to {@code batchManager}: closing that frees
     * the batch's teacher memory. Call it outside a gradient collector, where grad mode is off.
     */
    NDArray logits(NDManager batchManager, List<FaceImage> faces, Mixing.Mix mix) {
        ModelSpec spec = bundle.spec();
        NDArray x = BatchMaker.input(batchManager, faces, spec.inputSize(), spec.inputChannels(), mean, std);
        return network.block().forward(parameters, new NDList(mix.images(x)), false).singletonOrThrow();
    }

    @Override
    public void close() {
        manager.close();
    }
}
