package org.deepfer.train.dl4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deepfer.augment.Augmenter;
import org.deepfer.image.FaceImage;
import org.deepfer.train.BatchMaker;
import org.deepfer.train.FaceArrays;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One epoch of training minibatches as a Spark RDD of DL4J {@link DataSet}s. The driver only
 * shuffles indices; the executors turn them into input from the broadcast faces, augmented on the
 * fly with the augment job's {@link Augmenter} keyed as the DJL trainer keys it (image id, epoch + 1,
 * seed) and normalized by {@link BatchMaker#writeInput}, so both engines see the same pictures.
 */
final class EpochBatches implements FlatMapFunction<Iterator<int[]>, DataSet> {
    private static final long serialVersionUID = 1L;

    /** What an executor needs to build input, beside the broadcast faces. */
    record Input(int inputSize, int channels, float mean, float std, int classes, Augmenter augmenter, long seed)
            implements Serializable {}

    private final Broadcast<FaceArrays> faces;
    private final Input input;
    private final int epoch;

    private EpochBatches(Broadcast<FaceArrays> faces, Input input, int epoch) {
        this.faces = faces;
        this.input = input;
        this.epoch = epoch;
    }

    /**
     * The minibatches of {@code epoch} (0-based): a shuffle seeded by (seed, epoch), cut into batches
     * of {@code batchSize}, spread over {@code partitions} partitions.
     */
    static JavaRDD<DataSet> rdd(JavaSparkContext sc, Broadcast<FaceArrays> faces, int count, Input input,
            int batchSize, int epoch, int partitions) {
        int[] order = BatchMaker.shuffledOrder(count, input.seed(), epoch);
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < count; from += batchSize) {
            batches.add(Arrays.copyOfRange(order, from, Math.min(count, from + batchSize)));
        }
        return sc.parallelize(batches, Math.max(1, Math.min(partitions, batches.size())))
                .mapPartitions(new EpochBatches(faces, input, epoch));
    }

    @Override
    public Iterator<DataSet> call(Iterator<int[]> batches) {
        FaceArrays set = faces.value();
        List<DataSet> out = new ArrayList<>();
        while (batches.hasNext()) {
            out.add(dataSet(set, batches.next()));
        }
        return out.iterator();
    }

    private DataSet dataSet(FaceArrays set, int[] indices) {
        int plane = input.inputSize() * input.inputSize();
        int per = input.channels() * plane;
        float[] features = new float[indices.length * per];
        float[] labels = new float[indices.length * input.classes()];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            FaceImage face = FaceImage.gray(set.size(), set.size(), set.pixels(i));
            if (input.augmenter() != null) {
                face = input.augmenter().apply(face, set.id(i), epoch + 1, input.seed()).image();
            }
            BatchMaker.writeInput(face, input.inputSize(), input.channels(), input.mean(), input.std(), features,
                    k * per);
            labels[k * input.classes() + set.label(i)] = 1;
        }
        return new DataSet(
                Nd4j.create(features, new long[] {indices.length, input.channels(), input.inputSize(),
                        input.inputSize()}, 'c'),
                Nd4j.create(labels, new long[] {indices.length, input.classes()}, 'c'));
    }
}
