package org.deepfer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.ModelBundle;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;

/**
 * The teacher of knowledge distillation: one trained model directory, or several as an ensemble.
 * Each member is loaded once, frozen, and run in inference mode (no gradient, dropout off,
 * batch-norm statistics as trained) on each training batch, from the same augmented faces the
 * student sees but in the member's own input size, channels and normalization, which may differ
 * from the student's and from each other's.
 *
 * <p>An ensemble teaches the mean of its members' probabilities at the distillation temperature
 * {@code T}. It hands the loss the logits {@code T * log(mean_i softmax(z_i / T))}, whose softmax
 * at {@code T} is exactly that mean, so {@link DistillationLoss} treats one teacher and many alike.
 */
final class Teacher implements AutoCloseable {
    private record Member(ModelBundle bundle, FerModel network, ParameterStore parameters, float mean, float std) {}

    private final NDManager manager;
    private final List<Member> members;
    private final float temperature;

    private Teacher(NDManager manager, List<Member> members, double temperature) {
        this.manager = manager;
        this.members = List.copyOf(members);
        this.temperature = (float) temperature;
    }

    /**
     * The teacher made of the model directories {@code dirs} (one or more), their parameters on
     * {@code device} (the student's, so a batch never crosses devices), teaching at
     * {@code temperature} (train.distillTemperature).
     *
     * @throws IllegalArgumentException naming the directory or file that is missing or wrong
     */
    static Teacher load(List<Path> dirs, Device device, double temperature) {
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("a teacher needs at least one model directory");
        }
        NDManager manager = NDManager.newBaseManager(device);
        try {
            List<Member> members = new ArrayList<>();
            for (Path dir : dirs) {
                ModelBundle bundle = ModelBundle.load(dir);
                FerModel network = bundle.loadModel(manager);
                network.block().freezeParameters(true);
                // The same float values the member's own training normalized with.
                members.add(new Member(bundle, network, new ParameterStore(manager, false),
                        (float) bundle.normalization().mean(), (float) bundle.normalization().std()));
            }
            return new Teacher(manager, members, temperature);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The model directories, architectures and preprocessing of the members, in order. */
    List<ModelBundle> bundles() {
        return members.stream().map(Member::bundle).toList();
    }

    /**
     * The teacher's logits (B, K) for {@code faces} mixed as {@code mix} mixed the student's batch:
     * the member's own for one member, the tempered mean of the members' probabilities (see the
     * class comment) for several. Every array it makes, the result included, belongs to
     * {@code batchManager}: closing that frees the batch's teacher memory. Call it outside a
     * gradient collector, where grad mode is off.
     */
    NDArray logits(NDManager batchManager, List<FaceImage> faces, Mixing.Mix mix) {
        if (members.size() == 1) {
            return memberLogits(members.get(0), batchManager, faces, mix);
        }
        NDList probabilities = new NDList();
        for (Member m : members) {
            probabilities.add(memberLogits(m, batchManager, faces, mix).div(temperature).softmax(1));
        }
        return ensembleLogits(probabilities, temperature);
    }

    /** {@code T * log(mean of probabilities)}: the logits whose softmax at {@code T} is the members' mean. */
    private static NDArray ensembleLogits(NDList probabilities, float temperature) {
        NDArray sum = NDArrays.add(probabilities.toArray(new NDArray[0]));
        return sum.div((float) probabilities.size()).log().mul(temperature);
    }

    private static NDArray memberLogits(Member m, NDManager batchManager, List<FaceImage> faces, Mixing.Mix mix) {
        ModelSpec spec = m.bundle().spec();
        NDArray x = BatchMaker.input(batchManager, faces, spec.inputSize(), spec.inputChannels(), m.mean(), m.std());
        return m.network().block().forward(m.parameters(), new NDList(mix.images(x)), false).singletonOrThrow();
    }

    @Override
    public void close() {
        manager.close();
    }
}
