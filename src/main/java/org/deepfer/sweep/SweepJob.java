package org.deepfer.sweep;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.plot.ScatterChart;
import org.deepfer.run.Csv;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingRun;
import org.deepfer.trials.TrialResult;
import org.deepfer.trials.TrialRunner;
import org.deepfer.trials.TrialSpec;
import org.deepfer.trials.Trials;

/**
 * The model sweep: every model of {@code sweep.models} trained with the same budget on the same
 * faces snapshot, one Spark task per model, compared in Delta table {@value #TABLE},
 * {@code results/model_sweep.csv} and an accuracy-vs-speed plot.
 *
 * <p>Each finished trial is appended to the table at once. {@code --resume <sweep-id>} skips the
 * models the table already holds for that sweep and continues unfinished ones from their last
 * checkpoint.
 */
public final class SweepJob {
    private static final Logger LOG = LogManager.getLogger(SweepJob.class);
    public static final String TABLE = "model_sweep";

    static final StructType SCHEMA = new StructType()
            .add("sweep_id", DataTypes.StringType).add("model", DataTypes.StringType)
            .add("backbone", DataTypes.StringType).add("status", DataTypes.StringType)
            .add("error", DataTypes.StringType).add("params", DataTypes.LongType)
            .add("mflops", DataTypes.DoubleType).add("input", DataTypes.StringType)
            .add("epochs", DataTypes.IntegerType).add("best_epoch", DataTypes.IntegerType)
            .add("val_accuracy", DataTypes.DoubleType).add("val_macro_f1", DataTypes.DoubleType)
            .add("val_f1_per_class", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("train_seconds", DataTypes.DoubleType).add("inference_batch1_ips", DataTypes.DoubleType)
            .add("inference_batch64_ips", DataTypes.DoubleType).add("checkpoint", DataTypes.StringType)
            .add("faces_version", DataTypes.LongType).add("finished_at", DataTypes.StringType);

    private final Warehouse warehouse;
    private final RunContext run;
    private final DeepFerConfig config;
    private final String sweepId;

    /** {@code resumeId}: a sweep to continue (its id, as printed and in the table), or null for a new one. */
    public SweepJob(Warehouse warehouse, String resumeId) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
        this.sweepId = resumeId != null ? resumeId : run.runId();
    }

    public String sweepId() {
        return sweepId;
    }

    /** Runs the models not yet finished in this sweep; returns every row of the sweep, finished earlier or now. */
    public List<TrialResult> run() {
        TrainJob.requireHeldOutValidation(config.train(), "sweep");
        DeepFerConfig.Sweep sweep = config.sweep();
        Map<String, TrialResult> done = finishedEarlier();
        List<TrialSpec> specs = new ArrayList<>();
        Path sweepDir = Path.of(config.train().modelsDir(), "sweep-" + sweepId);
        for (DeepFerConfig.SweepModel m : sweep.models()) {
            if (done.containsKey(m.name())) {
                LOG.info("[sweep] {} already finished in sweep {}; skipped", m.name(), sweepId);
                continue;
            }
            List<String> overrides = new ArrayList<>(List.of("train.backbone=" + m.backbone(),
                    "train.epochs=" + sweep.epochs(), "train.epochsHead=0", "train.epochsFt=0",
                    "train.maxMinutes=" + sweep.maxMinutes()));
            overrides.addAll(m.set());
            specs.add(new TrialSpec(m.name(), overrides, sweepDir.resolve(m.name()).toString(), 0, true));
        }
        run.fact("sweepId", sweepId);
        List<TrialResult> all = new ArrayList<>(done.values());
        if (specs.isEmpty()) {
            LOG.info("[sweep] every model of sweep {} has finished", sweepId);
            writeReports(all);
            return all;
        }
        TrainingRun.Data data = TrainJob.loadData(warehouse);
        Broadcast<TrainingRun.Data> broadcast =
                JavaSparkContext.fromSparkContext(warehouse.spark().sparkContext()).broadcast(data);
        int concurrency = Trials.concurrency(warehouse.spark(), sweep.threadsPerTrial());
        LOG.info("[sweep] {}: {} models, {} epochs each{}, {} at a time ({} threads each)", sweepId, specs.size(),
                sweep.epochs(), sweep.maxMinutes() > 0 ? " (at most " + sweep.maxMinutes() + " min)" : "",
                concurrency, sweep.threadsPerTrial());
        TrialRunner runner = new TrialRunner(config, broadcast, run.runId(), sweep.threadsPerTrial());
        run.time("trials", () -> Trials.run(warehouse.spark(), runner, specs, concurrency, result -> {
            append(result, data.facesVersion());
            all.add(result);
            writeReports(all);
        }));
        broadcast.destroy();
        return all;
    }

