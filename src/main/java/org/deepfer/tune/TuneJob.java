package org.deepfer.tune;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.Csv;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingRun;
import org.deepfer.trials.TrialResult;
import org.deepfer.trials.TrialRunner;
import org.deepfer.trials.TrialSpec;
import org.deepfer.trials.Trials;

/**
 * Hyperparameter search: {@code tune.trials} points of {@code tune.space} (Halton or random), run
 * as Spark tasks with successive halving. Rung k trains the surviving trials to its epoch count
 * (every trial's schedule is planned for {@code tune.maxEpochs}, so a promoted trial continues its
 * own run from its checkpoint), and the best 1/eta go on.
 *
 * <p>Trial 0 is the reference: the job's config unchanged. It runs in every rung whatever its
 * score, so the search reports what tuning gained over the defaults at the full budget.
 *
 * <p>Every finished (trial, rung) is appended to Delta table {@value #TABLE} at once; {@code --resume
 * <search-id>} reads it back and runs only what is missing.
 */
public final class TuneJob {
    private static final Logger LOG = LogManager.getLogger(TuneJob.class);
    public static final String TABLE = "hparam_trials";
    static final int REFERENCE = 0;

    static final StructType SCHEMA = new StructType()
            .add("search_id", DataTypes.StringType).add("trial", DataTypes.IntegerType)
            .add("rung", DataTypes.IntegerType).add("rung_epochs", DataTypes.IntegerType)
            .add("params", DataTypes.StringType).add("status", DataTypes.StringType)
            .add("error", DataTypes.StringType).add("metric", DataTypes.StringType)
            .add("score", DataTypes.DoubleType).add("val_accuracy", DataTypes.DoubleType)
            .add("val_macro_f1", DataTypes.DoubleType).add("best_epoch", DataTypes.IntegerType)
            .add("epochs_done", DataTypes.IntegerType).add("train_seconds", DataTypes.DoubleType)
            .add("model_dir", DataTypes.StringType).add("finished_at", DataTypes.StringType);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One finished (trial, rung). */
    record TrialRow(int trial, int rung, int rungEpochs, Map<String, String> params, String status, String error,
            double score, double valAccuracy, double valMacroF1, int bestEpoch, int epochsDone, double trainSeconds,
            String modelDir, Instant finishedAt) {}

    /** What the search found. */
    public record Result(String searchId, List<SuccessiveHalving.Rung> rungs, int bestTrial,
            Map<String, String> bestParams, double bestScore, double referenceScore, int trialsRun,
            Path bestConfig) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final DeepFerConfig config;
    private final DeepFerConfig.Tune tune;
    private final String searchId;

