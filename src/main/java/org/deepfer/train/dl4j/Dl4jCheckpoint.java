package org.deepfer.train.dl4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.train.Checkpoint;
import org.deepfer.train.EpochMetrics;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The DL4J engine's per-epoch checkpoint, {@code checkpoints/last/}: the network with its updater
 * state as a DL4J {@link ModelSerializer} zip, and the loop state as JSON. Written to a temporary
 * folder and renamed into place, so a killed run leaves the previous checkpoint or the new one.
 */
final class Dl4jCheckpoint {
    static final String NETWORK = "network.zip";
    static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Where the loop stands after {@code epochsDone} epochs. */
    record LoopState(int epochsDone, double bestMacroF1, int bestEpoch, int epochsSinceBest,
            List<EpochMetrics> history) {
        LoopState {
            history = List.copyOf(history);
        }

        static LoopState fresh() {
            return new LoopState(0, -1, -1, 0, List.of());
        }
    }

    /** What a checkpoint holds. */
    record Loaded(MultiLayerNetwork network, LoopState state) {}

    private Dl4jCheckpoint() {}

    static void save(Path dir, MultiLayerNetwork network, LoopState state) {
        Checkpoint.replaceFolder(dir, tmp -> {
            ModelSerializer.writeModel(network, tmp.resolve(NETWORK).toFile(), true);
            JSON.writeValue(tmp.resolve(STATE).toFile(), state);
        });
    }

    /**
     * The checkpoint in {@code dir}, or in its previous copy if a save was cut short.
     *
     * @throws IllegalArgumentException when neither holds a DL4J checkpoint
     */
    static Loaded load(Path dir) {
        Path from = dir;
        if (!Files.exists(from.resolve(STATE))) {
            from = dir.resolveSibling(dir.getFileName() + ".old");
        }
        if (!Files.exists(from.resolve(STATE)) || !Files.exists(from.resolve(NETWORK))) {
            throw new IllegalArgumentException("no DL4J checkpoint at " + dir + " (expected " + NETWORK + " and "
                    + STATE + "; is this a model trained with train.engine=dl4j-spark?)");
        }
        try {
            MultiLayerNetwork network = ModelSerializer.restoreMultiLayerNetwork(from.resolve(NETWORK).toFile(), true);
            return new Loaded(network, JSON.readValue(from.resolve(STATE).toFile(), LoopState.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + from + ": " + e.getMessage(), e);
        }
    }

    /** The epoch history of a model directory's last checkpoint. */
    static List<EpochMetrics> loadHistory(Path modelDir) {
        try {
            return JSON.readValue(modelDir.resolve("checkpoints/last").resolve(STATE).toFile(), LoopState.class)
                    .history();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read history of " + modelDir, e);
        }
    }
}
