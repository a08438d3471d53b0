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
}
