package org.deepfer.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.optimizer.Optimizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Base of our optimizers. DJL's own keep their state private and keyed by random parameter ids,
 * which makes an exact resume impossible; ours key state by parameter name and can save and load
 * it. The learning rate is set by the training loop before each step (schedules live there), and
 * each parameter's rate can be scaled by name (lower rates for a pretrained backbone).
 */
public abstract class FerOptimizer extends Optimizer {
    private final Block block;
    private Map<String, String> nameOfId;
    /** Optimizer state by "parameterName/slot"; arrays are owned by {@link #stateManager}. */
    protected final Map<String, NDArray> state = new TreeMap<>();
    protected final NDManager stateManager;
    private volatile float learningRate;
    private ToDoubleFunction<String> rateScale = name -> 1.0;

    /** {@code block}: the model whose parameters this optimizer updates (names are read from it). */
    protected FerOptimizer(Block block, NDManager stateManager) {
        super(new OptimizerBuilder<>() {
            @Override
            protected OptimizerBuilder self() {
                return this;
            }
        });
        this.block = block;
        this.stateManager = stateManager;
    }

    /** The base learning rate for the next steps. */
    public void setLearningRate(double rate) {
        this.learningRate = (float) rate;
    }

    /** Scales the rate per parameter name, e.g. 0.1 for backbone parameters while fine-tuning. */
    public void setRateScale(ToDoubleFunction<String> scale) {
        this.rateScale = scale;
    }

    @Override
    public final void update(String parameterId, NDArray weight, NDArray grad) {
        if (nameOfId == null) {
            // Parameter ids are random per instance; names are what survives a save and a reload.
            Map<String, String> names = new java.util.HashMap<>();
            block.getParameters().forEach(p -> names.put(p.getValue().getId(), p.getKey()));
            nameOfId = names;
        }
        String name = nameOfId.get(parameterId);
        if (name == null) {
            throw new IllegalStateException("optimizer was built for another model: unknown parameter " + parameterId);
        }
        float rate = (float) (learningRate * rateScale.applyAsDouble(name));
        if (rate == 0) {
            clearGradient(weight, grad);
            return;
        }
        try (NDManager scratch = stateManager.newSubManager()) {
            update(name, weight, grad, rate, scratch);
        }
        clearGradient(weight, grad);
    }

    /**
     * Updates {@code weight} in place. Temporaries must be attached to {@code scratch} (closed after
     * the step); persistent state goes through {@link #slot}.
     */
    protected abstract void update(String name, NDArray weight, NDArray grad, float rate, NDManager scratch);

    /**
     * PyTorch accumulates gradients across backward passes; DJL's own optimizers clear them inside
     * their fused native update, so ours must too, or each step would add all earlier gradients.
     * (The array {@code getGradient()} hands out is a copy: zeroing it changes nothing.)
     */
    private static void clearGradient(NDArray weight, NDArray grad) {
        if (weight instanceof PtNDArray pt) {
            JniUtils.zeroGrad(pt);
        } else {
            grad.muli(0);
        }
    }

    /** Moves a temporary onto {@code scratch} so it is freed after the step; returns it. */
    protected static NDArray temp(NDArray array, NDManager scratch) {
        array.attach(scratch);
        return array;
    }

    /** The state array {@code slot} of parameter {@code name}, created as zeros like {@code like}. */
    protected NDArray slot(String name, String slot, NDArray like) {
        return state.computeIfAbsent(name + "/" + slot, k -> {
            NDArray zeros = stateManager.zeros(like.getShape(), like.getDataType(), like.getDevice());
            zeros.setName(k);
            return zeros;
        });
    }

    /** Writes every state array, named, to {@code out}. */
    public void saveState(OutputStream out) throws IOException {
        NDList list = new NDList();
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            e.getValue().setName(e.getKey());
            list.add(e.getValue());
        }
        out.write(list.encode());
    }

    /** Replaces the state with what {@link #saveState} wrote. */
    public void loadState(InputStream in) throws IOException {
        NDList list = NDList.decode(stateManager, in.readAllBytes());
        state.values().forEach(NDArray::close);
        state.clear();
        for (NDArray array : list) {
            state.put(array.getName(), array);
        }
    }
}
