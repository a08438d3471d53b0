package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;

/**
 * Loads a pretrained backbone into a model: from one of our model directories (its config tells the
 * architecture) or a DJL parameter file of the same architecture. Only backbone tensors are taken;
 * the head stays freshly initialised, so a model trained on other classes can be the source.
 * Tensors are matched by name; a shape mismatch is refused, and what matched, what was skipped and
 * what was missing is reported.
 */
final class PretrainedLoader {
    private static final Logger LOG = LogManager.getLogger(PretrainedLoader.class);

    /**
     * What a load did.
     *
     * @param matched backbone tensors copied from the source
     * @param skipped source tensors not used (its head, or names this backbone does not have)
     * @param missing backbone tensors the source lacks; they keep their fresh initialisation
     */
    record Report(String source, List<String> matched, List<String> skipped, List<String> missing) {}

    private PretrainedLoader() {}

    static Report load(Path source, FerModel target, NDManager manager) {
        Path params = Files.isDirectory(source) ? source.resolve(TrainJob.BEST_PARAMS) : source;
        if (!Files.isRegularFile(params)) {
            throw new IllegalArgumentException("train.pretrained: no parameter file at " + params);
        }
        ModelSpec sourceSpec = target.spec();
        if (Files.isDirectory(source) && Files.exists(source.resolve("config.yaml"))) {
            DeepFerConfig.Train t = ConfigLoader.load(Optional.of(source.resolve("config.yaml")), List.of()).train();
            sourceSpec = new ModelSpec(t.backbone(), t.inputChannels(), t.inputSize(), Labels.count(), 0.5, t.width());
        }
        if (!sourceSpec.name().equalsIgnoreCase(target.spec().name())) {
            throw new IllegalArgumentException("train.pretrained: " + source + " holds a " + sourceSpec.name()
                    + ", not a " + target.spec().name());
        }
        FerModel from = Models.build(sourceSpec);
        from.block().initialize(manager, DataType.FLOAT32, sourceSpec.inputShape(1));
        Checkpoint.loadParameters(params, from.block(), manager);

        // Names relative to the backbone block, the same in source and target.
        Map<String, Parameter> unused = new TreeMap<>(from.backbone().getParameters().toMap());
        List<String> matched = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Pair<String, Parameter> p : target.backbone().getParameters()) {
            Parameter src = unused.get(p.getKey());
            if (src == null) {
                missing.add(p.getKey());
                continue;
            }
            NDArray to = p.getValue().getArray();
            if (!src.getArray().getShape().equals(to.getShape())) {
                throw new IllegalArgumentException("train.pretrained: tensor " + p.getKey() + " has shape "
                        + src.getArray().getShape() + " in " + params + " but " + to.getShape() + " in this "
                        + target.spec().name() + " (input " + target.spec().inputChannels() + "x"
                        + target.spec().inputSize() + "); refusing to load");
            }
            src.getArray().copyTo(to);
            unused.remove(p.getKey());
            matched.add(p.getKey());
        }
        if (matched.isEmpty()) {
            throw new IllegalArgumentException("train.pretrained: no tensor of " + params + " matches the "
                    + target.spec().name() + " backbone");
        }
        List<String> skipped = new ArrayList<>(unused.keySet());
        from.head().getParameters().forEach(p -> skipped.add("head/" + p.getKey()));
        Report report = new Report(params.toString(), matched, skipped, missing);
        LOG.info("[train] pretrained {}: {} backbone tensors matched, {} skipped (e.g. {}), {} missing{}", params,
                matched.size(), report.skipped().size(), report.skipped().stream().limit(2).toList(),
                missing.size(), missing.isEmpty() ? "" : " (left initialised: " + missing + ")");
        return report;
    }
}
