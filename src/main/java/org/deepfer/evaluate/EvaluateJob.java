package org.deepfer.evaluate;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
        String split = options.split() != null ? options.split() : defaultSplit();
        FacePredictor.Settings settings = new FacePredictor.Settings(options.tta(), 1.0, options.batchSize());

        PredictJob.Summary predicted = predict(bundle, split, settings);
        Scores scores = scores(predicted, split, bundle);
        Scores validation = split.equals(Splits.VALIDATION) ? scores
                : scores(predict(bundle, Splits.VALIDATION, settings), Splits.VALIDATION, bundle);

        ModelCalibration calibration = fitTemperature(validation, predicted, bundle.classNames());
        calibration.write(run, bundle.dir());
        Evaluation evaluation = run.time("metrics",
                () -> Evaluation.of(scores.labels(), scores.probabilities(), bundle.classNames()));
        Evaluation calibrated = Evaluation.of(scores.labels(),
                TemperatureScaling.apply(scores.probabilities(), calibration.temperature()), bundle.classNames());

        Path results = Path.of(run.config().paths().results());
        Path report = writeReports(results, bundle, split, predicted, evaluation, calibrated, calibration);
        long tableVersion = warehouse.append(TABLE, List.of(row(bundle, split, predicted, evaluation, calibrated,
                calibration)), SCHEMA);

        run.fact("modelDir", bundle.dir().toString());
        run.fact("split", split);
        run.fact("accuracy", evaluation.accuracy());
        run.fact("macroF1", evaluation.macroAverage().f1());
        run.fact("temperature", calibration.temperature());
        LOG.info(String.format("[evaluate] %s on %s: accuracy %.4f, macro-F1 %.4f, ECE %.4f -> %.4f at T=%.3f",
                bundle.modelId(), split, evaluation.accuracy(), evaluation.macroAverage().f1(),
                evaluation.calibration().expectedCalibrationError(),
                calibrated.calibration().expectedCalibrationError(), calibration.temperature()));
        return new Result(run.runId(), bundle.modelId(), split, predicted.inputVersion(), options.tta().label(),
                evaluation, calibrated, calibration, report, tableVersion);
    }

    /** Test when the table holds labeled test faces (held out from every choice), else validation. */
    private String defaultSplit() {
        long labeledTest = warehouse.read(Warehouse.FACES)
                .filter(col("split").equalTo(Splits.TEST).and(col("label").isNotNull())).limit(1).count();
        return labeledTest > 0 ? Splits.TEST : Splits.VALIDATION;
    }

    private PredictJob.Summary predict(ModelBundle bundle, String split, FacePredictor.Settings settings) {
        LOG.info("[evaluate] predicting the {} split with {}", split, bundle.modelId());
        return new PredictJob(warehouse, new PredictJob.Options(bundle.dir(), split, options.version(), settings))
                .run();
    }

    /** The labels and probabilities of one split's labeled rows, as this run predicted them. */
    private record Scores(int[] labels, float[][] probabilities) {}

    private Scores scores(PredictJob.Summary predicted, String split, ModelBundle bundle) {
        List<Row> rows = warehouse.spark().read().format("delta").option("versionAsOf", predicted.tableVersion())
                .load(predicted.table())
                .filter(col("run_id").equalTo(predicted.runId()).and(col("split").equalTo(split))
                        .and(col("label").isNotNull()))
                .orderBy("row_id").select("label", "probabilities").collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalStateException("the " + split + " split of " + warehouse.path(Warehouse.FACES) + " (version "
                    + predicted.inputVersion() + ") has no labeled faces to evaluate "
                    + bundle.modelId() + " on; choose another with --split");
        }
        int[] labels = new int[rows.size()];
        float[][] probabilities = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            labels[i] = r.getInt(0);
            if (labels[i] >= bundle.classNames().size()) {
                throw new IllegalStateException("face label " + labels[i] + " is beyond the model's "
                        + bundle.classNames().size() + " classes " + bundle.classNames()
                        + ": the model was trained on another label set");
            }
            List<Float> p = r.getList(1);
            probabilities[i] = new float[p.size()];
            for (int j = 0; j < p.size(); j++) {
                probabilities[i][j] = p.get(j);
            }
        }
        return new Scores(labels, probabilities);
    }

    private ModelCalibration fitTemperature(Scores validation, PredictJob.Summary predicted, List<String> classes) {
        double t = TemperatureScaling.fit(validation.labels(), validation.probabilities());
        float[][] scaled = TemperatureScaling.apply(validation.probabilities(), t);
        Evaluation before = Evaluation.of(validation.labels(), validation.probabilities(), classes);
        Evaluation after = Evaluation.of(validation.labels(), scaled, classes);
        return new ModelCalibration(t, warehouse.path(Warehouse.FACES), predicted.inputVersion(), Splits.VALIDATION,
                validation.labels().length, options.tta().label(), before.negativeLogLikelihood(),
                after.negativeLogLikelihood(), before.calibration().expectedCalibrationError(),
                after.calibration().expectedCalibrationError(), run.runId());
    }

    private Path writeReports(Path results, ModelBundle bundle, String split, PredictJob.Summary predicted,
            Evaluation evaluation, Evaluation calibrated, ModelCalibration calibration) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", run.runId());
        report.put("modelId", bundle.modelId());
        report.put("modelDir", bundle.dir().toString());
        report.put("backbone", bundle.spec().name());
        report.put("inputTable", warehouse.path(Warehouse.FACES));
        report.put("inputVersion", predicted.inputVersion());
        report.put("split", split);
        report.put("tta", options.tta().label());
        report.put("evaluatedAt", Instant.now().toString());
        report.put("metrics", evaluation);
        report.put("calibration", calibration);
        report.put("calibrated", Map.of(
                "negativeLogLikelihood", calibrated.negativeLogLikelihood(),
                "calibration", calibrated.calibration()));
        Path json = Reports.writeJson(run, results.resolve("final_eval.json"), report);

        String header = String.format("model %s (%s) on the %s split of faces v%d, tta %s, %d faces%n%n",
                bundle.modelId(), bundle.spec().name(), split, predicted.inputVersion(), options.tta().label(),
                evaluation.samples());
        String footer = String.format("%ntop-2 accuracy %.4f, macro ROC-AUC %.4f, ECE %.4f (T=1) -> %.4f (T=%.3f)%n",
                evaluation.top2Accuracy(), evaluation.macroRocAuc(),
                evaluation.calibration().expectedCalibrationError(),
                calibrated.calibration().expectedCalibrationError(), calibration.temperature());
        Reports.writeText(run, results.resolve("classification_report.txt"),
                header + evaluation.classificationReport() + footer);

        run.time("plots", () -> {
            EvaluationPlots.confusionMatrix(evaluation, false, output(results.resolve("confusion_matrix.png")));
            EvaluationPlots.confusionMatrix(evaluation, true,
                    output(results.resolve("confusion_matrix_normalized.png")));
            EvaluationPlots.rocCurves(evaluation, output(results.resolve("roc_curves.png")));
            EvaluationPlots.reliabilityDiagram(evaluation, output(results.resolve("reliability_diagram.png")));
            EvaluationPlots.reliabilityDiagram(calibrated,
                    output(results.resolve("reliability_diagram_calibrated.png")));
        });
        return json;
    }

    private Path output(Path png) {
        run.output(png);
        return png;
    }

    private Row row(ModelBundle bundle, String split, PredictJob.Summary predicted, Evaluation e, Evaluation calibrated,
            ModelCalibration calibration) {
        List<Double> f1 = e.perClass().stream().map(Evaluation.ClassMetrics::f1).toList();
        return RowFactory.create(run.runId(), bundle.modelId(), bundle.dir().toString(), bundle.spec().name(),
                warehouse.path(Warehouse.FACES), predicted.inputVersion(), split, options.tta().label(), e.samples(),
                e.accuracy(), e.top2Accuracy(), e.macroAverage().f1(), e.weightedAverage().f1(), nullIfNaN(e.macroRocAuc()),
                nullIfNaN(e.macroAveragePrecision()), e.negativeLogLikelihood(),
                e.calibration().expectedCalibrationError(), e.calibration().maximumCalibrationError(),
                calibration.temperature(), calibrated.calibration().expectedCalibrationError(),
                calibrated.negativeLogLikelihood(), e.classNames(), f1, e.confusionMatrix(), Instant.now().toString());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
