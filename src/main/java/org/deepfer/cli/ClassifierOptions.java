package org.deepfer.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** How realtime and serve run the model on each face: shortcuts for {@code realtime.engine} and {@code realtime.tta}. */
final class ClassifierOptions {
    @Option(names = "--engine", paramLabel = "ENGINE", description = "onnx | djl (default: realtime.engine).")
    String engine;

    @Option(names = "--tta", paramLabel = "MODE", description = "Test-time augmentation of each face: none | flip"
            + " | tencrop (2 or 10 classifications a face; default: realtime.tta).")
    String tta;

    /** Adds the given options to {@code shortcuts} as config overrides. */
    void addTo(List<String> shortcuts) {
        SparkJobCommand.addIfSet(shortcuts, "realtime.engine", engine);
        SparkJobCommand.addIfSet(shortcuts, "realtime.tta", tta);
    }
}
