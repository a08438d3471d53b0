package org.deepfer.train;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
 */
final class PretrainedLoader {
    private static final Logger LOG = LogManager.getLogger(PretrainedLoader.class);

    private PretrainedLoader() {}

    static void load(Path source, FerModel target, NDManager manager) {
        Path params = Files.isDirectory(source) ? source.resolve(TrainJob.BEST_PARAMS) : source;
        if (!Files.isRegularFile(params)) {
            throw new IllegalArgumentException("train.pretrained: no parameter file at " + params);
        }
        ModelSpec sourceSpec = target.spec();
        if (Files.isDirectory(source) && Files.exists(source.resolve("config.yaml"))) {
            DeepFerConfig.Train t = ConfigLoader.load(Optional.of(source.resolve("config.yaml")), java.util.List.of())
                    .train();
            sourceSpec = new ModelSpec(t.backbone(), t.inputChannels(), t.inputSize(), Labels.count(), 0.5);
        }
        if (!sourceSpec.name().equalsIgnoreCase(target.spec().name())) {
            throw new IllegalArgumentException("train.pretrained: " + source + " holds a " + sourceSpec.name()
                    + ", not a " + target.spec().name());
        }
        FerModel from = Models.build(sourceSpec);
        from.block().initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, sourceSpec.inputShape(1));
        Checkpoint.loadParameters(params, from.block(), manager);
        target.copyBackboneFrom(from);
        LOG.info("[train] backbone of {} loaded from {} ({} tensors matched; head left fresh)", target.spec().name(),
                params, target.backbone().getParameters().size());
    }
}
