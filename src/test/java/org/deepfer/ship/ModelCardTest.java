package org.deepfer.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.deepfer.config.ConfigLoader;
import org.junit.jupiter.api.Test;

class ModelCardTest {

    @Test
    void theRecipeNamesTheOptimizerWithWhatItsWeightDecayMeans() {
        assertEquals("SGD with Nesterov momentum 0.9, lr 0.05, L2 weight decay 0.0005",
                ModelCard.optimizer(ConfigLoader.load(Optional.empty(), List.of("train.optimizer=sgd",
                        "train.learningRate=0.05", "train.momentum=0.9", "train.weightDecay=5e-4")).train()));
        assertEquals("AdamW lr 0.001, decoupled weight decay 0.0001",
                ModelCard.optimizer(ConfigLoader.load(Optional.empty(), List.of("train.optimizer=adamw",
                        "train.learningRate=0.001", "train.weightDecay=1e-4")).train()));
    }

    @Test
    void theAugmentationLineNamesTheBlurKindAndTheDownscalingOnlyWhenUsed() {
        assertEquals("flip 0.5, rotation ±12°, shift 0.08, scale 0.9–1.1, brightness 0.2, contrast 0.2, gamma 0.2,"
                + " noise 0.3, blur 0.2, cutout 0.25 (side 0.25)",
                ModelCard.augmentation(ConfigLoader.defaults().augment().policy()));
        assertEquals("flip 0.5, rotation ±12°, shift 0.08, scale 0.9–1.1, brightness 0.2, contrast 0.2, gamma 0.2,"
                + " noise 0.3, blur 0.2 (Gaussian, sigma up to 2.5 px at 48), downscale 0.25 (factor up to 4),"
                + " cutout 0.25 (side 0.25)",
                ModelCard.augmentation(ConfigLoader.load(Optional.empty(), List.of("augment.policy.blurMaxSigma=2.5",
                        "augment.policy.downscaleProbability=0.25", "augment.policy.maxDownscale=4")).augment()
                        .policy()));
    }
}
