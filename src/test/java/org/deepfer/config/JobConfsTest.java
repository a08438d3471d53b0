package org.deepfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.deepfer.pipeline.Stage;
import org.junit.jupiter.api.Test;

/** The job confs a scheduler passes with --config (jobs/conf/*.yaml) load, and say what they promise. */
class JobConfsTest {
    private static final Path CONFS = Path.of("jobs", "conf");

    private static DeepFerConfig load(String name) {
        return ConfigLoader.load(Optional.of(CONFS.resolve(name)), List.of());
    }

    @Test
    void everyJobConfLoadsAndNamesOnlyRealStages() throws Exception {
        List<Path> confs;
        try (Stream<Path> files = Files.list(CONFS)) {
            confs = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(confs.size() >= 2, "job confs in " + CONFS.toAbsolutePath() + ": " + confs);
        for (Path conf : confs) {
            DeepFerConfig config = load(conf.getFileName().toString());
            assertFalse(config.pipeline().stages().isEmpty(), conf + ": pipeline.stages");
            config.pipeline().stages().forEach(Stage::parse);
        }
    }

    @Test
    void nightlyRunsTheWholeDagOnARealDatasetAndDataOnlyStopsBeforeTraining() {
        DeepFerConfig nightly = load("nightly.yaml");
        assertEquals(Stage.labels(), nightly.pipeline().stages());
        assertFalse(nightly.ingest().input().isBlank(), "nightly reads a dataset, not the built-in sample");
        assertTrue(nightly.train().maxMinutes() > 0, "a night's training has a wall-clock cap");
        assertTrue(nightly.pipeline().vacuumRetentionHours() >= 168, "time travel reaches back a week");

        DeepFerConfig dataOnly = load("data-only.yaml");
        assertEquals(List.of("ingest", "audit", "augment"), dataOnly.pipeline().stages());
        assertEquals(ConfigLoader.defaults().train(), dataOnly.train(), "data-only leaves training settings alone");
    }
}
