package org.deepfer.ship;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.deepfer.config.ProjectFiles;
import org.deepfer.predict.ModelBundle;

/**
 * Where the model shipped in the repository is: {@code models/default} under the working
 * directory, else under {@code $DEEPFER_HOME} (which {@code spark-submit.sh} sets to the project),
 * so every model command runs without {@code --model} on a fresh clone.
 */
public final class DefaultModel {
    /** The shipped model's directory, relative to the project. */
    public static final Path DIR = Path.of("models", "default");
    /** The small fast model shipped beside it. */
    public static final Path FAST_DIR = Path.of("models", "fast");

    private DefaultModel() {}

    /** The places looked in, in order ({@link ProjectFiles#candidates}). */
    public static List<Path> candidates() {
        return ProjectFiles.candidates(DIR);
    }

    /** The first of {@code places} that holds a model's weights (DJL parameters or ONNX export), absolute. */
    public static Optional<Path> find(List<Path> places) {
        return places.stream().filter(DefaultModel::holdsWeights).findFirst()
                .map(p -> p.toAbsolutePath().normalize());
    }

    private static boolean holdsWeights(Path dir) {
        return Files.isRegularFile(dir.resolve(ModelBundle.PARAMS))
                || Files.isRegularFile(dir.resolve(ModelBundle.ONNX));
    }

    /** The default model, if there is one where {@link #candidates} look. */
    public static Optional<Path> find() {
        return find(candidates());
    }
}
