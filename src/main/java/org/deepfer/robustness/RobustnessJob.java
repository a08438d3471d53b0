package org.deepfer.robustness;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.image.FaceImage;
import org.deepfer.plot.LineChart;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.ClassificationMetrics;

/**
 * The robustness job: a trained model scored on one labeled split as stored (clean) and under every
 * {@link Perturbation} at each severity, giving accuracy and macro-F1 per perturbation and
 * severity and their drop from clean.
 *
 * <p>Distributed as predict is: each partition loads the model once and, batch by batch, perturbs
 * every face in every way and predicts; only (perturbation, severity, label, prediction) counts
 * come back to the driver. Random choices are seeded by the face id, perturbation, severity and the
 * run seed, so the same faces get the same corruptions in every run, on any number of partitions.
 *
 * <p>Outputs: {@code results/robustness.json}, {@code results/robustness.png} (accuracy against
 * severity, one panel per family), and rows of the Delta table {@value #TABLE}.
 */
public final class RobustnessJob {
    private static final Logger LOG = LogManager.getLogger(RobustnessJob.class);
    public static final String TABLE = "robustness";
    /** The perturbation name of the unperturbed rows (severity 0). */
    public static final String CLEAN = "clean";

    public static final StructType SCHEMA = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model_id", DataTypes.StringType, false)
            .add("model_dir", DataTypes.StringType, false)
            .add("input_table", DataTypes.StringType, false)
            .add("input_version", DataTypes.LongType, false)
            .add("split", DataTypes.StringType, false)
            .add("tta", DataTypes.StringType, false)
            .add("perturbation", DataTypes.StringType, false)
            .add("family", DataTypes.StringType, false)
            .add("severity", DataTypes.IntegerType, false)
            .add("parameter", DataTypes.StringType, false)
            .add("level", DataTypes.DoubleType, false)
            .add("faces", DataTypes.LongType, false)
            .add("accuracy", DataTypes.DoubleType, false)
            .add("macro_f1", DataTypes.DoubleType, false)
            .add("accuracy_drop", DataTypes.DoubleType, false)
            .add("macro_f1_drop", DataTypes.DoubleType, false)
            .add("evaluated_at", DataTypes.StringType, false);

    private static final StructType OUTCOMES = new StructType()
            .add("perturbation", DataTypes.StringType, false)
            .add("severity", DataTypes.IntegerType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("prediction", DataTypes.IntegerType, false);

    /**
     * What to measure.
     *
     * @param split null: test when labeled, else validation (as evaluate)
     * @param perturbations those to apply (empty: all)
     * @param maxFaces at most this many faces of the split, the first by id (0: all)
     */
    public record Options(Path modelDir, String split, Long version, List<Perturbation> perturbations,
            FacePredictor.Tta tta, int batchSize, int maxFaces) {
        public Options {
            if (modelDir == null) {
                throw new IllegalArgumentException("a model directory is required");
            }
            if (split != null && !Splits.ALL.contains(split)) {
                throw new IllegalArgumentException("unknown split '" + split + "'; expected one of " + Splits.ALL);
            }
            perturbations = perturbations == null || perturbations.isEmpty() ? List.of(Perturbation.values())
                    : List.copyOf(perturbations);
            tta = tta == null ? FacePredictor.Tta.NONE : tta;
            if (batchSize < 1 || maxFaces < 0) {
                throw new IllegalArgumentException("batch size must be >= 1 and maxFaces >= 0");
            }
        }
    }

    /** Accuracy and macro-F1 of one (perturbation, severity); the clean score has severity 0. */
    public record Score(String perturbation, String family, int severity, String parameter, double level, long faces,
            double accuracy, double macroF1, double accuracyDrop, double macroF1Drop) {}

    public record Result(String runId, String modelId, String split, long inputVersion, Score clean,
            List<Score> perturbed, double meanAccuracy, Path report) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final Options options;

    public RobustnessJob(Warehouse warehouse, Options options) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.options = options;
    }

