package org.deepfer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deepfer.audit.AuditJob;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.evaluate.EvaluateJob;
import org.deepfer.explain.ExplainJob;
import org.deepfer.ingest.IngestException;
import org.deepfer.ingest.IngestJob;
import org.deepfer.pipeline.Fingerprint;
import org.deepfer.pipeline.Housekeeping;
import org.deepfer.pipeline.PipelineLock;
import org.deepfer.pipeline.Stage;
import org.deepfer.pipeline.StageLedger;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.PredictJob;
import org.deepfer.report.HtmlReport;
import org.deepfer.robustness.RobustnessJob;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Warehouse;
import org.deepfer.train.TrainJob;
import org.deepfer.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code deepfer pipeline}: the whole DAG in one Spark session, under the warehouse's run lock.
 * Every stage's inputs (config sections, input files, upstream table versions and model) are
 * fingerprinted; a stage whose fingerprint matches its last success in the Delta table {@code
 * pipeline_stages}, and whose outputs are still there, is skipped. So a nightly run over unchanged
 * data does almost nothing, new data re-runs what depends on it, and a stage that failed is run
 * again next time while the tables of the stages before it stay as they were.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        header = "Run the whole DAG, skipping stages that are unchanged.",
        description = {"Run the DAG: ingest -> audit -> augment -> train -> evaluate -> robustness -> explain",
            "-> export -> report (generate-sample first when no --input is given), in one Spark session.",
            "Stages whose config and inputs are unchanged since they last succeeded are skipped",
            "(recorded in the Delta table 'pipeline_stages'); a second pipeline on the same warehouse",
            "refuses to start. With no arguments it runs on the built-in synthetic sample."})
final class PipelineCommand extends SparkJobCommand {
    @Mixin
    InputOptions inputOptions;

    @Option(names = "--stages", paramLabel = "STAGES", split = ",",
            description = "Stages to run (default: pipeline.stages in conf, the whole DAG). Stages left out"
                    + " are not run; their last successful outputs feed the ones that are.")
    List<String> stages;

    @Option(names = "--force", description = "Run the chosen stages even when nothing they depend on changed.")
    boolean force;

    @Option(names = "--optimize", description = "Compact the tables afterwards (Delta OPTIMIZE; also pipeline.optimize).")
    boolean optimize;

    @Option(names = "--vacuum",
            description = "Vacuum the tables afterwards, keeping pipeline.vacuumRetentionHours of history (Delta VACUUM).")
    boolean vacuum;

    /** Tables the stages write, in stage order: what housekeeping looks after. */
    static final List<String> TABLES = List.of(Warehouse.FACES, Warehouse.QUARANTINE, Warehouse.FACE_COUNTS,
            Warehouse.AUDIT_FINDINGS, Warehouse.FACES_AUG, TrainJob.HISTORY_TABLE, PredictJob.TABLE, EvaluateJob.TABLE,
            RobustnessJob.TABLE, StageLedger.TABLE);

    private static final String TABLE = "table:";
    private static final String FILE = "file:";
    private static final String MODEL = "model";

    @Override
    String jobName() {
        return "pipeline";
    }

    @Override
    List<String> shortcuts() {
        List<String> s = super.shortcuts();
        inputOptions.addTo(s);
        return s;
    }

    @Override
    void execute(Warehouse warehouse) {
        RunContext run = warehouse.run();
        DeepFerConfig config = run.config();
        Set<Stage> chosen = chosenStages(config);
        try (PipelineLock lock = PipelineLock.acquire(warehouse.root(), run.runId(),
                warehouse.spark().sparkContext().hadoopConfiguration())) {
            StageLedger ledger = new StageLedger(warehouse);
            Map<Stage, StageLedger.Entry> last = ledger.lastSuccesses();
            Map<Stage, Map<String, String>> outputs = new EnumMap<>(Stage.class);
            int ran = 0;
            int skipped = 0;
            for (Stage stage : Stage.values()) {
                if (!chosen.contains(stage)) {
                    if (last.containsKey(stage)) {
                        outputs.put(stage, last.get(stage).outputs());
                    }
                    continue;
                }
                requireUpstream(stage, outputs, config);
                String fingerprint = fingerprint(stage, config, outputs, warehouse);
                StageLedger.Entry previous = last.get(stage);
                if (!force && previous != null && previous.fingerprint().equals(fingerprint)
                        && present(previous.outputs(), warehouse)) {
                    System.out.printf("%n[%s] unchanged since pipeline run %s: skipped%n", stage.label(),
                            previous.pipelineRun());
                    outputs.put(stage, previous.outputs());
                    skipped++;
                    continue;
                }
                System.out.printf("%n[%s] running%n", stage.label());
                Instant started = Instant.now();
                Map<String, String> produced;
                try {
                    produced = run.time(stage.label(), () -> runStage(stage, warehouse, outputs));
                } catch (RuntimeException e) {
                    ledger.record(stage, fingerprint, Map.of(), started, seconds(started), e);
                    System.out.printf("%n[%s] failed: %s%nThe tables of the stages before it are as they were; the"
                            + " next pipeline run retries it.%n", stage.label(), e.getMessage());
                    throw e;
                }
                ledger.record(stage, fingerprint, produced, started, seconds(started), null);
                outputs.put(stage, produced);
                ran++;
            }
            run.fact("stagesRun", ran);
            run.fact("stagesSkipped", skipped);
            housekeeping(warehouse, config);
            System.out.printf("%npipeline done: %d stages run, %d unchanged and skipped; tables under %s, reports"
                    + " under %s, provenance in %s%n", ran, skipped, warehouse.root(),
                    Path.of(config.paths().results()).toAbsolutePath(), run.dir());
        }
    }

