package org.deepfer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.sample.SampleGenerator;
import org.deepfer.sample.SampleManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code deepfer generate-sample}: the built-in synthetic dataset with planted problems. */
@Command(name = "generate-sample", mixinStandardHelpOptions = true,
        header = "Write the built-in synthetic dataset, problems planted.",
        description = {"Write the built-in dataset: procedurally drawn 48x48 faces for the seven FER2013",
            "labels, as image folders (<out>/fer2013/<split>/<label>/) and as a FER2013-style CSV",
            "(<out>/fer2013.csv), with planted problems listed in <out>/planted.json: corrupt,",
            "zero-byte and non-image files, exact and near duplicates, leakage, a label conflict,",
            "blank and wrongly sized images, bad CSV rows. Deterministic for a given seed."})
final class GenerateSampleCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: paths.sample).")
    Path out;

    @Override
    public Integer call() {
        List<String> shortcuts = new ArrayList<>();
        if (out != null) {
            shortcuts.add("paths.sample=" + out);
        }
        DeepFerConfig config = configOptions.load(shortcuts);
        Summaries.print(generate(config), Path.of(config.paths().sample()));
        return 0;
    }

    static SampleManifest generate(DeepFerConfig config) {
        return SampleGenerator.generate(Path.of(config.paths().sample()), config.sample(), config.image().size(),
                config.audit().nearDupHamming(), config.seed());
    }
}
