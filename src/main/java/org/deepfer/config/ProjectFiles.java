package org.deepfer.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file the configuration names by a relative path is: under the working directory, else
 * under the project ({@code $DEEPFER_HOME}, which {@code spark-submit.sh} sets), so the shipped
 * model and the detector files named in {@code conf/} are found when a command runs from elsewhere.
 * Absolute paths are taken as they are.
 */
public final class ProjectFiles {
    /** The environment variable naming the project directory. */
    public static final String HOME_VARIABLE = "DEEPFER_HOME";

    private ProjectFiles() {}

    /** The places {@code path} may be, in the order they are looked in, absolute. */
    public static List<Path> candidates(Path path) {
        return candidates(path, System.getenv(HOME_VARIABLE));
    }

    /** {@link #candidates(Path)} with the project directory given ({@code null} or blank: none). */
    static List<Path> candidates(Path path, String home) {
        List<Path> places = new ArrayList<>();
        places.add(path.toAbsolutePath().normalize());
        if (!path.isAbsolute() && home != null && !home.isBlank()) {
            Path p = Path.of(home).resolve(path).toAbsolutePath().normalize();
            if (!places.contains(p)) {
                places.add(p);
            }
        }
        return places;
    }
}