    /** The stages to run: --stages or pipeline.stages, plus generate-sample when ingest runs on the sample. */
    private Set<Stage> chosenStages(DeepFerConfig config) {
        Set<Stage> chosen = EnumSet.noneOf(Stage.class);
        for (String name : stages != null ? stages : config.pipeline().stages()) {
            try {
                chosen.add(Stage.parse(name));
            } catch (IllegalArgumentException e) {
                throw new ConfigException((stages != null ? "--stages: " : "pipeline.stages: ") + e.getMessage());
            }
        }
        if (chosen.contains(Stage.INGEST) && config.ingest().input().isBlank()) {
            chosen.add(Stage.SAMPLE);
        }
        return chosen;
    }

    private static void requireUpstream(Stage stage, Map<Stage, Map<String, String>> outputs, DeepFerConfig config) {
        for (Stage up : stage.upstream()) {
            if (up == Stage.SAMPLE && !config.ingest().input().isBlank()) {
                continue;
            }
            if (!outputs.containsKey(up)) {
                throw new ConfigException("pipeline stage " + stage.label() + " needs what " + up.label()
                        + " produces, and " + up.label() + " has never succeeded on this warehouse: add "
                        + up.label() + " to --stages");
            }
        }
    }

    /** Everything the stage's result depends on. */
    private static String fingerprint(Stage stage, DeepFerConfig config, Map<Stage, Map<String, String>> outputs,
            Warehouse warehouse) {
        Fingerprint f = new Fingerprint().with("stage", stage.name());
        for (Stage up : stage.upstream()) {
            if (outputs.containsKey(up)) {
                f.with(up.label(), outputs.get(up));
            }
        }
        switch (stage) {
            case SAMPLE -> f.with("sample", config.sample()).with("image", config.image()).with("seed", config.seed())
                    .with("nearDupHamming", config.audit().nearDupHamming()).with("dir", config.paths().sample());
            case INGEST -> {
                String input = ingestInput(config);
                if (!warehouse.pathExists(input)) {
                    // Exit 2 like the ingest job itself: a scheduler must not retry a wrong path.
                    throw new IngestException("input path does not exist: " + input);
                }
                f.with("ingest", config.ingest()).with("image", config.image()).with("files",
                        Fingerprint.listing(input, warehouse.spark().sparkContext().hadoopConfiguration()));
            }
            case AUDIT -> f.with("audit", config.audit());
            case AUGMENT -> f.with("augment", config.augment()).with("seed", config.seed());
            case TRAIN -> f.with("train", config.train()).with("policy", config.augment().policy())
                    .with("seed", config.seed());
            case EVALUATE, ROBUSTNESS, EXPLAIN -> f.with("predict", config.predict());
            case EXPORT, REPORT -> f.with("results", config.paths().results());
        }
        return f.digest();
    }

    /** What ingest reads: ingest.input, or the sample generate-sample draws. */
    private static String ingestInput(DeepFerConfig config) {
        return config.ingest().input().isBlank() ? config.paths().sample() : config.ingest().input();
    }

