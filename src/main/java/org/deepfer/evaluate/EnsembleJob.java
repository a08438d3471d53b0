package org.deepfer.evaluate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.predict.PredictJob;
import org.deepfer.run.Reports;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * The ensemble job: several trained models' probabilities averaged, equally or with weights fitted
 * on the validation split (lowest negative log-likelihood of the mixture), and evaluated exactly as
 * {@link EvaluateJob} evaluates one model. Writes {@code results/ensemble_final_eval.json} and the
 * other {@code ensemble_} reports, {@code results/ensemble.json} (members, weights, each member's
 * own scores) and a row of the {@code evaluations} table.
 */
public final class EnsembleJob {
    private static final Logger LOG = LogManager.getLogger(EnsembleJob.class);

    /** mean: equal weights; fitted: weights on the simplex that minimise validation NLL. */
    public enum Weighting {
        MEAN, FITTED;

        public static Weighting parse(String text) {
            for (Weighting w : values()) {
                if (w.name().equalsIgnoreCase(text.trim())) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown weighting '" + text + "'; expected mean or fitted");
        }
    }

    public record Options(List<Path> modelDirs, String split, Long version, FacePredictor.Tta tta, int batchSize,
            Weighting weighting) {
        public Options {
            if (modelDirs == null || modelDirs.size() < 2) {
                throw new IllegalArgumentException("an ensemble needs at least 2 model directories, got "
                        + (modelDirs == null ? 0 : modelDirs.size()));
            }
            modelDirs = List.copyOf(modelDirs);
            if (split != null && !Splits.ALL.contains(split)) {
                throw new IllegalArgumentException("unknown split '" + split + "'; expected one of " + Splits.ALL);
            }
            tta = tta == null ? FacePredictor.Tta.NONE : tta;
            weighting = weighting == null ? Weighting.MEAN : weighting;
        }
    }

    /** One member: its weight and how it scores alone on the evaluated split. */
    public record Member(String modelId, String backbone, double weight, double accuracy, double macroF1) {}

    /**
     * {@code weightsSeenScoredFaces}: the weights were fitted on the very faces the ensemble is
     * scored on (fitted weights, validation split), so its score is optimistic.
     */
    public record Result(EvaluateJob.Result evaluation, List<Member> members, boolean weightsSeenScoredFaces,
            Path report) {}

    private final Warehouse warehouse;
    private final Options options;

    public EnsembleJob(Warehouse warehouse, Options options) {
        this.warehouse = warehouse;
        this.options = options;
    }

