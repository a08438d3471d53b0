package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The training loss on logits: cross entropy or focal loss (Lin et al. 2017), with optional label
 * smoothing and per-class weights; targets may be soft (mixup/cutmix blends of one-hot labels).
 */
final class FerLoss {
    private final int classes;
    private final double smoothing;
    private final boolean focal;
    private final double gamma;
    private final float[] classWeights;

    /** {@code classWeights} null for none. */
    FerLoss(int classes, double smoothing, boolean focal, double gamma, float[] classWeights) {
        this.classes = classes;
        this.smoothing = smoothing;
        this.focal = focal;
        this.gamma = gamma;
        this.classWeights = classWeights;
    }

    /** One-hot targets (B, K) for integer labels (B), smoothed. */
    NDArray targets(NDArray labels) {
        NDArray oneHot = labels.toType(DataType.INT32, false).oneHot(classes);
        return smoothing == 0 ? oneHot : oneHot.mul(1 - smoothing).add(smoothing / classes);
    }

    /** Mean loss over the batch for soft {@code targets} (B, K). */
    NDArray compute(NDArray logits, NDArray targets) {
        NDArray logProbs = logits.logSoftmax(1);
        NDArray perClass = targets.mul(logProbs).neg();
        if (focal) {
            // (1 - p)^gamma down-weights classes the model already gets right.
            NDArray p = logProbs.exp();
            perClass = perClass.mul(p.neg().add(1).pow(gamma));
        }
        if (classWeights != null) {
            NDManager manager = logits.getManager();
            perClass = perClass.mul(manager.create(classWeights).reshape(1, classes));
        }
        return perClass.sum(new int[] {1}).mean();
    }
}
