package org.deepfer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import picocli.CommandLine.Option;

/** The options every subcommand shares: which config file, and key=value overrides. */
public final class ConfigOptions {
    /** Used when --config is not given and the file exists (running from the project root). */
    static final Path DEFAULT_FILE = Path.of("conf", "deepfer.yaml");

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config laid over the built-in defaults (default: conf/deepfer.yaml if present).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key, e.g. --set audit.nearDupHamming=6 (repeatable).")
    List<String> overrides = new ArrayList<>();

    /** The resolved config; {@code shortcuts} (from command options like --input) apply before --set. */
    public DeepFerConfig load(List<String> shortcuts) {
        Optional<Path> source = Optional.ofNullable(file)
                .or(() -> Files.isRegularFile(DEFAULT_FILE) ? Optional.of(DEFAULT_FILE) : Optional.empty());
        List<String> all = new ArrayList<>(shortcuts);
        all.addAll(overrides);
        return ConfigLoader.load(source, all);
    }
}
