package org.deepfer.testing;

import java.nio.file.Path;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.ingest.IngestJob;
import org.deepfer.sample.SampleGenerator;
import org.deepfer.sample.SampleManifest;

/** The built-in synthetic sample, generated into a test's folder. */
public final class Samples {
    private Samples() {}

    /** Generates the sample at {@code config.paths().sample()} and returns its manifest. */
    public static SampleManifest generate(DeepFerConfig config) {
        return SampleGenerator.generate(Path.of(config.paths().sample()), config.sample(), config.image().size(),
                config.audit().nearDupHamming(), config.seed());
    }

    /** Generates the sample as {@link #generate} does and ingests it into the config's warehouse. */
    public static SampleManifest ingest(DeepFerConfig config) {
        SampleManifest manifest = generate(config);
        new IngestJob(TestSpark.warehouse(config, "ingest")).run();
        return manifest;
    }

    /** The image-folder part of the generated sample. */
    public static Path folders(DeepFerConfig config) {
        return Path.of(config.paths().sample(), SampleGenerator.DATASET_DIR);
    }

    /** The FER2013-style CSV of the generated sample. */
    public static Path csv(DeepFerConfig config) {
        return Path.of(config.paths().sample(), SampleGenerator.CSV_FILE);
    }
}