    private Map<String, TrialResult> finishedEarlier() {
        Map<String, TrialResult> done = new LinkedHashMap<>();
        if (!warehouse.exists(TABLE)) {
            return done;
        }
        Set<String> wanted = config.sweep().models().stream().map(DeepFerConfig.SweepModel::name)
                .collect(Collectors.toSet());
        for (Row r : warehouse.read(TABLE).filter(col("sweep_id").equalTo(sweepId)).collectAsList()) {
            TrialResult t = fromRow(r);
            if (wanted.contains(t.id())) {
                done.put(t.id(), t);
            }
        }
        return done;
    }

    private void append(TrialResult t, long facesVersion) {
        Row row = RowFactory.create(sweepId, t.id(), t.backbone(), t.status(), t.error(), t.parameters(),
                t.flopsPerImage() / 1e6, t.inputChannels() + "x" + t.inputSize() + "x" + t.inputSize(), t.epochsDone(),
                t.bestEpoch(), t.valAccuracy(), t.valMacroF1(), boxed(t.valF1PerClass()), t.trainSeconds(),
                t.inferenceBatch1(), t.inferenceBatch64(), t.modelDir(), facesVersion, t.finishedAt());
        warehouse.append(TABLE, List.of(row), SCHEMA);
    }

    private static TrialResult fromRow(Row r) {
        List<Double> f1 = r.getList(r.fieldIndex("val_f1_per_class"));
        String input = r.getAs("input");
        String[] dims = input.split("x");
        return new TrialResult(r.getAs("model"), r.getAs("status"), r.getAs("error"), r.getAs("checkpoint"),
                r.getAs("backbone"), Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), r.<Long>getAs("params"),
                Math.round(r.<Double>getAs("mflops") * 1e6), r.<Integer>getAs("epochs"),
                r.<Integer>getAs("best_epoch"), r.<Double>getAs("val_accuracy"), r.<Double>getAs("val_macro_f1"),
                f1.stream().mapToDouble(Double::doubleValue).toArray(), r.<Double>getAs("train_seconds"),
                r.<Double>getAs("inference_batch1_ips"), r.<Double>getAs("inference_batch64_ips"),
                r.getAs("finished_at"));
    }

    private static Object boxed(double[] values) {
        return java.util.Arrays.stream(values).boxed().collect(Collectors.toList());
    }

    /** results/model_sweep.csv (one row per model, in config order) and results/model_sweep.png. */
    private void writeReports(List<TrialResult> rows) {
        List<String> order = config.sweep().models().stream().map(DeepFerConfig.SweepModel::name).toList();
        List<TrialResult> sorted = rows.stream()
                .sorted(java.util.Comparator.comparingInt(t -> order.indexOf(t.id()))).toList();
        StringBuilder csv = new StringBuilder("sweep_id,model,backbone,status,params,mflops,input,epochs,best_epoch,"
                + "val_accuracy,val_macro_f1," + Labels.NAMES.stream().map(n -> "f1_" + n).collect(Collectors.joining(","))
                + ",train_seconds,inference_batch1_ips,inference_batch64_ips,checkpoint,error\n");
        for (TrialResult t : sorted) {
            csv.append(String.join(",", sweepId, t.id(), t.backbone(), t.status(), Long.toString(t.parameters()),
                    Csv.number(t.flopsPerImage() / 1e6), t.inputChannels() + "x" + t.inputSize() + "x" + t.inputSize(),
                    Integer.toString(t.epochsDone()), Integer.toString(t.bestEpoch()), Csv.number(t.valAccuracy()),
                    Csv.number(t.valMacroF1())));
            for (int c = 0; c < Labels.count(); c++) {
                csv.append(',').append(c < t.valF1PerClass().length ? Csv.number(t.valF1PerClass()[c]) : "");
            }
            csv.append(',').append(String.join(",", Csv.number(t.trainSeconds()), Csv.number(t.inferenceBatch1()),
                    Csv.number(t.inferenceBatch64()), t.modelDir(), Csv.text(t.error()))).append('\n');
        }
        Path results = Path.of(config.paths().results());
        Reports.writeText(run, results.resolve("model_sweep.csv"), csv.toString());
        List<ScatterChart.Point> points = sorted.stream().filter(TrialResult::ok)
                .filter(t -> Double.isFinite(t.inferenceBatch64()) && t.inferenceBatch64() > 0)
                .map(t -> new ScatterChart.Point(t.id(), t.inferenceBatch64(), t.valAccuracy())).toList();
        if (!points.isEmpty()) {
            Path png = results.resolve("model_sweep.png");
            ScatterChart.writePng("Model sweep " + sweepId + ": validation accuracy vs CPU inference speed",
                    "inference images/s (batch 64, log scale)", "validation accuracy", points, true, png);
            run.output(png);
        }
    }
}
