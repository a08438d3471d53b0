package org.deepfer.ship;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.ModelCalibration;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.predict.ModelBundle;

/**
 * The {@code MODEL_CARD.md} of a shipped model: what it is, what it was trained on and how, how it
 * scores (per class, calibrated, under perturbations), and what it must not be used for. Every
 * figure comes from a file the pipeline wrote (the evaluation and robustness reports, the
 * calibration, the ONNX sidecars, the training history); a section whose report was not given says
 * which command fills it.
 *
 * @param bundle the shipped model
 * @param source the model directory it was shipped from
 * @param parameters its trainable parameter count
 * @param config the training config recorded with it
 * @param history the training history (history.json), possibly empty
 * @param fp32 the ONNX file's sidecar
 * @param int8 the int8 file's sidecar, if shipped
 * @param calibration the fitted temperature, if any
 * @param evaluations final_eval.json reports of this model (e.g. plain and with flip TTA)
 * @param robustness its robustness.json, if given
 * @param twin for a final fit, its held-out twin and the twin's reports, if given
 * @param trainingCard the model card training wrote, kept as an appendix
 * @param files the shipped files and their sizes in bytes
 * @param fixture the recorded fixture
 */
record ModelCard(ModelBundle bundle, Path source, long parameters, DeepFerConfig config, JsonNode history,
        OnnxSidecar fp32, Optional<OnnxSidecar> int8, Optional<ModelCalibration> calibration,
        List<JsonNode> evaluations, Optional<JsonNode> robustness, Optional<ModelShipper.Twin> twin,
        Optional<String> trainingCard,
        Map<String, Long> files, Fixture fixture) {

    String markdown(String title, Instant shippedAt) {
        StringBuilder md = new StringBuilder();
        DeepFerConfig.Train t = config.train();
        md.append("# ").append(title).append("\n\n");
        md.append(String.format(Locale.ROOT, "`%s` at width %s, input %dx%dx%d, %,d parameters; a facial-expression"
                + " classifier for FER2013's seven classes (%s). Shipped %s from `%s` by `deepfer ship`.%n%n",
                bundle.spec().name(), trimmed(bundle.spec().width()), bundle.spec().inputChannels(),
                bundle.spec().inputSize(), bundle.spec().inputSize(), parameters, String.join(", ", bundle.classNames()),
                shippedAt.toString().substring(0, 10), source));

        md.append("## Results on FER2013 validation (PublicTest)\n\n");
        if (t.includeValidation()) {
            finalFitResults(md);
        } else if (evaluations.isEmpty()) {
            md.append("Not evaluated when shipped: run `deepfer evaluate --model <dir> --split validation` and ship"
                    + " again with `--evaluation results/final_eval.json`.\n\n");
        } else {
            evaluationTable(md, evaluations);
            JsonNode first = evaluations.get(0);
            md.append(String.format(Locale.ROOT, "%nFaces table version %d (`%s`), split `%s`. Validation was used"
                    + " for model selection and the temperature fit, so these figures are optimistic for unseen data;"
                    + " FER2013's PrivateTest split was not used.%n%n", first.path("inputVersion").asLong(),
                    first.path("inputTable").asText(), first.path("split").asText()));
            perClassTable(md, first, "");
        }

        md.append("## Calibration\n\n");
        if (calibration.isPresent()) {
            ModelCalibration c = calibration.get();
            md.append(String.format(Locale.ROOT, "Temperature T = %.4f fitted on %,d %s faces (tta %s): negative"
                    + " log-likelihood %.4f → %.4f, ECE (15 bins) %.4f → %.4f (on the faces it was fitted on). The"
                    + " ONNX file has T = %.4f in its graph.%n%n", c.temperature(), c.rows(), c.split(), c.tta(),
                    c.nllBefore(), c.nllAfter(), c.eceBefore(), c.eceAfter(), fp32.temperature()));
        } else if (fp32.temperature() != 1) {
            // Equal to the four decimals the card prints: a refit of the same faces can move the 8th.
            boolean twins = twin.stream().flatMap(tw -> tw.evaluations().stream())
                    .anyMatch(e -> Math.abs(e.path("calibration").path("temperature").asDouble() - fp32.temperature())
                            < 5e-5);
            md.append(String.format(Locale.ROOT, "No temperature fitted on this model's faces%s: T = %.4f%s was set"
                    + " at export (`deepfer export --temperature`) and is in the ONNX file's graph.%n%n",
                    t.includeValidation() ? " (it learned from validation, where one would be fitted)" : "",
                    fp32.temperature(), twins ? ", the temperature fitted on its twin's held-out validation faces," : ""));
        } else {
            md.append("No temperature fitted (`calibration.json` is written by `deepfer evaluate`); T = 1.\n\n");
        }

        md.append("## Robustness\n\n");
        Optional<JsonNode> twinRobustness = twin.flatMap(ModelShipper.Twin::robustness);
        if (twinRobustness.isPresent()) {
            md.append("Of the held-out twin `").append(twin.get().modelId()).append("`. ");
            robustnessTable(md, twinRobustness.get());
        } else if (robustness.isPresent()) {
            if (t.includeValidation() && robustness.get().path("split").asText().equals("validation")) {
                md.append("On validation faces this model learned from, so the clean accuracy and the drops are not"
                        + " what unseen faces would show (ship with `--twin-robustness` for its twin's). ");
            }
            robustnessTable(md, robustness.get());
        } else {
            md.append("Not measured when shipped: `deepfer robustness --model <dir>`.\n\n");
        }

        md.append("## Training\n\n");
        md.append(String.format(Locale.ROOT, "- Data: FER2013 %s, ingested into the Delta table `faces`; audit"
                + " findings %s left out.%n", t.includeValidation() ? "train + validation (Training and PublicTest"
                        + " usage)" : "train (Training usage)", t.excludeFindings()));
        int epochs = history.size();
        double seconds = 0;
        for (JsonNode e : history) {
            seconds += e.path("seconds").asDouble();
        }
        md.append(String.format(Locale.ROOT, "- Recipe: %d epochs (%.1f hours on 2 CPU cores), %s,"
                + " %s schedule with %d warm-up epoch(s), batch %d, loss %s, label smoothing %s, mixup %s, CutMix %s,"
                + " dropout %s, class weights %s, sampler %s, seed %d.%n", epochs, seconds / 3600, optimizer(t),
                t.schedule(), t.warmupEpochs(), t.batchSize(),
                t.loss(), trimmed(t.labelSmoothing()), trimmed(t.mixupAlpha()), trimmed(t.cutmixProbability()),
                trimmed(t.dropout()), t.classWeights(), t.sampler(), config.seed()));
        DeepFerConfig.AugmentPolicy a = config.augment().policy();
        md.append("- Augmentation on the fly: ").append(augmentation(a)).append(".\n");
        if (!t.teacher().isEmpty()) {
            List<String> teachers = t.teachers();
            md.append(String.format(Locale.ROOT, "- Distilled from %s `%s` (temperature %s, alpha %s).%n",
                    teachers.size() == 1 ? "the teacher" : "an ensemble of " + teachers.size() + " teachers (the mean"
                            + " of their tempered probabilities):", String.join("`, `", teachers),
                    trimmed(t.distillTemperature()), trimmed(t.distillAlpha())));
        }
        if (!t.pretrained().isEmpty()) {
            md.append(t.pretrainedHead()
                    ? String.format(Locale.ROOT, "- The whole network started from `%s` (`train.pretrained`,"
                            + " `train.pretrainedHead`): the epochs and hours above continue that model's and do not"
                            + " include them.%n", t.pretrained())
                    : String.format(Locale.ROOT, "- The backbone started from `%s` (`train.pretrained`; the head"
                            + " started fresh), so the epochs and hours above are this run's alone.%n",
                            t.pretrained()));
        }
        if (t.averages()) {
            md.append(String.format(Locale.ROOT, "- Weight averaging (`train.averageFrom` %d): the parameters are the"
                    + " equal-weight average of the weights at the end of every epoch from epoch %d on, batch-norm"
                    + " statistics included (`averaging.json` in the training directory compares it with the"
                    + " trained weights epoch by epoch).%n", t.averageFrom(), t.averageFrom()));
        }
        String averageAt = t.averages() ? "the weight average as it stood at " : "";
        md.append(t.includeValidation()
                ? "- The parameters are " + averageAt + "the last epoch: validation was trained on and could not pick one"
                        + " (`history.json`, `curves.png`).\n\n"
                : "- The parameters are " + averageAt + "the epoch with the best validation macro-F1 (`history.json`,"
                        + " `curves.png`).\n\n");

        String kept = t.includeValidation() ? "last" : "best";
        md.append("## Files\n\nBesides this card:\n\n| file | bytes | what |\n|---|---:|---|\n");
        for (Map.Entry<String, Long> f : files.entrySet()) {
            md.append(String.format(Locale.ROOT, "| `%s` | %,d | %s |%n", f.getKey(), f.getValue(), what(f.getKey(), kept)));
        }
        md.append(String.format(Locale.ROOT, "%n`model.onnx`: raw gray 0–255 faces %s in, probabilities out;"
                + " checked against DJL when exported (max |Δp| %.2g on %d faces).", fp32.input().shape(),
                fp32.verification() == null ? Double.NaN : fp32.verification().maxAbsDiff(),
                fp32.verification() == null ? 0 : fp32.verification().faces()));
        if (fp32.halfPrecision() != null) {
            OnnxSidecar.HalfPrecision h = fp32.halfPrecision();
            md.append(String.format(Locale.ROOT, " Its weights are stored as %s (cast to float32 as the file loads),"
                    + " which moved the probabilities by at most %.2g on those faces (top-1 kept on %d of %d).",
                    h.storage(), h.maxAbsDiff(), h.top1Agreements(), h.faces()));
        }
        if (bundle.weightsFromOnnx()) {
            md.append(" There is no `model.params`: DJL reads its weights from `model.onnx`, each batch norm folded"
                    + " into the convolution before it, which predicts as the trained model does but cannot continue"
                    + " training (fine-tune from the training run, `" + source.getFileName() + "`).");
        }
        int8.ifPresent(q -> md.append(String.format(Locale.ROOT, " `model.int8.onnx`: %s; kept fp32's top-1 class on"
                + " %d of %d faces.", q.quantization().ranges(), q.quantization().agreement().top1Agreements(),
                q.quantization().agreement().faces())));
        md.append(String.format(Locale.ROOT, "%n%nThe fixture (`fixture/`, `fixture.json`): %d procedural faces and the"
                + " probabilities DJL and ONNX Runtime gave them when shipped; `ShippedModelTest` checks both engines"
                + " still give them (within %.0g).%n%n", fixture.faces().size(), Fixture.TOLERANCE));

        md.append("""
                ## Intended use

                Research, teaching and prototyping of facial-expression recognition: batch analysis of face \
                crops, the real-time demo (`deepfer realtime`, `deepfer serve`), and a baseline to compare new \
                models with. The output is the expression a face *appears* to show in one image, as FER2013's \
                annotators would label it — not a person's emotion, intent, personality or mental state.

                Not for decisions about people: hiring, education, policing, border control, insurance, \
                healthcare or any assessment of individuals, and not for surveillance of people who have not \
                agreed to it.

                ## Known limits and biases (FER2013)

                - FER2013 is 35,887 48x48 gray faces found by web image search (Goodfellow et al., 2013), \
                labelled once each by crowd workers; human agreement on it is about 65%, so a share of the \
                labels the model learned from, and is scored on, are wrong.
                - Classes are imbalanced: disgust is 1.5% of the training faces (and 56 validation faces, so \
                its figures are noisy). Fear and sad are the hardest classes, confused with each other and \
                with neutral; happy and surprise are the easiest (see the per-class table).
                - The faces are mostly frontal, posed or semi-posed Western web photos; the dataset has no \
                demographic annotations, so accuracy across age, gender, skin tone and culture is unmeasured \
                and likely uneven. Expressions are also displayed differently across cultures.
                - 48x48 gray input: colour is ignored, and faces must be detected, cropped and aligned first \
                (`deepfer realtime` does this with OpenCV); poor crops, strong pose, occlusion and low light \
                lower accuracy (see Robustness).
                - Probabilities are calibrated on FER2013 validation only; on other cameras and populations \
                they may be over- or under-confident.
                """);
        trainingCard.ifPresent(card -> md.append("\n## Appendix: the card training wrote\n\n")
                .append(card.replaceFirst("^# ", "### ").replace("\n# ", "\n### ")));
        return md.toString();
    }

    /**
     * The results of a model that learned from validation: its twin's held-out figures when given,
     * then its own on validation, labelled as faces it learned from.
     */
    private void finalFitResults(StringBuilder md) {
        if (twin.isPresent() && !twin.get().evaluations().isEmpty()) {
            ModelShipper.Twin tw = twin.get();
            md.append(String.format(Locale.ROOT, "This model is a final fit on train + validation"
                    + " (`train.includeValidation`), so no figure of its own is held out. Its estimate is its twin"
                    + " `%s`: %s, scored on validation it never trained on:%n%n", tw.modelId(),
                    tw.differences().isEmpty() ? "the same recipe with validation held out"
                            : "the recipe with validation held out, which also differs in " + String.join("; ",
                                    tw.differences().stream().map(d -> "`" + d + "`").toList())));
            evaluationTable(md, tw.evaluations());
            JsonNode first = tw.evaluations().get(0);
            md.append(String.format(Locale.ROOT, "%nFaces table version %d (`%s`), split `%s`; the twin chose its"
                    + " epoch on these faces, so they flatter it slightly. FER2013's PrivateTest split was not"
                    + " used.%n%n", first.path("inputVersion").asLong(), first.path("inputTable").asText(),
                    first.path("split").asText()));
            perClassTable(md, first, "the twin, ");
        } else {
            md.append("**This model was trained on train + validation** (`train.includeValidation`), so no figure of"
                    + " its own is held out: ship with `--twin-evaluation` (the final_eval.json of the same recipe"
                    + " trained with validation held out) to give its estimate here.\n\n");
        }
        if (!evaluations.isEmpty()) {
            md.append("This model on validation, which it learned from (a check that the fit took, not a measure of"
                    + " accuracy):\n\n");
            evaluationTable(md, evaluations);
            md.append('\n');
        }
    }

    /** One row per evaluation report: accuracy, F1, top-2, ROC-AUC and calibration error. */
    private static void evaluationTable(StringBuilder md, List<JsonNode> reports) {
        md.append("| test-time augmentation | faces | accuracy | macro-F1 | weighted F1 | top-2 | macro ROC-AUC |"
                + " ECE (T=1) | ECE (T fitted) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (JsonNode e : reports) {
            JsonNode m = e.path("metrics");
            // Without a temperature (T = 1) the calibrated column would repeat the first.
            boolean fitted = e.path("calibration").path("temperature").asDouble(1) != 1;
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %s |%n",
                    e.path("tta").asText(), m.path("samples").asInt(), m.path("accuracy").asDouble(),
                    m.path("macroAverage").path("f1").asDouble(), m.path("weightedAverage").path("f1").asDouble(),
                    m.path("top2Accuracy").asDouble(), m.path("macroRocAuc").asDouble(),
                    m.path("calibration").path("expectedCalibrationError").asDouble(), fitted
                            ? String.format(Locale.ROOT, "%.4f", e.path("calibrated").path("calibration")
                                    .path("expectedCalibrationError").asDouble())
                            : "–"));
        }
    }

    private static void perClassTable(StringBuilder md, JsonNode report, String whose) {
        md.append("Per class (").append(whose).append(report.path("tta").asText()).append("):\n\n");
        md.append("| class | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|\n");
        for (JsonNode c : report.path("metrics").path("perClass")) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f |%n", c.path("name").asText(),
                    c.path("support").asInt(), c.path("precision").asDouble(), c.path("recall").asDouble(),
                    c.path("f1").asDouble()));
        }
        md.append('\n');
    }

    private static void robustnessTable(StringBuilder md, JsonNode r) {
        JsonNode clean = r.path("clean");
        md.append(String.format(Locale.ROOT, "On %,d %s faces: clean accuracy %.4f, mean over every perturbation"
                + " and severity %.4f. The five largest drops:%n%n", r.path("faces").asLong(), r.path("split")
                .asText(), clean.path("accuracy").asDouble(), r.path("meanPerturbedAccuracy").asDouble()));
        List<JsonNode> perturbed = new ArrayList<>();
        r.path("perturbed").forEach(perturbed::add);
        perturbed.sort((a, b) -> Double.compare(b.path("accuracyDrop").asDouble(), a.path("accuracyDrop").asDouble()));
        md.append("| perturbation | severity | level | accuracy | drop |\n|---|---:|---:|---:|---:|\n");
        for (JsonNode p : perturbed.subList(0, Math.min(5, perturbed.size()))) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %s %s | %.4f | %.4f |%n", p.path("perturbation")
                    .asText(), p.path("severity").asInt(), p.path("parameter").asText(),
                    trimmed(p.path("level").asDouble()), p.path("accuracy").asDouble(),
                    p.path("accuracyDrop").asDouble()));
        }
        md.append('\n');
    }

    /** What {@code file} of a shipped directory holds; {@code kept}: which epoch's parameters ("best" or "last"). */
    private static String what(String file, String kept) {
        return switch (file) {
            case "model.onnx" -> "the network for ONNX Runtime (preprocessing, temperature and softmax in the graph)";
            case "model.onnx.json" -> "its sidecar: classes, shapes, normalization, temperature, checks, hash";
            case "model.int8.onnx" -> "int8 quantization of model.onnx";
            case "model.int8.onnx.json" -> "its sidecar: calibration and agreement with fp32";
            case "model.params" -> "DJL (PyTorch) parameters of the " + kept + " epoch";
            case "config.yaml" -> "the training config";
            case "classes.json" -> "class index → name";
            case "normalization.json" -> "input mean and std";
            case "calibration.json" -> "fitted softmax temperature";
            case "best_metrics.json" -> "validation metrics of the " + kept + " epoch, with its confusion matrix";
            case "history.json" -> "per-epoch training and validation metrics";
            case "curves.png" -> "training curves";
            case "TRAINING_CARD.md" -> "the card training wrote";
            case "fixture.json" -> "recorded predictions on the fixture faces";
            default -> file.startsWith(Fixture.DIR + "/") ? "fixture face" : "";
        };
    }

    /** The on-the-fly augmentation policy in one line; the blur's kind and the downscaling only when used. */
    static String augmentation(DeepFerConfig.AugmentPolicy a) {
        String blur = trimmed(a.blurProbability())
                + (a.blurMaxSigma() > 0 ? " (Gaussian, sigma up to " + trimmed(a.blurMaxSigma()) + " px at 48)" : "");
        String downscale = a.downscaleProbability() > 0
                ? String.format(Locale.ROOT, ", downscale %s (factor up to %s)", trimmed(a.downscaleProbability()),
                        trimmed(a.maxDownscale()))
                : "";
        return String.format(Locale.ROOT, "flip %s, rotation ±%s°, shift %s, scale %s–%s, brightness %s, contrast %s,"
                + " gamma %s, noise %s, blur %s%s, cutout %s (side %s)", trimmed(a.flipProbability()),
                trimmed(a.maxRotationDegrees()), trimmed(a.maxShift()), trimmed(a.minScale()), trimmed(a.maxScale()),
                trimmed(a.brightness()), trimmed(a.contrast()), trimmed(a.gamma()), trimmed(a.noiseProbability()),
                blur, downscale, trimmed(a.cutoutProbability()), trimmed(a.cutoutSize()));
    }

    /** The optimizer as a reader of papers would name it, with what its weight decay means under it. */
    static String optimizer(DeepFerConfig.Train t) {
        return switch (t.optimizer()) {
            case "sgd" -> String.format(Locale.ROOT, "SGD with Nesterov momentum %s, lr %s, L2 weight decay %s",
                    trimmed(t.momentum()), trimmed(t.learningRate()), trimmed(t.weightDecay()));
            case "adamw" -> String.format(Locale.ROOT, "AdamW lr %s, decoupled weight decay %s",
                    trimmed(t.learningRate()), trimmed(t.weightDecay()));
            default -> t.optimizer() + " lr " + trimmed(t.learningRate()) + " weight decay " + trimmed(t.weightDecay());
        };
    }

    private static String trimmed(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.4g", v).replaceFirst("\\.?0+$", "").replaceFirst("\\.?0+e", "e");
    }
}