    public TuneJob(Warehouse warehouse, String resumeId) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
        this.tune = config.tune();
        this.searchId = resumeId != null ? resumeId : run.runId();
    }

    public Result run() {
        TrainJob.requireHeldOutValidation(config.train(), "tune");
        SearchSpace space = new SearchSpace(tune.space());
        List<SuccessiveHalving.Rung> rungs =
                SuccessiveHalving.plan(tune.trials(), tune.eta(), tune.minEpochs(), tune.maxEpochs());
        Map<Integer, Map<String, String>> points = new LinkedHashMap<>();
        points.put(REFERENCE, new LinkedHashMap<>());
        for (int i = 1; i <= tune.trials(); i++) {
            points.put(i, space.sample(tune.sampler(), config.seed(), i - 1));
        }
        for (Map.Entry<Integer, Map<String, String>> p : points.entrySet()) {
            try {
                ConfigLoader.load(config, trialOverrides(p.getValue()));
            } catch (ConfigException e) {
                throw new ConfigException("tune.space gives trial " + p.getKey() + " a config that is refused: "
                        + e.getMessage(), e);
            }
        }
        LOG.info("[tune] search {}: {} trials + reference, rungs {}", searchId, tune.trials(), rungs);
        run.fact("searchId", searchId);

        List<TrialRow> rows = new ArrayList<>(finishedEarlier());
        TrainingRun.Data data = null;
        Broadcast<TrainingRun.Data> broadcast = null;
        Path searchDir = Path.of(config.train().modelsDir(), "tune-" + searchId);
        List<Integer> active = new ArrayList<>(points.keySet());
        active.remove(Integer.valueOf(REFERENCE));
        try {
            for (SuccessiveHalving.Rung rung : rungs) {
                List<Integer> inRung = new ArrayList<>(active);
                inRung.add(0, REFERENCE);
                List<TrialSpec> specs = new ArrayList<>();
                for (int trial : inRung) {
                    if (find(rows, trial, rung.index()) == null) {
                        specs.add(new TrialSpec(name(trial), trialOverrides(points.get(trial)),
                                searchDir.resolve(name(trial)).toString(), rung.epochs(), false));
                    }
                }
                LOG.info("[tune] rung {} ({} epochs): {} trials, {} to run", rung.index(), rung.epochs(), inRung.size(),
                        specs.size());
                if (!specs.isEmpty()) {
                    if (broadcast == null) {
                        data = TrainJob.loadData(warehouse);
                        broadcast = JavaSparkContext.fromSparkContext(warehouse.spark().sparkContext())
                                .broadcast(data);
                    }
                    TrialRunner runner = new TrialRunner(config, broadcast, run.runId(), tune.threadsPerTrial());
                    int concurrency = Trials.concurrency(warehouse.spark(), tune.threadsPerTrial());
                    run.time("rung " + rung.index(), () -> Trials.run(warehouse.spark(), runner, specs, concurrency,
                            result -> {
                                TrialRow row = toRow(result, rung, points);
                                append(row);
                                rows.add(row);
                                writeReports(rows, space);
                            }));
                }
                Map<Integer, Double> scores = new HashMap<>();
                for (int trial : active) {
                    scores.put(trial, find(rows, trial, rung.index()).score());
                }
                int next = rung.index() + 1 < rungs.size() ? rungs.get(rung.index() + 1).trials() : 1;
                active = SuccessiveHalving.promote(scores, next);
                if (rung.index() + 1 < rungs.size()) {
                    LOG.info("[tune] rung {} done; promoted {}", rung.index(), active.stream().map(TuneJob::name)
                            .toList());
                }
            }
        } finally {
            if (broadcast != null) {
                broadcast.destroy();
            }
        }
        writeReports(rows, space);
        return summarize(rows, rungs, points);
    }

    private List<String> trialOverrides(Map<String, String> point) {
        List<String> overrides = new ArrayList<>(SearchSpace.overrides(point));
        overrides.add("train.epochs=" + tune.maxEpochs());
        overrides.add("train.epochsHead=0");
        overrides.add("train.epochsFt=0");
        // Halving is the early stopping here; a trial stopping itself would break the rung budgets.
        overrides.add("train.earlyStoppingPatience=0");
        return overrides;
    }

    static String name(int trial) {
        return String.format(Locale.ROOT, "t%03d", trial);
    }

    private TrialRow toRow(TrialResult r, SuccessiveHalving.Rung rung, Map<Integer, Map<String, String>> points) {
        int trial = Integer.parseInt(r.id().substring(1));
        return new TrialRow(trial, rung.index(), rung.epochs(), points.get(trial), r.status(), r.error(),
                r.score(tune.metric()), r.valAccuracy(), r.valMacroF1(), r.bestEpoch(), r.epochsDone(),
                r.trainSeconds(), r.modelDir(), Instant.parse(r.finishedAt()));
    }

    private static TrialRow find(List<TrialRow> rows, int trial, int rung) {
        return rows.stream().filter(r -> r.trial() == trial && r.rung() == rung).findFirst().orElse(null);
    }

    private List<TrialRow> finishedEarlier() {
        List<TrialRow> rows = new ArrayList<>();
        if (!warehouse.exists(TABLE)) {
            return rows;
        }
        for (Row r : warehouse.read(TABLE).filter(col("search_id").equalTo(searchId)).collectAsList()) {
            rows.add(new TrialRow(r.<Integer>getAs("trial"), r.<Integer>getAs("rung"), r.<Integer>getAs("rung_epochs"),
                    parseParams(r.getAs("params")), r.getAs("status"), r.getAs("error"), r.<Double>getAs("score"),
                    r.<Double>getAs("val_accuracy"), r.<Double>getAs("val_macro_f1"), r.<Integer>getAs("best_epoch"),
                    r.<Integer>getAs("epochs_done"), r.<Double>getAs("train_seconds"), r.getAs("model_dir"),
                    Instant.parse(r.getAs("finished_at"))));
        }
        if (!rows.isEmpty()) {
            LOG.info("[tune] resuming search {}: {} (trial, rung) results already recorded", searchId, rows.size());
        }
        return rows;
    }

    private void append(TrialRow t) {
        Row row = RowFactory.create(searchId, t.trial(), t.rung(), t.rungEpochs(), toJson(t.params()), t.status(),
                t.error(), tune.metric(), t.score(), t.valAccuracy(), t.valMacroF1(), t.bestEpoch(), t.epochsDone(),
                t.trainSeconds(), t.modelDir(), t.finishedAt().toString());
        warehouse.append(TABLE, List.of(row), SCHEMA);
    }

    private Result summarize(List<TrialRow> rows, List<SuccessiveHalving.Rung> rungs,
            Map<Integer, Map<String, String>> points) {
        int last = rungs.get(rungs.size() - 1).index();
        TrialRow best = rows.stream().filter(r -> r.rung() == last && r.trial() != REFERENCE)
                .filter(r -> !Double.isNaN(r.score()))
                .max(java.util.Comparator.comparingDouble(TrialRow::score)).orElse(null);
        TrialRow reference = find(rows, REFERENCE, last);
        double referenceScore = reference == null ? Double.NaN : reference.score();
        Path bestConfig = null;
        Map<String, String> bestParams = best == null ? Map.of() : points.get(best.trial());
        if (best != null) {
            DeepFerConfig tuned = ConfigLoader.load(config, trialOverrides(bestParams));
            StringBuilder yaml = new StringBuilder();
            yaml.append("# Best config of search ").append(searchId).append(" (trial ").append(name(best.trial()))
                    .append(String.format(Locale.ROOT, ", %s %.4f at %d epochs; reference %.4f).%n", tune.metric(),
                            best.score(), best.rungEpochs(), referenceScore))
                    .append("# Reproduce: ./spark-submit.sh train --config results/best_config.yaml\n")
                    .append("# Tuned: ").append(bestParams).append('\n')
                    .append(ConfigLoader.toYaml(tuned));
            bestConfig = Reports.writeText(run, Path.of(config.paths().results(), "best_config.yaml"),
                    yaml.toString());
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("searchId", searchId);
        summary.put("metric", tune.metric());
        summary.put("rungs", rungs);
        summary.put("bestTrial", best == null ? null : name(best.trial()));
        summary.put("bestParams", bestParams);
        summary.put("bestScore", best == null ? null : best.score());
        summary.put("referenceScore", Double.isNaN(referenceScore) ? null : referenceScore);
        summary.put("improvement", best == null || Double.isNaN(referenceScore) ? null : best.score() - referenceScore);
        summary.put("trialRuns", rows.size());
        summary.put("failed", rows.stream().filter(r -> !TrialResult.OK.equals(r.status())).count());
        Reports.writeJson(run, Path.of(config.paths().results(), "hparam_summary.json"), summary);
        return new Result(searchId, rungs, best == null ? -1 : best.trial(), bestParams,
                best == null ? Double.NaN : best.score(), referenceScore, rows.size(), bestConfig);
    }

    /** results/hparam_trials.csv and results/hparam_search.png, rewritten as trials finish. */
    private void writeReports(List<TrialRow> rows, SearchSpace space) {
        List<String> keys = tune.space().stream().map(DeepFerConfig.TuneParam::key).toList();
        StringBuilder csv = new StringBuilder("search_id,trial,rung,rung_epochs,status,score,val_accuracy,"
                + "val_macro_f1,best_epoch,epochs_done,train_seconds," + String.join(",", keys)
                + ",model_dir,finished_at,error\n");
        List<TrialRow> sorted = rows.stream().sorted(java.util.Comparator.comparingInt(TrialRow::rung)
                .thenComparingInt(TrialRow::trial)).toList();
        for (TrialRow r : sorted) {
            csv.append(String.join(",", searchId, name(r.trial()), Integer.toString(r.rung()),
                    Integer.toString(r.rungEpochs()), r.status(), Csv.number(r.score()), Csv.number(r.valAccuracy()),
                    Csv.number(r.valMacroF1()), Integer.toString(r.bestEpoch()), Integer.toString(r.epochsDone()),
                    Csv.number(r.trainSeconds())));
            for (String k : keys) {
                csv.append(',').append(r.params().getOrDefault(k, "default"));
            }
            csv.append(',').append(r.modelDir()).append(',').append(r.finishedAt()).append(',')
                    .append(Csv.text(r.error()))
                    .append('\n');
        }
        Path results = Path.of(config.paths().results());
        Reports.writeText(run, results.resolve("hparam_trials.csv"), csv.toString());

        Instant start = rows.stream().map(TrialRow::finishedAt).min(Instant::compareTo).orElse(Instant.now())
                .minusSeconds(Math.round(rows.stream().mapToDouble(TrialRow::trainSeconds).min().orElse(0)));
        List<TunePlots.TrialPoint> points = sorted.stream()
                .filter(r -> r.trial() != REFERENCE && !Double.isNaN(r.score()))
                .map(r -> new TunePlots.TrialPoint(r.trial(), Duration.between(start, r.finishedAt()).toMillis() / 1e3,
                        r.score(), space.unitCoordinates(r.params())))
                .toList();
        if (!points.isEmpty()) {
            Path png = results.resolve("hparam_search.png");
            TunePlots.writePng(points, keys, png);
            run.output(png);
        }
    }

    private static String toJson(Map<String, String> params) {
        try {
            return JSON.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parseParams(String json) {
        try {
            return JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("hparam_trials: unreadable params " + json, e);
        }
    }
}
