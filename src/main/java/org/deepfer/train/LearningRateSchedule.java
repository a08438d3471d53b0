package org.deepfer.train;

/** Learning rate per global step: linear warm-up, then constant or cosine decay to zero. */
public record LearningRateSchedule(double base, long warmupSteps, long totalSteps, boolean cosine) {

    public double at(long step) {
        if (warmupSteps > 0 && step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        if (!cosine || totalSteps <= warmupSteps) {
            return base;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
        return base * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
