package org.deepfer.train;

import ai.djl.ndarray.NDArray;

/**
 * The loss of knowledge distillation (Hinton et al. 2015): {@code alpha * T² * KL(softmax(teacher/T)
 * || softmax(student/T)) + (1 - alpha) * hard}, where {@code hard} is the run's usual loss on the
 * labels (with its smoothing, class weights and mixed targets). T² keeps the soft term's gradients
 * on the scale of the hard term's whatever the temperature.
 */
final class DistillationLoss {
    private final FerLoss hard;
    private final double temperature;
    private final double alpha;

    DistillationLoss(FerLoss hard, double temperature, double alpha) {
        this.hard = hard;
        this.temperature = temperature;
        this.alpha = alpha;
    }

    /** Mean loss over the batch of {@code student} logits, given soft {@code targets} (B, K) and the teacher's logits. */
    NDArray compute(NDArray student, NDArray targets, NDArray teacher) {
        // Float factors throughout: a double scalar times a 0-d float32 array gives float64 in PyTorch.
        NDArray soft = softTerm(student, teacher, temperature).mul((float) alpha);
        // Skipped, not multiplied by zero, at alpha 1: the labels then play no part at all.
        return alpha == 1 ? soft : soft.add(hard.compute(student, targets).mul((float) (1 - alpha)));
    }

    /** {@code T² * KL(softmax(teacher/T) || softmax(student/T))}, summed over classes and averaged over the batch. */
    static NDArray softTerm(NDArray student, NDArray teacher, double temperature) {
        float t = (float) temperature;
        NDArray teacherLog = teacher.div(t).logSoftmax(1);
        NDArray studentLog = student.div(t).logSoftmax(1);
        return teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {1}).mean().mul(t * t);
    }
}
