package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An equal-weight running average of a block's parameters over the snapshots {@link #add}ed to it:
 * stochastic weight averaging (Izmailov et al. 2018). Every parameter is averaged, batch norm's
 * running statistics included, so the average is a complete model without a pass to re-estimate
 * them. The block itself is never left changed: {@link #applied} lends it the average for a piece of
 * work and puts the trained values back.
 */
final class WeightAverage {
    /** Name of the snapshot count inside a saved average; no parameter key has a space. */
    private static final String COUNT = "snapshot count";

    private final NDManager manager;
    private final Map<String, NDArray> average = new LinkedHashMap<>();
    private int count;

    /** @param manager owns the average's arrays for the run's lifetime */
    WeightAverage(NDManager manager) {
        this.manager = manager;
    }

    /** Snapshots averaged so far. */
    int count() {
        return count;
    }

    /** Adds the block's current parameters as one more snapshot: average += (p - average) / n. */
    void add(Block block) {
        count++;
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray value = p.getValue().getArray();
            NDArray avg = average.get(p.getKey());
            if (avg == null) {
                if (count > 1) {
                    throw new IllegalStateException("parameter " + p.getKey() + " joined the model after "
                            + (count - 1) + " snapshots were averaged");
                }
                avg = value.duplicate();
                avg.attach(manager);
                average.put(p.getKey(), avg);
            } else {
                try (NDArray delta = value.sub(avg)) {
                    avg.addi(delta.divi(count));
                }
            }
        }
        if (average.size() != block.getParameters().size()) {
            throw new IllegalStateException("the model has " + block.getParameters().size()
                    + " parameters but the average " + average.size());
        }
    }

    /**
     * Runs {@code work} with the average in the block's parameters, then restores the values the
     * block had (in place: the trainer and optimizer keep the same arrays).
     */
    <T> T applied(Block block, Supplier<T> work) {
        if (count == 0) {
            throw new IllegalStateException("no snapshot averaged yet");
        }
        Map<String, NDArray> trained = new LinkedHashMap<>();
        try (NDManager scratch = manager.newSubManager()) {
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray value = p.getValue().getArray();
                NDArray kept = value.duplicate();
                kept.attach(scratch);
                trained.put(p.getKey(), kept);
                averageOf(p.getKey()).copyTo(value);
            }
            try {
                return work.get();
            } finally {
                for (Pair<String, Parameter> p : block.getParameters()) {
                    trained.get(p.getKey()).copyTo(p.getValue().getArray());
                }
            }
        }
    }

    /** Writes the average and its snapshot count (what {@link #load} reads back). */
    void save(OutputStream out) throws IOException {
        NDList list = new NDList();
        NDArray n = manager.create(new int[] {count});
        n.setName(COUNT);
        list.add(n);
        for (Map.Entry<String, NDArray> e : average.entrySet()) {
            e.getValue().setName(e.getKey());
            list.add(e.getValue());
        }
        try {
            out.write(list.encode());
        } finally {
            n.close();
        }
    }

    /** Replaces this average by what {@link #save} wrote. */
    void load(InputStream in) throws IOException {
        NDList list = NDList.decode(manager, in.readAllBytes());
        average.values().forEach(NDArray::close);
        average.clear();
        count = 0;
        for (NDArray array : list) {
            if (COUNT.equals(array.getName())) {
                count = array.toIntArray()[0];
                array.close();
            } else {
                average.put(array.getName(), array);
            }
        }
        if (count <= 0 || average.isEmpty()) {
            throw new IOException("the saved weight average holds no snapshot");
        }
    }

    private NDArray averageOf(String key) {
        NDArray avg = average.get(key);
        if (avg == null) {
            throw new IllegalStateException("the average has no parameter " + key);
        }
        return avg;
    }
}
