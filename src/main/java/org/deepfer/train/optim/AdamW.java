package org.deepfer.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code AdamW}. */
public final class AdamW extends FerOptimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;
    private final float weightDecay;

    public AdamW(ai.djl.nn.Block block, NDManager stateManager, double weightDecay) {
        super(block, stateManager);
        this.weightDecay = (float) weightDecay;
    }

    @Override
    protected void update(String name, NDArray weight, NDArray grad, float rate, NDManager scratch) {
        NDArray m = slot(name, "m", weight);
        NDArray v = slot(name, "v", weight);
        // The step count is state too: kept as a one-element array so it saves with the rest.
        NDArray t = state.computeIfAbsent(name + "/t", k -> stateManager.zeros(new ai.djl.ndarray.types.Shape(1)));
        t.addi(1);
        float step = t.getFloat(0);
        if (weightDecay != 0) {
            weight.muli(1 - rate * weightDecay);
        }
        m.muli(BETA1).addi(temp(grad.mul(1 - BETA1), scratch));
        v.muli(BETA2).addi(temp(grad.square(), scratch).muli(1 - BETA2));
        float correction1 = 1 - (float) Math.pow(BETA1, step);
        float correction2 = 1 - (float) Math.pow(BETA2, step);
        NDArray denom = temp(temp(v.div(correction2), scratch).sqrt(), scratch).addi(EPSILON);
        NDArray update = temp(m.div(denom), scratch).muli(rate / correction1);
        weight.subi(update);
    }
}