    public Result run() {
        ModelBundle bundle = ModelBundle.load(options.modelDir());
        long version = warehouse.versionOrLatest(Warehouse.FACES, options.version());
        Dataset<Row> faces = warehouse.readAt(Warehouse.FACES, version).filter(col("label").isNotNull());
        String split = options.split() != null ? options.split() : warehouse.judgedSplit(version);
        faces = faces.filter(col("split").equalTo(split)).select("id", "label", "width", "height", "pixels");
        if (options.maxFaces() > 0) {
            faces = faces.orderBy("id").limit(options.maxFaces());
        }
        int partitions = org.deepfer.predict.PredictJob.partitions(warehouse);
        List<String> names = options.perturbations().stream().map(Perturbation::label).toList();
        LOG.info("[robustness] {} on the {} split of faces v{}: clean + {} perturbations x {} severities",
                bundle.modelId(), split, version, names.size(), Perturbation.SEVERITIES);

        Dataset<Row> outcomes = faces.repartition(partitions).mapPartitions(
                new PartitionScorer(bundle.dir().toString(), names,
                        new FacePredictor.Settings(options.tta(), 1.0, options.batchSize()), run.config().seed(),
                        run.config().predict().threads()),
                Encoders.row(OUTCOMES));
        List<Row> counts = run.time("predict",
                () -> outcomes.groupBy("perturbation", "severity", "label", "prediction").count().collectAsList());
        if (counts.isEmpty()) {
            throw new IllegalStateException("the " + split + " split of " + warehouse.path(Warehouse.FACES)
                    + " has no labeled faces; choose another with --split");
        }

        int classes = bundle.classNames().size();
        Map<String, long[][]> confusion = new LinkedHashMap<>();
        for (Row r : counts) {
            long[][] m = confusion.computeIfAbsent(r.getString(0) + "#" + r.getInt(1), k -> new long[classes][classes]);
            m[r.getInt(2)][r.getInt(3)] += r.getLong(4);
        }
        ClassificationMetrics cleanMetrics = ClassificationMetrics.of(confusion.get(CLEAN + "#0"));
        long faceCount = total(confusion.get(CLEAN + "#0"));
        Score clean = new Score(CLEAN, CLEAN, 0, "", 0, faceCount, cleanMetrics.accuracy(), cleanMetrics.macroF1(), 0,
                0);
        List<Score> perturbed = new ArrayList<>();
        double accuracySum = 0;
        for (Perturbation p : options.perturbations()) {
            for (int s = 1; s <= Perturbation.SEVERITIES; s++) {
                ClassificationMetrics m = ClassificationMetrics.of(confusion.get(p.label() + "#" + s));
                perturbed.add(new Score(p.label(), p.family(), s, p.parameter(), p.level(s), faceCount, m.accuracy(),
                        m.macroF1(), clean.accuracy() - m.accuracy(), clean.macroF1() - m.macroF1()));
                accuracySum += m.accuracy();
            }
        }
        double meanAccuracy = accuracySum / perturbed.size();

        Path results = Path.of(run.config().paths().results());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", run.runId());
        report.put("modelId", bundle.modelId());
        report.put("modelDir", bundle.dir().toString());
        report.put("inputTable", warehouse.path(Warehouse.FACES));
        report.put("inputVersion", version);
        report.put("split", split);
        report.put("tta", options.tta().label());
        report.put("faces", faceCount);
        report.put("clean", clean);
        report.put("meanPerturbedAccuracy", meanAccuracy);
        report.put("perturbed", perturbed);
        Path json = Reports.writeJson(run, results.resolve("robustness.json"), report);
        Path png = results.resolve("robustness.png");
        plot(clean, perturbed, bundle.modelId(), png);
        run.output(png);

        String now = Instant.now().toString();
        List<Row> rows = new ArrayList<>();
        for (Score s : concat(clean, perturbed)) {
            rows.add(RowFactory.create(run.runId(), bundle.modelId(), bundle.dir().toString(),
                    warehouse.path(Warehouse.FACES), version, split, options.tta().label(), s.perturbation(),
                    s.family(), s.severity(), s.parameter(), s.level(), s.faces(), s.accuracy(), s.macroF1(),
                    s.accuracyDrop(), s.macroF1Drop(), now));
        }
        warehouse.append(TABLE, rows, SCHEMA);
        run.fact("cleanAccuracy", clean.accuracy());
        run.fact("meanPerturbedAccuracy", meanAccuracy);
        LOG.info(String.format("[robustness] clean accuracy %.4f, mean under perturbation %.4f (%d faces)",
                clean.accuracy(), meanAccuracy, faceCount));
        return new Result(run.runId(), bundle.modelId(), split, version, clean, perturbed, meanAccuracy, json);
    }