    /** Runs one stage; returns what it produced (table versions, model directory, files). */
    private static Map<String, String> runStage(Stage stage, Warehouse warehouse,
            Map<Stage, Map<String, String>> outputs) {
        DeepFerConfig config = warehouse.run().config();
        Path results = Path.of(config.paths().results());
        Map<String, String> out = new LinkedHashMap<>();
        switch (stage) {
            case SAMPLE -> {
                Summaries.print(GenerateSampleCommand.generate(config), Path.of(config.paths().sample()));
                out.put(FILE + "sample", Path.of(config.paths().sample()).toAbsolutePath().toString());
            }
            case INGEST -> {
                IngestJob.Result r = new IngestJob(warehouse).run();
                Summaries.print(r, warehouse);
                table(out, warehouse, Warehouse.FACES);
                table(out, warehouse, Warehouse.QUARANTINE);
            }
            case AUDIT -> {
                Summaries.print(new AuditJob(warehouse).run(), warehouse);
                table(out, warehouse, Warehouse.AUDIT_FINDINGS);
                file(out, results.resolve("data_audit.json"));
            }
            case AUGMENT -> {
                Summaries.print(new AugmentJob(warehouse).run(), warehouse);
                table(out, warehouse, Warehouse.FACES_AUG);
                file(out, results.resolve("normalization.json"));
            }
            case TRAIN -> {
                TrainingRun.Result r = TrainCommand.train(warehouse, null);
                System.out.printf(Locale.ROOT, "train: %s (%s), %d epochs in %.0fs; best validation accuracy %.4f,"
                        + " macro-F1 %.4f -> %s%n", config.train().backbone(), config.train().engine(), r.epochsDone(), r.trainSeconds(),
                        r.best() == null ? Double.NaN : r.best().valAccuracy(),
                        r.best() == null ? Double.NaN : r.best().valMacroF1(), r.modelDir());
                out.put(MODEL, r.modelDir().toAbsolutePath().toString());
            }
            case EVALUATE -> {
                EvaluateCommand.print(new EvaluateJob(warehouse, new EvaluateJob.Options(model(outputs), null, null,
                        FacePredictor.Tta.NONE, 128)).run(), warehouse);
                table(out, warehouse, EvaluateJob.TABLE);
                file(out, results.resolve("final_eval.json"));
            }
            case ROBUSTNESS -> {
                RobustnessCommand.print(new RobustnessJob(warehouse, new RobustnessJob.Options(model(outputs), null,
                        null, List.of(), FacePredictor.Tta.NONE, 128, 0)).run(), warehouse);
                table(out, warehouse, RobustnessJob.TABLE);
            }
            case EXPLAIN -> {
                ExplainJob.Result r = new ExplainJob(warehouse, new ExplainJob.Options(model(outputs), null, null,
                        null, 4, 64)).run();
                ExplainCommand.print(r);
                for (Path gallery : r.galleries()) {
                    file(out, gallery);
                }
            }
            case EXPORT -> file(out, ExportCommand.exportModel(model(outputs), config));
            case REPORT -> {
                HtmlReport report = new HtmlReport(results, model(outputs));
                Path page = report.write();
                System.out.printf("report: %s (%s)%n", page, String.join(", ", report.sections()));
                file(out, page);
            }
        }
        return out;
    }

    private static Path model(Map<Stage, Map<String, String>> outputs) {
        return Path.of(outputs.get(Stage.TRAIN).get(MODEL));
    }

    private static void table(Map<String, String> out, Warehouse warehouse, String table) {
        out.put(TABLE + table, Long.toString(warehouse.version(table)));
    }

    private static void file(Map<String, String> out, Path file) {
        out.put(FILE + file.getFileName(), file.toAbsolutePath().toString());
    }

    /** Whether what a stage produced last time is still there: its table versions, model and files. */
    private static boolean present(Map<String, String> produced, Warehouse warehouse) {
        for (Map.Entry<String, String> e : produced.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(TABLE)) {
                String table = key.substring(TABLE.length());
                if (!warehouse.exists(table) || warehouse.version(table) < Long.parseLong(e.getValue())) {
                    return false;
                }
            } else if (key.equals(MODEL)) {
                if (!Files.isRegularFile(Path.of(e.getValue()).resolve("model.params"))) {
                    return false;
                }
            } else if (!Files.exists(Path.of(e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    private void housekeeping(Warehouse warehouse, DeepFerConfig config) {
        boolean compact = optimize || config.pipeline().optimize();
        boolean clean = vacuum || config.pipeline().vacuum();
        if (!compact && !clean) {
            return;
        }
        double hours = config.pipeline().vacuumRetentionHours();
        if (clean && hours < 168) {
            // Delta's guard against vacuuming what a running reader may still need; the retention
            // is the user's choice in conf.
            warehouse.spark().conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
        }
        List<Housekeeping.Done> done = warehouse.run().time("housekeeping",
                () -> new Housekeeping(warehouse).run(TABLES, compact, clean ? hours : null));
        System.out.printf("%nhousekeeping (%s%s):%n", compact ? "optimize" : "",
                clean ? (compact ? ", " : "") + "vacuum keeping " + hours + " h" : "");
        for (Housekeeping.Done d : done) {
            System.out.printf("  %-16s compacted %d files into %d, vacuumed %d%n", d.table(), d.filesCompacted(),
                    d.filesAdded(), d.filesVacuumed());
        }
    }

    private static double seconds(Instant started) {
        return Duration.between(started, Instant.now()).toMillis() / 1000.0;
    }
}
