package org.deepfer.evaluate;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.predict.PredictJob;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * The evaluate job: a trained model run over one labeled split of the faces table (through
 * {@link PredictJob}, so the predictions land in the {@code predictions} table as well), measured
 * with {@link Evaluation}, and calibrated by a temperature fitted on the validation split.
 *
 * <p>Outputs: {@code results/final_eval.json} (every metric, before and after calibration),
 * {@code results/classification_report.txt}, the confusion matrices, ROC curves and reliability
 * diagrams as PNGs, one row in the Delta table {@value #TABLE} per evaluation, and the fitted
 * temperature saved in the model directory as {@link ModelCalibration#FILE}.
 */
public final class EvaluateJob {
    private static final Logger LOG = LogManager.getLogger(EvaluateJob.class);
    public static final String TABLE = "evaluations";

    public static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model_id", DataTypes.StringType, false)
            .add("model_dir", DataTypes.StringType, false)
            .add("backbone", DataTypes.StringType, false)
            .add("input_table", DataTypes.StringType, false)
            .add("input_version", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("tta", DataTypes.StringType, false)
            .add("samples", DataTypes.IntegerType, false)
            .add("accuracy", DataTypes.DoubleType, false)
            .add("top2_accuracy", DataTypes.DoubleType, false)
            .add("macro_f1", DataTypes.DoubleType, false)
            .add("weighted_f1", DataTypes.DoubleType, false)
            .add("macro_roc_auc", DataTypes.DoubleType, true)
            .add("macro_average_precision", DataTypes.DoubleType, true)
            .add("nll", DataTypes.DoubleType, false)
            .add("ece", DataTypes.DoubleType, false)
            .add("mce", DataTypes.DoubleType, false)
            .add("temperature", DataTypes.DoubleType, false)
            .add("ece_calibrated", DataTypes.DoubleType, false)
            .add("nll_calibrated", DataTypes.DoubleType, false)
            .add("class_names", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("f1_per_class", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("confusion_matrix",
                    DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType, false), false), false)
            .add("evaluated_at", DataTypes.StringType, false);

    /**
     * What to evaluate.
     *
     * @param modelDir a model directory written by {@code train}
     * @param split the labeled split to measure; null for test when the table has labeled test
     *     faces, else validation
     * @param version the faces table version (null: latest)
     * @param tta test-time augmentation of every prediction, the calibration's included
     * @param batchSize faces per forward pass
     */
    public record Options(Path modelDir, String split, Long version, FacePredictor.Tta tta, int batchSize) {
        public Options {
            if (modelDir == null) {
                throw new IllegalArgumentException("a model directory is required");
            }
            if (split != null && !Splits.ALL.contains(split)) {
                throw new IllegalArgumentException("unknown split '" + split + "'; expected one of " + Splits.ALL);
            }
            if (tta == null) {
                tta = FacePredictor.Tta.NONE;
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be 1 or more, got " + batchSize);
            }
        }
    }

    /**
     * What the evaluation found.
     *
     * @param evaluation the metrics at temperature 1 (calibration does not move the argmax, so
     *     accuracy, F1 and the confusion matrix hold for both)
     * @param calibrated the same rows at the fitted temperature (ECE, NLL and reliability change)
     * @param calibration the fitted temperature, also saved in the model directory
     */
    public record Result(String runId, String modelId, String split, long inputVersion, String tta,
            Evaluation evaluation, Evaluation calibrated, ModelCalibration calibration, Path report,
            long tableVersion) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final Options options;

    public EvaluateJob(Warehouse warehouse, Options options) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.options = options;
    }

    public Result run() {
        ModelBundle bundle = ModelBundle.load(options.modelDir());
        long facesVersion = warehouse.versionOrLatest(Warehouse.FACES, options.version());
        String split = options.split() != null ? options.split() : warehouse.judgedSplit(facesVersion);
        FacePredictor.Settings settings = new FacePredictor.Settings(options.tta(), 1.0, options.batchSize());

        PredictJob.Summary predicted = predict(warehouse, bundle, split, facesVersion, settings);
        Scores scores = Scores.of(warehouse, predicted, split, bundle.classNames());
        Subject subject = new Subject(bundle.modelId(), bundle.dir().toString(), bundle.spec().name(),
                bundle.classNames());
        ModelCalibration calibration;
        boolean learnedValidation = bundle.trainedOnValidation();
        boolean fitted = !learnedValidation
                && (split.equals(Splits.VALIDATION) || warehouse.hasLabeled(Splits.VALIDATION, facesVersion));
        if (fitted) {
            Scores validation = split.equals(Splits.VALIDATION) ? scores
                    : Scores.of(warehouse, predict(warehouse, bundle, Splits.VALIDATION, facesVersion, settings),
                            Splits.VALIDATION, bundle.classNames());
            calibration = calibrate(warehouse, validation, predicted.inputVersion(), options.tta().label(),
                    bundle.classNames());
        } else {
            // A table without a validation split (e.g. a folder given with --input), or a model that
            // learned from validation (on faces it learned, a fitted temperature would come out too
            // low): keep the model's own calibration, if any.
            calibration = ModelCalibration.read(bundle.dir()).orElse(null);
            LOG.info("[evaluate] {}; using {}", learnedValidation
                            ? "the model was trained on validation (train.includeValidation), so no temperature is"
                                    + " fitted on it"
                            : "no labeled validation faces to calibrate on",
                    calibration == null ? "temperature 1 (the model was never calibrated)"
                            : "the model's calibration.json (T=" + calibration.temperature() + ")");
        }
        Result result = publish(warehouse, subject, split, predicted.inputVersion(), options.tta().label(), scores,
                calibration, "");
        if (fitted) {
            result.calibration().write(run, bundle.dir());
        }
        run.fact("modelDir", bundle.dir().toString());
        return result;
    }

    /** A temperature fitted on {@code validation}, with what it changed there. */
    static ModelCalibration calibrate(Warehouse warehouse, Scores validation, long inputVersion, String tta,
            List<String> classes) {
        double t = TemperatureScaling.fit(validation.labels(), validation.probabilities());
        Evaluation before = Evaluation.of(validation.labels(), validation.probabilities(), classes);
        Evaluation after = Evaluation.of(validation.labels(), TemperatureScaling.apply(validation.probabilities(), t),
                classes);
        return new ModelCalibration(t, warehouse.path(Warehouse.FACES), inputVersion, Splits.VALIDATION,
                validation.labels().length, tta, before.negativeLogLikelihood(), after.negativeLogLikelihood(),
                before.calibration().expectedCalibrationError(), after.calibration().expectedCalibrationError(),
                warehouse.run().runId());
    }

    /**
     * What is evaluated: a model directory, or an ensemble of them.
     *
     * @param id the model id (or the ensemble's name)
     * @param dir where it lives (for an ensemble, its members' directories joined by commas)
     * @param backbone the architecture (for an ensemble, {@code ensemble})
     */
    public record Subject(String id, String dir, String backbone, List<String> classNames) {}

    static PredictJob.Summary predict(Warehouse warehouse, ModelBundle bundle, String split, Long version,
            FacePredictor.Settings settings) {
        LOG.info("[evaluate] predicting the {} split with {}", split, bundle.modelId());
        return new PredictJob(warehouse, new PredictJob.Options(bundle.dir(), split, version, settings)).run();
    }

    /**
     * The labeled rows of one split as one predict run scored them, ordered by row id.
     *
     * @param rowIds the face id of each row
     */
    public record Scores(String[] rowIds, int[] labels, float[][] probabilities) {
        static Scores of(Warehouse warehouse, PredictJob.Summary predicted, String split, List<String> classes) {
            List<Row> rows = warehouse.spark().read().format("delta").option("versionAsOf", predicted.tableVersion())
                    .load(predicted.table())
                    .filter(col("run_id").equalTo(predicted.runId()).and(col("split").equalTo(split))
                            .and(col("model_id").equalTo(predicted.modelId())).and(col("label").isNotNull()))
                    .orderBy("row_id").select("row_id", "label", "probabilities").collectAsList();
            if (rows.isEmpty()) {
                throw new IllegalStateException("the " + split + " split of " + warehouse.path(Warehouse.FACES)
                        + " (version " + predicted.inputVersion() + ") has no labeled faces to evaluate "
                        + predicted.modelId() + " on; choose another with --split");
            }
            String[] ids = new String[rows.size()];
            int[] labels = new int[rows.size()];
            float[][] probabilities = new float[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                ids[i] = r.getString(0);
                labels[i] = r.getInt(1);
                if (labels[i] >= classes.size()) {
                    throw new IllegalStateException("face " + ids[i] + ": label " + labels[i] + " is beyond the "
                            + classes.size() + " classes " + classes + " of " + predicted.modelId()
                            + ": the model was trained on another label set");
                }
                List<Float> p = r.getList(2);
                probabilities[i] = new float[p.size()];
                for (int j = 0; j < p.size(); j++) {
                    probabilities[i][j] = p.get(j);
                }
            }
            return new Scores(ids, labels, probabilities);
        }
    }

    /**
     * Measures {@code scores}, also at the temperature of {@code calibration} (null: none, T = 1),
     * and writes everything: the JSON
     * report, the classification report, the plots (file names start with {@code prefix}) and a row
     * of {@value #TABLE}.
     */
    static Result publish(Warehouse warehouse, Subject subject, String split, long inputVersion, String tta,
            Scores scores, ModelCalibration calibration, String prefix) {
        RunContext run = warehouse.run();
        List<String> classes = subject.classNames();
        double t = calibration == null ? 1.0 : calibration.temperature();
        Evaluation evaluation = run.time("metrics", () -> Evaluation.of(scores.labels(), scores.probabilities(), classes));
        Evaluation calibrated = Evaluation.of(scores.labels(), TemperatureScaling.apply(scores.probabilities(), t),
                classes);

        Path results = Path.of(run.config().paths().results());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", run.runId());
        report.put("modelId", subject.id());
        report.put("modelDir", subject.dir());
        report.put("backbone", subject.backbone());
        report.put("inputTable", warehouse.path(Warehouse.FACES));
        report.put("inputVersion", inputVersion);
        report.put("split", split);
        report.put("tta", tta);
        report.put("evaluatedAt", Instant.now().toString());
        report.put("metrics", evaluation);
        report.put("calibration", calibration == null ? Map.of("temperature", 1.0, "note",
                "not calibrated: no held-out validation faces and no calibration.json") : calibration);
        report.put("calibrated", Map.of(
                "negativeLogLikelihood", calibrated.negativeLogLikelihood(),
                "calibration", calibrated.calibration()));
        Path json = Reports.writeJson(run, results.resolve(prefix + "final_eval.json"), report);

        String header = String.format(Locale.ROOT, "model %s (%s) on the %s split of faces v%d, tta %s, %d faces%n%n",
                subject.id(), subject.backbone(), split, inputVersion, tta, evaluation.samples());
        String footer = String.format(Locale.ROOT,
                "%ntop-2 accuracy %.4f, macro ROC-AUC %.4f, ECE %.4f (T=1) -> %.4f (T=%.3f)%n",
                evaluation.top2Accuracy(), evaluation.macroRocAuc(),
                evaluation.calibration().expectedCalibrationError(),
                calibrated.calibration().expectedCalibrationError(), t);
        Reports.writeText(run, results.resolve(prefix + "classification_report.txt"),
                header + evaluation.classificationReport() + footer);

        run.time("plots", () -> {
            EvaluationPlots.confusionMatrix(evaluation, false, output(run, results.resolve(prefix
                    + "confusion_matrix.png")));
            EvaluationPlots.confusionMatrix(evaluation, true,
                    output(run, results.resolve(prefix + "confusion_matrix_normalized.png")));
            EvaluationPlots.rocCurves(evaluation, output(run, results.resolve(prefix + "roc_curves.png")));
            EvaluationPlots.reliabilityDiagram(evaluation, output(run, results.resolve(prefix
                    + "reliability_diagram.png")));
            EvaluationPlots.reliabilityDiagram(calibrated,
                    output(run, results.resolve(prefix + "reliability_diagram_calibrated.png")));
        });

        List<Double> f1 = evaluation.perClass().stream().map(Evaluation.ClassMetrics::f1).toList();
        Row row = RowFactory.create(run.runId(), subject.id(), subject.dir(), subject.backbone(),
                warehouse.path(Warehouse.FACES), inputVersion, split, tta, evaluation.samples(), evaluation.accuracy(),
                evaluation.top2Accuracy(), evaluation.macroAverage().f1(), evaluation.weightedAverage().f1(),
                nullIfNaN(evaluation.macroRocAuc()), nullIfNaN(evaluation.macroAveragePrecision()),
                evaluation.negativeLogLikelihood(), evaluation.calibration().expectedCalibrationError(),
                evaluation.calibration().maximumCalibrationError(), t,
                calibrated.calibration().expectedCalibrationError(), calibrated.negativeLogLikelihood(),
                evaluation.classNames(), f1, evaluation.confusionMatrix(), Instant.now().toString());
        long tableVersion = warehouse.append(TABLE, List.of(row), SCHEMA);

        run.fact("split", split);
        run.fact("accuracy", evaluation.accuracy());
        run.fact("macroF1", evaluation.macroAverage().f1());
        run.fact("temperature", t);
        LOG.info(String.format(Locale.ROOT, "[evaluate] %s on %s: accuracy %.4f, macro-F1 %.4f, ECE %.4f -> %.4f at T=%.3f",
                subject.id(), split, evaluation.accuracy(), evaluation.macroAverage().f1(),
                evaluation.calibration().expectedCalibrationError(),
                calibrated.calibration().expectedCalibrationError(), t));
        return new Result(run.runId(), subject.id(), split, inputVersion, tta, evaluation, calibrated, calibration, json,
                tableVersion);
    }

    private static Path output(RunContext run, Path png) {
        run.output(png);
        return png;
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
