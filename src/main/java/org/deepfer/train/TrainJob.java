package org.deepfer.train;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * The train job: reads a snapshot of the faces table (its version recorded), decodes both splits
 * once into memory, and runs a {@link TrainingRun} on them, appending each epoch's metrics to the
 * Delta table {@value #HISTORY_TABLE}.
 */
public final class TrainJob {
    private static final Logger LOG = LogManager.getLogger(TrainJob.class);
    public static final String HISTORY_TABLE = "training_history";
    static final String BEST_PARAMS = TrainingRun.BEST_PARAMS;

    private final Warehouse warehouse;
    private final RunContext run;
    private final DeepFerConfig config;
    private final DeepFerConfig.Train train;
    private final Path resumeDir;
    /** Stops after this many epochs of the run as if the process had died (tests of resume); 0 = off. */
    private int interruptAfterEpochs;

    /** {@code resumeDir}: a model directory to continue, or null for a new run. */
    public TrainJob(Warehouse warehouse, Path resumeDir) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
        this.train = config.train();
        this.resumeDir = resumeDir;
    }

    /** Makes the run stop after {@code epochs} epochs, leaving its checkpoint as a killed run would. */
    TrainJob interruptAfter(int epochs) {
        this.interruptAfterEpochs = epochs;
        return this;
    }

    public TrainingRun.Result run() {
        Path modelDir = resumeDir != null ? resumeDir : Path.of(train.modelsDir(), run.runId());
        TrainingRun.Data data = loadData(warehouse);
        return new TrainingRun(config, data, modelDir, resumeDir != null, run.runId(), run)
                .interruptAfter(interruptAfterEpochs)
                .listener((modelId, m) -> recordEpoch(modelId, m, data.facesVersion()))
                .run();
    }

    /**
     * The training data of {@code warehouse}'s run config: the faces snapshot's train split (less the
     * audit findings the config excludes) and validation split, decoded, with the normalization and
     * class weights the run will use. The sweep and tuning jobs broadcast it to their trials.
     */
    public static TrainingRun.Data loadData(Warehouse warehouse) {
        return new TrainJob(warehouse, null).loadData();
    }

    private TrainingRun.Data loadData() {
        Dataset<Row> faces = warehouse.read(Warehouse.FACES);
        long facesVersion = warehouse.version(Warehouse.FACES);
        FaceArrays trainSet = run.time("load train", () -> loadTrain(faces));
        FaceArrays valSet = run.time("load validation", () ->
                FaceArrays.load(faces.filter(col("split").equalTo(Splits.VALIDATION)), config.image().size(), 0));
        LOG.info("[train] {} training and {} validation faces (faces version {})", trainSet.count(), valSet.count(),
                facesVersion);
        return new TrainingRun.Data(trainSet, valSet, normalization(trainSet, facesVersion), classWeights(),
                facesVersion, warehouse.path(Warehouse.FACES));
    }

    /**
     * Refuses {@code train.includeValidation} for a job that chooses between runs by their
     * validation scores ({@code job}: sweep, tune), which it would make meaningless.
     */
    public static void requireHeldOutValidation(DeepFerConfig.Train train, String job) {
        if (train.includeValidation()) {
            throw new ConfigException(job + " compares runs on the validation split, so it cannot train on it:"
                    + " set train.includeValidation=false");
        }
    }

    private FaceArrays loadTrain(Dataset<Row> faces) {
        // With includeValidation the final fit also learns from validation (which is still scored, and
        // says so in the model card).
        Dataset<Row> trainRows = train.includeValidation()
                ? faces.filter(col("split").isin(Splits.TRAIN, Splits.VALIDATION))
                : faces.filter(col("split").equalTo(Splits.TRAIN));
        if (!train.excludeFindings().isEmpty()) {
            if (!warehouse.exists(Warehouse.AUDIT_FINDINGS)) {
                throw new IllegalStateException("train.excludeFindings is " + train.excludeFindings()
                        + " but there is no audit_findings table: run `audit` first or set train.excludeFindings=[]");
            }
            Dataset<Row> excluded = warehouse.read(Warehouse.AUDIT_FINDINGS)
                    .filter(col("finding").isin(train.excludeFindings().toArray())).select("source").distinct();
            long before = trainRows.count();
            trainRows = trainRows.join(excluded, trainRows.col("source").equalTo(excluded.col("source")), "left_anti");
            long after = trainRows.count();
            LOG.info("[train] excluded {} training faces flagged {}", before - after, train.excludeFindings());
            run.fact("excludedTrainFaces", before - after);
        }
        return FaceArrays.load(trainRows, config.image().size(), train.maxTrainImages());
    }

    private AugmentJob.Normalization normalization(FaceArrays trainSet, long facesVersion) {
        Path file = Path.of(config.paths().results(), "normalization.json");
        if (Files.exists(file)) {
            return Reports.readJson(file, AugmentJob.Normalization.class);
        }
        double[] sums = new double[2];
        long pixels = 0;
        for (int i = 0; i < trainSet.count(); i++) {
            byte[] px = trainSet.pixels(i);
            AugmentJob.Normalization.accumulate(px, sums);
            pixels += px.length;
        }
        LOG.info("[train] {} missing (run `augment`); computed from the training faces", file);
        return AugmentJob.Normalization.fromSums(sums[0], sums[1], pixels, trainSet.count(), facesVersion,
                config.image().size());
    }

    private float[] classWeights() {
        if (train.classWeights().equals("none")) {
            return null;
        }
        Path file = Path.of(config.paths().results(), "class_weights.json");
        if (!Files.exists(file)) {
            throw new IllegalStateException("train.classWeights=" + train.classWeights() + " needs " + file
                    + " (run `audit` first)");
        }
        try {
            JsonNode weights = new ObjectMapper().readTree(file.toFile())
                    .get(train.classWeights().equals("inverse") ? "inverseFrequency" : "effectiveNumber");
            float[] out = new float[Labels.count()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) weights.get(i).asDouble();
            }
            LOG.info("[train] class weights ({}): {}", train.classWeights(), Arrays.toString(out));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static final StructType HISTORY_SCHEMA = new StructType()
            .add("model_id", DataTypes.StringType).add("epoch", DataTypes.IntegerType)
            .add("phase", DataTypes.StringType).add("learning_rate", DataTypes.DoubleType)
            .add("train_loss", DataTypes.DoubleType).add("train_accuracy", DataTypes.DoubleType)
            .add("train_macro_f1", DataTypes.DoubleType).add("val_loss", DataTypes.DoubleType)
            .add("val_accuracy", DataTypes.DoubleType).add("val_macro_f1", DataTypes.DoubleType)
            .add("images_per_second", DataTypes.DoubleType).add("seconds", DataTypes.DoubleType)
            .add("faces_version", DataTypes.LongType).add("run_id", DataTypes.StringType)
            .add("recorded_at", DataTypes.StringType);

    private void recordEpoch(String modelId, EpochMetrics m, long facesVersion) {
        appendHistory(warehouse, modelId, m, facesVersion);
    }

    /**
     * Appends one epoch of model {@code modelId} to {@value #HISTORY_TABLE}, as this job does after
     * every epoch; the DL4J Spark trainer writes its epochs through here too, so both engines fill
     * the same table with the same schema.
     */
    public static void appendHistory(Warehouse warehouse, String modelId, EpochMetrics m, long facesVersion) {
        Row row = RowFactory.create(modelId, m.epoch(), m.phase(), m.learningRate(), m.trainLoss(), m.trainAccuracy(),
                m.trainMacroF1(), m.valLoss(), m.valAccuracy(), m.valMacroF1(), m.imagesPerSecond(), m.seconds(),
                facesVersion, warehouse.run().runId(), Instant.now().toString());
        warehouse.append(HISTORY_TABLE, List.of(row), HISTORY_SCHEMA);
    }
}
