package org.deepfer.predict;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import org.deepfer.image.FaceImage;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * The predict job: runs a trained model over the faces table (all of it or one split, at its
 * latest or a chosen Delta version) and appends one row per face to the Delta table
 * {@value #TABLE}, with the model, input version and settings that produced it.
 *
 * <p>Inference is distributed: the faces are spread over every core and each partition loads the
 * model once from its directory (a path every executor can read) into a {@link FacePredictor}
 * and predicts in batches, never holding more than a batch of rows. Rows are appended, so runs with
 * other models or settings accumulate side by side, told apart by {@code run_id}.
 */
public final class PredictJob {
    private static final Logger LOG = LogManager.getLogger(PredictJob.class);
    public static final String TABLE = "predictions";

    /** The rows of {@value #TABLE}; {@code probabilities} follow the model's classes.json order. */
    public static final StructType SCHEMA = new StructType()
            .add("row_id", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("prediction", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false)
            .add("model_id", DataTypes.StringType, false)
            .add("model_dir", DataTypes.StringType, false)
            .add("input_table", DataTypes.StringType, false)
            .add("input_version", DataTypes.LongType, false)
            .add("tta", DataTypes.StringType, false)
            .add("temperature", DataTypes.DoubleType, false)
            .add("run_id", DataTypes.StringType, false)
            .add("predicted_at", DataTypes.StringType, false);

    /**
     * What to predict.
     *
     * @param modelDir a model directory written by {@code train}
     * @param split one of {@link Splits#ALL}, or null for every split
     * @param version the faces table version to read (Delta time travel), or null for the latest
     * @param settings test-time augmentation, temperature and batch size
     */
    public record Options(Path modelDir, String split, Long version, FacePredictor.Settings settings) {
        public Options {
            if (modelDir == null) {
                throw new IllegalArgumentException("a model directory is required");
            }
            if (split != null && !Splits.ALL.contains(split)) {
                throw new IllegalArgumentException("unknown split '" + split + "'; expected one of " + Splits.ALL);
            }
            if (version != null && version < 0) {
                throw new IllegalArgumentException("a table version is 0 or more, got " + version);
            }
            if (settings == null) {
                settings = FacePredictor.Settings.defaults();
            }
        }

        /** Every face of the latest version, no augmentation, temperature 1. */
        public static Options of(Path modelDir) {
            return new Options(modelDir, null, null, FacePredictor.Settings.defaults());
        }
    }

    /**
     * What a run did.
     *
     * @param rows faces predicted (rows appended)
     * @param labeled rows with a label
     * @param accuracy share of labeled rows predicted right; NaN when none is labeled
     * @param imagesPerSecond rows over the wall-clock time of the Spark job that predicted and wrote them
     */
    public record Summary(String runId, String modelId, String table, long inputVersion, long tableVersion, long rows,
            long labeled, double accuracy, double seconds, double imagesPerSecond) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final Options options;

    public PredictJob(Warehouse warehouse, Options options) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.options = options;
    }

    public Summary run() {
        // Read on the driver first: a bad model directory fails here, before any Spark work.
        ModelBundle bundle = ModelBundle.load(options.modelDir());
        FacePredictor.Settings settings = options.settings();
        long version = warehouse.versionOrLatest(Warehouse.FACES, options.version());
        Dataset<Row> faces = warehouse.readAt(Warehouse.FACES, version);
        if (options.split() != null) {
            faces = faces.filter(col("split").equalTo(options.split()));
        }
        int partitions = partitions(warehouse);
        Dataset<Row> input = faces.select("id", "source", "split", "label", "width", "height", "pixels")
                .repartition(partitions);
        Provenance provenance = new Provenance(bundle.modelId(), bundle.dir().toString(),
                warehouse.path(Warehouse.FACES), version, settings.tta().label(), settings.temperature(), run.runId(),
                Instant.now().toString());
        LOG.info("[predict] {} ({}) on faces v{}{} in {} partitions, tta {}, temperature {}", bundle.modelId(),
                bundle.spec().name(), version, options.split() == null ? "" : " split " + options.split(), partitions,
                settings.tta().label(), settings.temperature());

        TaskTimes times = TaskTimes.register(warehouse.spark());
        Dataset<Row> predictions = input.mapPartitions(
                new PartitionPredictor(bundle.dir().toString(), settings, provenance,
                        run.config().predict().threads(), times), Encoders.row(SCHEMA));
        long started = System.nanoTime();
        predictions.write().format("delta").mode("append").save(warehouse.path(TABLE));
        double seconds = (System.nanoTime() - started) / 1e9;
        long tableVersion = warehouse.recordWrite(TABLE);
        LOG.info(String.format("[predict] %.1f s wall clock: summed over %d partitions, %.1f s loading the model,"
                + " %.1f s reading and decoding faces, %.1f s in the network", seconds, partitions, times.loadSeconds(),
                times.decodeSeconds(), times.inferenceSeconds()));
        run.fact("modelLoadSeconds", times.loadSeconds());
        run.fact("inferenceSeconds", times.inferenceSeconds());

        Row totals = warehouse.spark().read().format("delta").option("versionAsOf", tableVersion)
                .load(warehouse.path(TABLE)).filter(col("run_id").equalTo(run.runId()))
                .agg(count("*"), count("label"),
                        sum(when(col("label").equalTo(col("prediction")), 1).otherwise(0)))
                .first();
        long rows = totals.getLong(0);
        long labeled = totals.getLong(1);
        long correct = totals.isNullAt(2) ? 0 : totals.getLong(2);
        Summary summary = new Summary(run.runId(), bundle.modelId(), warehouse.path(TABLE), version, tableVersion,
                rows, labeled, labeled == 0 ? Double.NaN : (double) correct / labeled, seconds,
                seconds > 0 ? rows / seconds : 0);
        run.fact("modelDir", bundle.dir().toString());
        run.fact("predictedRows", rows);
        run.fact("accuracy", summary.accuracy());
        run.fact("imagesPerSecond", summary.imagesPerSecond());
        LOG.info(String.format("[predict] %d faces, accuracy %.4f (%d labeled), %.0f images/s", rows,
                summary.accuracy(), labeled, summary.imagesPerSecond()));
        return summary;
    }

    /** predict.partitions, or one per core when it is 0. */
    public static int partitions(Warehouse warehouse) {
        int configured = warehouse.run().config().predict().partitions();
        return configured > 0 ? configured : Math.max(1, warehouse.spark().sparkContext().defaultParallelism());
    }

    /** Sets PyTorch's (process-wide) thread count in an executor, when predict.threads asks for one. */
    public static void useThreads(int threads) {
        if (threads > 0) {
            ai.djl.engine.Engine.getInstance(); // loads the native library the setting lives in
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    /**
     * Where the tasks' time went, summed over partitions (Spark accumulators: task time, not wall
     * clock), so a slow run shows whether the model loads, the decoding or the network dominate.
     */
    record TaskTimes(LongAccumulator loadNanos, LongAccumulator decodeNanos, LongAccumulator inferenceNanos)
            implements java.io.Serializable {
        static TaskTimes register(org.apache.spark.sql.SparkSession spark) {
            return new TaskTimes(spark.sparkContext().longAccumulator("predict.load"),
                    spark.sparkContext().longAccumulator("predict.decode"),
                    spark.sparkContext().longAccumulator("predict.inference"));
        }

        double loadSeconds() {
            return loadNanos.sum() / 1e9;
        }

        double decodeSeconds() {
            return decodeNanos.sum() / 1e9;
        }

        double inferenceSeconds() {
            return inferenceNanos.sum() / 1e9;
        }
    }

    /** What every output row records about how it was made. */
    record Provenance(String modelId, String modelDir, String inputTable, long inputVersion, String tta,
            double temperature, String runId, String predictedAt) implements java.io.Serializable {}

    /**
     * The body of each task: one predictor for the partition, loaded from the model directory on
     * the executor (nothing native travels), fed batch by batch as Spark pulls rows.
     */
    static final class PartitionPredictor implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final String modelDir;
        private final FacePredictor.Settings settings;
        private final Provenance provenance;
        private final int threads;
        private final TaskTimes times;

        PartitionPredictor(String modelDir, FacePredictor.Settings settings, Provenance provenance, int threads,
                TaskTimes times) {
            this.modelDir = modelDir;
            this.settings = settings;
            this.provenance = provenance;
            this.threads = threads;
            this.times = times;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> faces) {
            useThreads(threads);
            return new Batches(faces);
        }

        /** Pulls a batch of faces, predicts it, hands out its rows; closes the predictor when done. */
        private final class Batches implements Iterator<Row> {
            private final Iterator<Row> faces;
            private Iterator<Row> ready = Collections.emptyIterator();
            private FacePredictor predictor;

            Batches(Iterator<Row> faces) {
                this.faces = faces;
                TaskContext task = TaskContext.get();
                if (task != null) {
                    // A failed task must free the model's native memory too.
                    task.addTaskCompletionListener((TaskCompletionListener) context -> close());
                }
            }

            @Override
            public boolean hasNext() {
                if (!ready.hasNext() && faces.hasNext()) {
                    ready = predictNextBatch();
                }
                if (!ready.hasNext()) {
                    close();
                }
                return ready.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.next();
            }

            private Iterator<Row> predictNextBatch() {
                long start = System.nanoTime();
                List<Row> batch = new ArrayList<>(settings.batchSize());
                List<FaceImage> images = new ArrayList<>(settings.batchSize());
                while (batch.size() < settings.batchSize() && faces.hasNext()) {
                    Row r = faces.next();
                    batch.add(r);
                    try {
                        images.add(FaceImage.gray(r.getInt(4), r.getInt(5), r.getAs(6)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalStateException("face " + r.getString(0) + " (" + r.getString(1)
                                + ") cannot be read: " + e.getMessage(), e);
                    }
                }
                long decoded = System.nanoTime();
                times.decodeNanos().add(decoded - start);
                if (predictor == null) {
                    predictor = new FacePredictor(ModelBundle.load(Path.of(modelDir)), settings);
                    long loaded = System.nanoTime();
                    times.loadNanos().add(loaded - decoded);
                    decoded = loaded;
                }
                float[][] probabilities = predictor.probabilitiesOf(images);
                times.inferenceNanos().add(System.nanoTime() - decoded);
                List<Row> out = new ArrayList<>(batch.size());
                for (int k = 0; k < batch.size(); k++) {
                    Row r = batch.get(k);
                    float[] p = probabilities[k];
                    int predicted = FacePredictor.argmax(p);
                    out.add(RowFactory.create(r.getString(0), r.getString(1), r.getString(2),
                            r.isNullAt(3) ? null : r.getInt(3), p, predicted, p[predicted], provenance.modelId(),
                            provenance.modelDir(), provenance.inputTable(), provenance.inputVersion(),
                            provenance.tta(), provenance.temperature(), provenance.runId(),
                            provenance.predictedAt()));
                }
                return out.iterator();
            }

            private void close() {
                if (predictor != null) {
                    predictor.close();
                    predictor = null;
                }
            }
        }
    }
}
