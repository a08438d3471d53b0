package org.deepfer.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.Map;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.Models;
import org.deepfer.train.optim.FerOptimizer;

/**
 * A training checkpoint on disk: parameters, optimizer state and loop state. Written to a
 * temporary folder and renamed into place, so a process killed at any moment leaves either the
 * previous checkpoint or the new one, never half of one.
 */
public final class Checkpoint {
    static final String PARAMS = "params.bin";
    static final String OPTIMIZER = "optimizer.ndlist";
    static final String STATE = "state.json";
    /** The weight average, once a run with train.averageFrom has one. */
    static final String AVERAGE = "average.ndlist";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Where the loop stands after {@code epochsDone} epochs; {@code averaging} has a row per epoch
     * validated with averaged weights (empty without train.averageFrom, and in checkpoints older
     * than it).
     */
    record LoopState(int epochsDone, long step, double bestMacroF1, int bestEpoch, int epochsSinceBest,
            List<EpochMetrics> history, List<AveragedEpoch> averaging) {
        LoopState {
            history = List.copyOf(history);
            averaging = averaging == null ? List.of() : List.copyOf(averaging);
        }
    }

    /**
     * One epoch of weight averaging: how many snapshots the average held and validation figures of
     * the weights as trained and of their average.
     */
    record AveragedEpoch(int epoch, int snapshots, double trainedValLoss, double trainedValAccuracy,
            double trainedValMacroF1, double averagedValLoss, double averagedValAccuracy,
            double averagedValMacroF1) {}

    private Checkpoint() {}

    /** {@code average}: the run's weight average, or null when it keeps none. */
    static void save(Path dir, Block block, FerOptimizer optimizer, WeightAverage average, LoopState state) {
        replaceFolder(dir, tmp -> {
            if (average != null && average.count() > 0) {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp.resolve(AVERAGE)))) {
                    average.save(out);
                }
            }
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp.resolve(PARAMS))))) {
                block.saveParameters(out);
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp.resolve(OPTIMIZER)))) {
                optimizer.saveState(out);
            }
            JSON.writeValue(tmp.resolve(STATE).toFile(), state);
        });
    }

    /** Writes the files of a checkpoint into the (empty) folder it is given. */
    @FunctionalInterface
    public interface FolderWriter {
        void writeInto(Path folder) throws IOException;
    }

    /**
     * Replaces the checkpoint folder {@code dir} by what {@code writer} puts in a fresh sibling
     * {@code .tmp} folder, with atomic renames: a process killed at any point leaves either the new
     * folder or the previous one (as {@code dir} or {@code dir.old}), never a half-written one.
     */
    public static void replaceFolder(Path dir, FolderWriter writer) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            writer.writeInto(tmp);
            deleteTree(old);
            if (Files.exists(dir)) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint folder to resume from: {@code dir}, or its previous copy if a save was cut short. */
    static Path existing(Path dir) {
        if (Files.exists(dir.resolve(STATE))) {
            return dir;
        }
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        if (Files.exists(old.resolve(STATE))) {
            return old;
        }
        throw new IllegalArgumentException("no checkpoint at " + dir + " (nothing to resume)");
    }

    /**
     * Loads the checkpoint in {@code dir} into the model, optimizer and, when the checkpoint has one
     * and {@code average} is not null, the weight average.
     */
    static LoopState loadInto(Path dir, FerModel model, FerOptimizer optimizer, WeightAverage average,
            NDManager manager) {
        try {
            copyParameters(dir.resolve(PARAMS), model, manager);
            try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(OPTIMIZER)))) {
                optimizer.loadState(in);
            }
            if (average != null && Files.isRegularFile(dir.resolve(AVERAGE))) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(AVERAGE)))) {
                    average.load(in);
                }
            }
            return JSON.readValue(dir.resolve(STATE).toFile(), LoopState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The epoch history of a model directory's last checkpoint. */
    static List<EpochMetrics> loadHistory(Path modelDir) {
        try {
            return JSON.readValue(existing(modelDir.resolve("checkpoints/last")).resolve(STATE).toFile(),
                    LoopState.class).history();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read history of " + modelDir, e);
        }
    }

    /**
     * Copies the parameters saved in {@code file} into {@code target}'s existing arrays. Loading
     * straight into the block would replace its arrays, and the trainer, which already holds
     * the old ones, would go on training those.
     */
    static void copyParameters(Path file, FerModel target, NDManager manager) {
        FerModel loaded = Models.build(target.spec());
        loaded.block().initialize(manager, DataType.FLOAT32, target.spec().inputShape(1));
        loadParameters(file, loaded.block(), manager);
        Map<String, Parameter> byName = loaded.block().getParameters().toMap();
        for (Pair<String, Parameter> p : target.block().getParameters()) {
            Parameter from = byName.get(p.getKey());
            if (from == null || !from.getArray().getShape().equals(p.getValue().getArray().getShape())) {
                throw new IllegalArgumentException(file + " does not fit this model at parameter " + p.getKey());
            }
            from.getArray().copyTo(p.getValue().getArray());
        }
    }

    static void loadParameters(Path file, Block block, NDManager manager) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            block.loadParameters(manager, in);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException(file + " does not fit this model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
