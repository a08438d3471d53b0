package org.deepfer.detect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.config.ProjectFiles;

/** Builds the detector the {@code detect} section of the configuration names. */
public final class FaceDetectors {
    private FaceDetectors() {}

    /** The configured detector ({@code detect.detector}). */
    public static FaceDetector create(DeepFerConfig.Detect conf) {
        return create(conf.detector(), conf);
    }

    /**
     * The detector {@code name} (yunet, ssd or haar) with the thresholds and model files of {@code conf}.
     *
     * @throws ConfigException for an unknown name, or a model file that is missing, naming the key and path
     */
    public static FaceDetector create(String name, DeepFerConfig.Detect conf) {
        FaceDetector detector = createAtFullSize(name, conf);
        return conf.maxWidth() > 0 ? new ScaledDetector(detector, conf.maxWidth()) : detector;
    }

    private static FaceDetector createAtFullSize(String name, DeepFerConfig.Detect conf) {
        return switch (name) {
            case "yunet" -> new YuNetDetector(file("detect.yunetModel", conf.yunetModel()), conf.scoreThreshold(),
                    conf.nmsThreshold(), conf.minFaceSize());
            case "ssd" -> new SsdDetector(file("detect.ssdModel", conf.ssdModel()),
                    file("detect.ssdConfig", conf.ssdConfig()), conf.scoreThreshold(), conf.nmsThreshold(),
                    conf.minFaceSize());
            case "haar" -> new HaarDetector(file("detect.haarCascade", conf.haarCascade()), conf.nmsThreshold(),
                    conf.minFaceSize());
            default -> throw new ConfigException("unknown face detector '" + name + "'; expected yunet, ssd or haar");
        };
    }

    /**
     * The model file {@code path} names: as given, else (relative) under the project, so the
     * configured {@code ../shared/models} paths hold from any working directory.
     */
    private static Path file(String key, String path) {
        if (path == null || path.isBlank()) {
            throw new ConfigException(key + " is empty: set it to the model file (see ../shared/models/README.md)");
        }
        return firstExisting(key, ProjectFiles.candidates(Path.of(path)));
    }

    /** The first of {@code places} that is a file; none is an error naming {@code key} and every place. */
    static Path firstExisting(String key, List<Path> places) {
        return places.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() -> new ConfigException(
                key + ": no such file " + places.stream().map(Path::toString).collect(Collectors.joining(" or "))
                        + " (model files are read from local paths, never downloaded)"));
    }
}