    private static long total(long[][] m) {
        long n = 0;
        for (long[] row : m) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    private static List<Score> concat(Score first, List<Score> rest) {
        List<Score> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** One panel per family: accuracy against severity (0 = clean) for each of its perturbations. */
    static void plot(Score clean, List<Score> perturbed, String modelId, Path png) {
        Map<String, Map<String, double[]>> byFamily = new LinkedHashMap<>();
        for (Score s : perturbed) {
            double[] y = byFamily.computeIfAbsent(s.family(), f -> new LinkedHashMap<>())
                    .computeIfAbsent(s.perturbation(), p -> {
                        double[] a = new double[Perturbation.SEVERITIES + 1];
                        a[0] = clean.accuracy();
                        return a;
                    });
            y[s.severity()] = s.accuracy();
        }
        double[] x = new double[Perturbation.SEVERITIES + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        List<LineChart.Panel> panels = new ArrayList<>();
        for (Map.Entry<String, Map<String, double[]>> family : byFamily.entrySet()) {
            List<LineChart.Series> series = new ArrayList<>();
            family.getValue().forEach((name, y) -> series.add(new LineChart.Series(name, x, y)));
            panels.add(new LineChart.Panel(family.getKey() + " (" + modelId + ")", "severity (0 = clean)", "accuracy",
                    series, true));
        }
        LineChart.writePng(panels, 420 * panels.size(), 440, png);
    }

    /**
     * The body of each task: one predictor per partition; for each batch of faces, the clean faces
     * and every perturbed version are predicted and reduced to (perturbation, severity, label,
     * prediction) rows.
     */
    static final class PartitionScorer implements MapPartitionsFunction<Row, Row>, Serializable {
        private static final long serialVersionUID = 1L;
        private final String modelDir;
        private final List<String> perturbations;
        private final FacePredictor.Settings settings;
        private final long seed;
        private final int threads;

        PartitionScorer(String modelDir, List<String> perturbations, FacePredictor.Settings settings, long seed,
                int threads) {
            this.modelDir = modelDir;
            this.perturbations = List.copyOf(perturbations);
            this.settings = settings;
            this.seed = seed;
            this.threads = threads;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> faces) {
            List<Row> out = new ArrayList<>();
            if (!faces.hasNext()) {
                return out.iterator();
            }
            org.deepfer.predict.PredictJob.useThreads(threads);
            List<Perturbation> kinds = perturbations.stream().map(Perturbation::parse).toList();
            try (FacePredictor predictor = new FacePredictor(ModelBundle.load(Path.of(modelDir)), settings)) {
                List<Row> batch = new ArrayList<>(settings.batchSize());
                while (faces.hasNext()) {
                    batch.add(faces.next());
                    if (batch.size() == settings.batchSize() || !faces.hasNext()) {
                        score(predictor, kinds, batch, out);
                        batch.clear();
                    }
                }
            }
            return out.iterator();
        }

        private void score(FacePredictor predictor, List<Perturbation> kinds, List<Row> batch, List<Row> out) {
            List<FaceImage> clean = new ArrayList<>(batch.size());
            int[] labels = new int[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                Row r = batch.get(i);
                try {
                    clean.add(FaceImage.gray(r.getInt(2), r.getInt(3), r.getAs(4)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("face " + r.getString(0) + " cannot be read: " + e.getMessage(), e);
                }
                labels[i] = r.getInt(1);
            }
            emit(CLEAN, 0, labels, predictor.probabilitiesOf(clean), out);
            for (Perturbation p : kinds) {
                for (int s = 1; s <= Perturbation.SEVERITIES; s++) {
                    List<FaceImage> perturbed = new ArrayList<>(clean.size());
                    for (int i = 0; i < clean.size(); i++) {
                        perturbed.add(p.apply(clean.get(i), s, random(batch.get(i).getString(0), p, s)));
                    }
                    emit(p.label(), s, labels, predictor.probabilitiesOf(perturbed), out);
                }
            }
        }

        /** A generator that depends only on the face, the perturbation, the severity and the run seed. */
        private SplittableRandom random(String faceId, Perturbation p, int severity) {
            long h = seed * 0x9E3779B97F4A7C15L + faceId.hashCode();
            h = h * 31 + p.ordinal();
            h = h * 31 + severity;
            return new SplittableRandom(h);
        }

        private static void emit(String perturbation, int severity, int[] labels, float[][] probabilities,
                List<Row> out) {
            for (int i = 0; i < labels.length; i++) {
                out.add(RowFactory.create(perturbation, severity, labels[i], FacePredictor.argmax(probabilities[i])));
            }
        }
    }
}
