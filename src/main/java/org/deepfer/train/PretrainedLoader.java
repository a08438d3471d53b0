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
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.predict.ModelBundle;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.FerModel;
import org.deepfer.train.model.ModelSpec;
import org.deepfer.train.model.Models;

/**
 * Loads a pretrained backbone into a model: from one of our model directories (its config tells the
 * architecture), a DJL parameter file of the same architecture, or a PyTorch file (a torchvision-style
 * {@code .pth} state dict or a TorchScript {@code .pt}, read by {@link TorchArchive}). Only backbone
 * tensors are taken; the head stays freshly initialised, so a model trained on other classes can be
 * the source. Our own files are matched by name; PyTorch names differ from ours, so PyTorch tensors
 * are matched in layer order, which our architectures share with torchvision, and every pair must
 * agree in shape. A mismatch is refused, and what matched, what was skipped and what was missing is
 * reported.
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
    record Report(String source, List<String> matched, List<String> skipped, List<String> missing,
            List<String> adapted) {}

    private PretrainedLoader() {}

    /** The backbone of {@code source} into {@code target}; its head stays freshly initialised. */
    static Report load(Path source, FerModel target, NDManager manager) {
        return load(source, target, manager, false);
    }

    /**
     * The backbone of {@code source} into {@code target}, and with {@code withHead} its classifier
     * head too: then the source must be one of our model directories or parameter files, and every
     * head tensor must be there with the same shape (the same classes), since a run that continues a
     * model must not silently start from a fresh classifier.
     */
    static Report load(Path source, FerModel target, NDManager manager, boolean withHead) {
        if (Files.isRegularFile(source) && TorchArchive.isTorchArchive(source)) {
            if (withHead) {
                throw new IllegalArgumentException("train.pretrainedHead: " + source + " is a PyTorch file, whose"
                        + " classifier is not ours; only the backbone can be taken from it");
            }
            return loadTorch(source, target);
        }
        Path params = Files.isDirectory(source) ? source.resolve(TrainJob.BEST_PARAMS) : source;
        if (!Files.isRegularFile(params)) {
            if (Files.isDirectory(source) && Files.isRegularFile(source.resolve(ModelBundle.ONNX))) {
                throw new IllegalArgumentException("train.pretrained: " + source + " holds its weights only in "
                        + ModelBundle.ONNX + ", batch norms folded into the convolutions, which cannot continue"
                        + " training; give the training run's directory (its model card names it)");
            }
            throw new IllegalArgumentException("train.pretrained: no parameter file at " + params);
        }
        ModelSpec sourceSpec = target.spec();
        if (Files.isDirectory(source) && Files.exists(source.resolve("config.yaml"))) {
            DeepFerConfig.Train t = ConfigLoader.loadRecorded(source.resolve("config.yaml")).train();
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
        if (withHead) {
            Map<String, Parameter> sourceHead = from.head().getParameters().toMap();
            for (Pair<String, Parameter> p : target.head().getParameters()) {
                Parameter src = sourceHead.get(p.getKey());
                NDArray to = p.getValue().getArray();
                if (src == null || !src.getArray().getShape().equals(to.getShape())) {
                    throw new IllegalArgumentException("train.pretrainedHead: head tensor " + p.getKey() + " is "
                            + (src == null ? "missing from " + params : "of shape " + src.getArray().getShape()
                                    + " in " + params + " but " + to.getShape() + " here")
                            + "; the source must be the same architecture with the same classes");
                }
                src.getArray().copyTo(to);
                matched.add("head/" + p.getKey());
            }
        } else {
            from.head().getParameters().forEach(p -> skipped.add("head/" + p.getKey()));
        }
        Report report = new Report(params.toString(), matched, skipped, missing, List.of());
        LOG.info("[train] pretrained {}: {} tensors matched, {} skipped (e.g. {}), {} missing{}", params,
                matched.size(), report.skipped().size(), report.skipped().stream().limit(2).toList(),
                missing.size(), missing.isEmpty() ? "" : " (left initialised: " + missing + ")");
        return report;
    }

    /**
     * A PyTorch file: its floating-point tensors (integer ones are counters such as batch norm's
     * num_batches_tracked) in file order, paired one by one with the backbone's parameters; what is
     * left over is the source's classifier. An RGB stem loads into a gray model by summing its
     * weights over the colour channels, which gives the same response to a gray image.
     */
    private static Report loadTorch(Path file, FerModel target) {
        List<TorchArchive.Tensor> tensors;
        try {
            tensors = TorchArchive.read(file).stream().filter(TorchArchive.Tensor::isFloatingPoint).toList();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("train.pretrained: " + e.getMessage(), e);
        }
        List<Pair<String, Parameter>> ours = target.backbone().getParameters().stream().toList();
        String what = target.spec().name() + " backbone (input " + target.spec().inputChannels() + "x"
                + target.spec().inputSize() + ")";
        if (tensors.size() < ours.size()) {
            throw new IllegalArgumentException("train.pretrained: " + file + " holds " + tensors.size()
                    + " floating-point tensors but the " + what + " has " + ours.size() + "; refusing to load");
        }
        List<String> matched = new ArrayList<>();
        List<String> adapted = new ArrayList<>();
        for (int i = 0; i < ours.size(); i++) {
            TorchArchive.Tensor t = tensors.get(i);
            NDArray to = ours.get(i).getValue().getArray();
            long[] want = to.getShape().getShape();
            float[] values = t.values();
            if (!java.util.Arrays.equals(t.shape(), want)) {
                if (isRgbStemForGray(t.shape(), want)) {
                    values = sumOverInputChannels(values, t.shape());
                    adapted.add(ours.get(i).getKey() + " <- " + t.name() + " (summed over RGB for gray input)");
                } else {
                    throw new IllegalArgumentException("train.pretrained: tensor #" + (i + 1) + " of " + file + " ("
                            + t.name() + ", shape " + java.util.Arrays.toString(t.shape()) + ") does not fit "
                            + ours.get(i).getKey() + " " + to.getShape() + " of the " + what
                            + ": the file is not a " + target.spec().name()
                            + " with torchvision's layer order; refusing to load");
                }
            }
            to.set(java.nio.FloatBuffer.wrap(values));
            matched.add(ours.get(i).getKey() + " <- " + t.name());
        }
        List<String> skipped = tensors.subList(ours.size(), tensors.size()).stream()
                .map(TorchArchive.Tensor::name).toList();
        if (skipped.size() > 2) {
            LOG.warn("[train] pretrained {}: {} tensors after the backbone's are left unused ({}...); a classifier"
                    + " has 2 — check that the file is a {}", file, skipped.size(), skipped.subList(0, 3),
                    target.spec().name());
        }
        LOG.info("[train] pretrained {} (PyTorch): {} backbone tensors matched in layer order, {} adapted, {} skipped"
                + " {}", file, matched.size(), adapted.size(), skipped.size(), skipped);
        return new Report(file.toString(), matched, skipped, List.of(), adapted);
    }

    private static boolean isRgbStemForGray(long[] source, long[] target) {
        return source.length == 4 && target.length == 4 && source[1] == 3 && target[1] == 1
                && source[0] == target[0] && source[2] == target[2] && source[3] == target[3];
    }

    /** (O, 3, H, W) -> (O, 1, H, W), summing over the input channels. */
    private static float[] sumOverInputChannels(float[] values, long[] shape) {
        int out = (int) shape[0];
        int in = (int) shape[1];
        int plane = (int) (shape[2] * shape[3]);
        float[] summed = new float[out * plane];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int p = 0; p < plane; p++) {
                    summed[o * plane + p] += values[(o * in + c) * plane + p];
                }
            }
        }
        return summed;
    }
}