    public Result run() {
        List<ModelBundle> bundles = options.modelDirs().stream().map(ModelBundle::load).toList();
        List<String> classes = bundles.get(0).classNames();
        for (ModelBundle b : bundles) {
            if (!b.classNames().equals(classes)) {
                throw new IllegalArgumentException("ensemble members must share their classes: " + b.dir() + " has "
                        + b.classNames() + ", " + bundles.get(0).dir() + " has " + classes);
            }
        }
        long facesVersion = warehouse.versionOrLatest(Warehouse.FACES, options.version());
        String split = options.split() != null ? options.split() : warehouse.judgedSplit(facesVersion);
        FacePredictor.Settings settings = new FacePredictor.Settings(options.tta(), 1.0, options.batchSize());
        List<EvaluateJob.Scores> evaluated = new ArrayList<>();
        List<EvaluateJob.Scores> validation = new ArrayList<>();
        long inputVersion = -1;
        for (ModelBundle b : bundles) {
            PredictJob.Summary s = EvaluateJob.predict(warehouse, b, split, facesVersion, settings);
            inputVersion = s.inputVersion();
            EvaluateJob.Scores scores = EvaluateJob.Scores.of(warehouse, s, split, classes);
            evaluated.add(scores);
            validation.add(split.equals(Splits.VALIDATION) ? scores
                    : EvaluateJob.Scores.of(warehouse, EvaluateJob.predict(warehouse, b, Splits.VALIDATION,
                            facesVersion, settings), Splits.VALIDATION, classes));
        }
        boolean fitted = options.weighting() == Weighting.FITTED;
        double[] weights = fitted ? fitWeights(validation) : equalWeights(bundles.size());
        boolean weightsSeenScoredFaces = fitted && split.equals(Splits.VALIDATION);
        if (weightsSeenScoredFaces) {
            LOG.warn("[ensemble] the weights are fitted on the validation split it is scored on: an optimistic"
                    + " score; use --weights mean, or score a labeled test split");
        }

        EvaluateJob.Scores combined = combine(evaluated, weights);
        EvaluateJob.Scores combinedValidation = combine(validation, weights);
        String name = "ensemble-" + String.join("+", bundles.stream().map(ModelBundle::modelId).toList());
        EvaluateJob.Subject subject = new EvaluateJob.Subject(name,
                String.join(",", bundles.stream().map(b -> b.dir().toString()).toList()), "ensemble", classes);
        ModelCalibration calibration = EvaluateJob.calibrate(warehouse, combinedValidation, inputVersion,
                options.tta().label(), classes);
        EvaluateJob.Result result = EvaluateJob.publish(warehouse, subject, split, inputVersion, options.tta().label(),
                combined, calibration, "ensemble_");

        List<Member> members = new ArrayList<>();
        for (int k = 0; k < bundles.size(); k++) {
            Evaluation alone = Evaluation.of(evaluated.get(k).labels(), evaluated.get(k).probabilities(), classes);
            members.add(new Member(bundles.get(k).modelId(), bundles.get(k).spec().name(), weights[k], alone.accuracy(),
                    alone.macroAverage().f1()));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", warehouse.run().runId());
        report.put("split", split);
        report.put("inputVersion", inputVersion);
        report.put("tta", options.tta().label());
        report.put("weighting", options.weighting().name().toLowerCase(Locale.ROOT));
        report.put("weightsSeenScoredFaces", weightsSeenScoredFaces);
        report.put("members", members);
        report.put("accuracy", result.evaluation().accuracy());
        report.put("macroF1", result.evaluation().macroAverage().f1());
        Path json = Reports.writeJson(warehouse.run(),
                Path.of(warehouse.run().config().paths().results()).resolve("ensemble.json"), report);
        LOG.info(String.format(Locale.ROOT, "[ensemble] %d models, weights %s: accuracy %.4f, macro-F1 %.4f",
                bundles.size(), Arrays.toString(weights), result.evaluation().accuracy(),
                result.evaluation().macroAverage().f1()));
        return new Result(result, members, weightsSeenScoredFaces, json);
    }

    private static double[] equalWeights(int k) {
        double[] w = new double[k];
        Arrays.fill(w, 1.0 / k);
        return w;
    }

    /** The weighted mixture of the members' probabilities; every member must hold the same rows. */
    static EvaluateJob.Scores combine(List<EvaluateJob.Scores> members, double[] weights) {
        EvaluateJob.Scores first = members.get(0);
        int n = first.labels().length;
        int k = first.probabilities()[0].length;
        float[][] mixed = new float[n][k];
        for (int m = 0; m < members.size(); m++) {
            EvaluateJob.Scores s = members.get(m);
            if (!Arrays.equals(s.rowIds(), first.rowIds())) {
                throw new IllegalStateException("ensemble members scored different faces (" + s.rowIds().length
                        + " vs " + n + " rows)");
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    mixed[i][j] += (float) (weights[m] * s.probabilities()[i][j]);
                }
            }
        }
        return new EvaluateJob.Scores(first.rowIds(), first.labels(), mixed);
    }

    /** Mean negative log-likelihood of the mixture with {@code weights}. */
    static double nll(List<EvaluateJob.Scores> members, double[] weights) {
        int[] labels = members.get(0).labels();
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double p = 0;
            for (int m = 0; m < members.size(); m++) {
                p += weights[m] * members.get(m).probabilities()[i][labels[i]];
            }
            sum -= Math.log(Math.max(p, Float.MIN_NORMAL));
        }
        return sum / labels.length;
    }

    /**
     * Weights on the simplex minimising the validation NLL of the mixture, by pairwise transfers:
     * move a step of weight from one member to another while that lowers the NLL, halving the step
     * down to 0.001. The NLL of a mixture is convex in its weights, so this descends to the optimum
     * (to the step's precision) from the equal weights it starts at.
     */
    static double[] fitWeights(List<EvaluateJob.Scores> validation) {
        int k = validation.size();
        double[] w = equalWeights(k);
        double best = nll(validation, w);
        for (double step = 0.1; step >= 0.001; step /= 2) {
            boolean improved = true;
            while (improved) {
                improved = false;
                for (int to = 0; to < k; to++) {
                    for (int from = 0; from < k; from++) {
                        if (to == from || w[from] <= 0) {
                            continue;
                        }
                        double moved = Math.min(step, w[from]);
                        w[from] -= moved;
                        w[to] += moved;
                        double value = nll(validation, w);
                        if (value < best - 1e-12) {
                            best = value;
                            improved = true;
                        } else {
                            w[from] += moved;
                            w[to] -= moved;
                        }
                    }
                }
            }
        }
        return w;
    }
}
