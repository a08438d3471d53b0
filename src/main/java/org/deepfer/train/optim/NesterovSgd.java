package org.deepfer.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** SGD with Nesterov momentum and L2 weight decay, as PyTorch's {@code SGD(nesterov=True)}. */
public final class NesterovSgd extends FerOptimizer {
    private final float momentum;
    private final float weightDecay;

    public NesterovSgd(ai.djl.nn.Block block, NDManager stateManager, double momentum, double weightDecay) {
        super(block, stateManager);
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
    }

    @Override
    protected void update(String name, NDArray weight, NDArray grad, float rate, NDManager scratch) {
        NDArray g = grad.duplicate();
        g.attach(scratch);
        if (weightDecay != 0) {
            g.addi(temp(weight.mul(weightDecay), scratch));
        }
        NDArray buf = slot(name, "momentum", weight);
        buf.muli(momentum).addi(g);
        NDArray step = g.addi(temp(buf.mul(momentum), scratch)).muli(rate);
        weight.subi(step);
    }
}
