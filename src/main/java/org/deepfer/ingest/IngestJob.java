package org.deepfer.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Warehouse;
import scala.Tuple2;

/**
 * Reads a FER dataset (FER2013 CSV, image folders, or a generic folder plus labels CSV) into the
 * Delta table {@code faces}; records that cannot be used go to {@code quarantine} with a reason.
 * Re-running is idempotent: both tables are MERGEd on {@code source}, and a record lives in exactly
 * one of them.
 */
public final class IngestJob {
    private static final Logger LOG = LogManager.getLogger(IngestJob.class);

    /** Columns of the decoded records, faces and rejects together. */
    static final StructType RECORD_SCHEMA = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, true)
            .add("split", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("id", DataTypes.StringType, true)
            .add("orig_width", DataTypes.IntegerType, false)
            .add("orig_height", DataTypes.IntegerType, false)
            .add("orig_channels", DataTypes.IntegerType, false)
            .add("width", DataTypes.IntegerType, false)
            .add("height", DataTypes.IntegerType, false)
            .add("pixels", DataTypes.BinaryType, true)
            .add("file_bytes", DataTypes.LongType, false)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true);

    static final List<String> FACE_COLUMNS = List.of("id", "source", "line", "split", "label", "label_name",
            "orig_width", "orig_height", "orig_channels", "width", "height", "pixels", "file_bytes", "dataset",
            "ingest_run", "ingested_at");
    static final List<String> QUARANTINE_COLUMNS = List.of("source", "line", "split", "label", "label_name",
            "file_bytes", "reason", "detail", "dataset", "ingest_run", "ingested_at");

    /** What one ingest did. */
    public record Result(String input, String format, long faces, long quarantined, Map<String, Long> reasons,
            long facesVersion, long quarantineVersion) {}

    /** Images decoded per Spark task: large enough that task overhead stays small. */
    private static final int FILES_PER_TASK = 2_000;

    private final Warehouse warehouse;
    private final DeepFerConfig config;
    private final RunContext run;
    private final SparkSession spark;

    public IngestJob(Warehouse warehouse) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.config = run.config();
        this.spark = warehouse.spark();
    }

    /** Ingests the configured input (or the built-in sample when none is configured). */
    public Result run() {
        String input = resolveInput();
        String format = detectFormat(input);
        String dataset = datasetName(input);
        LOG.info("[ingest] {} as {} (dataset '{}')", input, format, dataset);
        run.fact("input", input);
        run.fact("format", format);

        Dataset<Row> decoded = switch (format) {
            case "fer2013-csv" -> fromCsv(input);
            case "folders" -> fromFolders(input);
            case "generic" -> fromGeneric(input);
            default -> throw new IllegalArgumentException("unknown ingest format " + format);
        };
        Dataset<Row> records = decoded.withColumn("dataset", lit(dataset))
                .withColumn("ingest_run", lit(run.runId()))
                .withColumn("ingested_at", current_timestamp())
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> reasons = run.time("decode", () -> countOutcomes(records));
            long faces = reasons.getOrDefault("ok", 0L);
            reasons.remove("ok");
            long rejected = reasons.values().stream().mapToLong(Long::longValue).sum();
            run.time("write faces", () -> upsert(Warehouse.FACES, records, FACE_COLUMNS, true));
            run.time("write quarantine", () -> upsert(Warehouse.QUARANTINE, records, QUARANTINE_COLUMNS, false));
            long facesVersion = warehouse.recordWrite(Warehouse.FACES);
            long quarantineVersion = warehouse.recordWrite(Warehouse.QUARANTINE);
            run.time("counts", this::writeCounts);
            writeClassesJson();
            run.fact("faces", faces);
            run.fact("quarantined", rejected);
            run.fact("quarantineReasons", reasons);
            return new Result(input, format, faces, rejected, reasons, facesVersion, quarantineVersion);
        } finally {
            records.unpersist();
        }
    }

    private String resolveInput() {
        String input = config.ingest().input();
        if (input.isBlank()) {
            input = Path.of(config.paths().sample(), "fer2013").toString();
            if (!Files.isDirectory(Path.of(input))) {
                throw new IngestException("no ingest.input configured and no built-in sample at " + input
                        + ": run `generate-sample` first or pass --input");
            }
        }
        if (!warehouse.pathExists(input)) {
            throw new IngestException("input path does not exist: " + input);
        }
        return Warehouse.toUri(input);
    }

    private String detectFormat(String input) {
        String format = config.ingest().format();
        if (!format.equals("auto")) {
            return format;
        }
        if (input.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return "fer2013-csv";
        }
        return config.ingest().labels().isBlank() ? "folders" : "generic";
    }

    private String datasetName(String input) {
        if (!config.ingest().dataset().isBlank()) {
            return config.ingest().dataset();
        }
        String name = new org.apache.hadoop.fs.Path(input).getName();
        return name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    }

    // ---- readers: each yields RECORD_SCHEMA rows -------------------------------------------------

    private Dataset<Row> fromFolders(String input) {
        String rootPath = pathPart(input);
        int size = config.image().size();
        Map<String, String> hadoop = hadoopSettings();
        String defaultSplit = config.ingest().defaultSplit();
        return listFiles(input).mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            RecordDecoder decoder = new RecordDecoder(size);
            FileReader reader = new FileReader(hadoop);
            return map(rows, r -> {
                String path = r.getString(0);
                return toRow(decoder.fromFolderFile(path, relativeTo(rootPath, path), reader.read(path),
                        defaultSplit));
            });
        }, Encoders.row(RECORD_SCHEMA));
    }

    private Dataset<Row> fromCsv(String input) {
        CsvHeader header = readCsvHeader(input);
        int size = config.image().size();
        String defaultSplit = config.ingest().defaultSplit();
        JavaRDD<Row> rows = spark.read().text(input).javaRDD().zipWithIndex()
                .filter(t -> t._2() > 0 && !t._1().getString(0).isBlank())
                .mapPartitions(it -> {
                    RecordDecoder decoder = new RecordDecoder(size);
                    return map(it, (Tuple2<Row, Long> t) -> {
                        long line = t._2() + 1;
                        return toRow(decoder.fromCsvLine(input + "#L" + line, line, t._1().getString(0),
                                header.emotion(), header.pixels(), header.usage(), defaultSplit));
                    });
                });
        return spark.createDataFrame(rows, RECORD_SCHEMA);
    }

    private Dataset<Row> fromGeneric(String input) {
        String labelsPath = Warehouse.toUri(config.ingest().labels());
        if (!warehouse.pathExists(labelsPath)) {
            throw new IngestException("labels CSV does not exist: " + config.ingest().labels());
        }
        Dataset<Row> labels = spark.read().option("header", "true").csv(labelsPath);
        List<String> columns = Arrays.asList(labels.columns());
        if (!columns.contains("path") || !columns.contains("label")) {
            throw new IngestException(labelsPath + ": expected columns path,label[,split], found " + columns);
        }
        String defaultSplit = config.ingest().defaultSplit();
        Dataset<Row> labeled = labels.select(col("path").as("rel"), col("label"),
                columns.contains("split") ? col("split") : lit(defaultSplit).as("split"));
        String rootPath = pathPart(input);
        Dataset<Row> files = listFiles(input);
        Dataset<Row> withRel = files.map(
                (org.apache.spark.api.java.function.MapFunction<Row, Row>) r ->
                        RowFactory.create(r.getString(0), relativeTo(rootPath, r.getString(0))),
                Encoders.row(new StructType().add("path", DataTypes.StringType).add("rel", DataTypes.StringType)));
        Dataset<Row> joined = withRel.join(labeled, withRel.col("rel").equalTo(labeled.col("rel")), "full_outer")
                .select(withRel.col("path"), labeled.col("rel").as("listed"), labeled.col("label"),
                        labeled.col("split"));
        int size = config.image().size();
        Map<String, String> hadoop = hadoopSettings();
        return joined.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            RecordDecoder decoder = new RecordDecoder(size);
            FileReader reader = new FileReader(hadoop);
            return map(rows, r -> {
                String path = r.getString(0);
                if (path == null) {
                    String source = input + "/" + r.getString(1);
                    return toRow(Ingested.rejected(source, null, null, null, r.getString(2), 0,
                            RecordDecoder.MISSING_FILE, "listed in the labels CSV but not found under the input"));
                }
                byte[] content = reader.read(path);
                if (r.getString(2) == null) {
                    return toRow(Ingested.rejected(path, null, null, null, null, content.length,
                            RecordDecoder.UNLABELED, "file has no row in the labels CSV"));
                }
                return toRow(decoder.fromLabeledFile(path, content, r.getString(3), r.getString(2)));
            });
        }, Encoders.row(RECORD_SCHEMA));
    }

    /**
     * Every file under {@code input}, listed on the driver (names only, sorted) and spread over
     * enough partitions to keep both cores busy without paying per-task overhead per few files.
     * Spark's binaryFile source would give a task per ~30 small files here.
     */
    private Map<String, String> hadoopSettings() {
        return FileReader.settingsOf(spark.sparkContext().hadoopConfiguration());
    }

    private Dataset<Row> listFiles(String input) {
        List<Row> files = run.time("list files", () -> {
            List<Row> out = new ArrayList<>();
            for (String file : FileListing.list(input, spark.sparkContext().hadoopConfiguration())) {
                out.add(RowFactory.create(file));
            }
            out.sort(java.util.Comparator.comparing(r -> r.getString(0)));
            return out;
        });
        LOG.info("[ingest] {} files under {}", files.size(), input);
        int partitions = Math.max(spark.sparkContext().defaultParallelism() * 2, files.size() / FILES_PER_TASK);
        JavaRDD<Row> rdd = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
                .parallelize(files, Math.max(1, Math.min(partitions, Math.max(1, files.size()))));
        return spark.createDataFrame(rdd, new StructType().add("path", DataTypes.StringType, false));
    }

    /** The CSV's header, checked on the driver so a wrong file fails before any task runs. */
    record CsvHeader(int emotion, int pixels, int usage) implements java.io.Serializable {}

    private CsvHeader readCsvHeader(String input) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(input);
        String first;
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
                first = in.readLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
        }
        if (first == null) {
            throw new IngestException(input + ": the CSV is empty; expected a header emotion,pixels,Usage");
        }
        List<String> names = new ArrayList<>();
        for (String f : first.split(",")) {
            names.add(f.trim().replace("\"", "").toLowerCase(Locale.ROOT));
        }
        int emotion = names.indexOf("emotion");
        int pixels = names.indexOf("pixels");
        if (emotion < 0 || pixels < 0) {
            throw new IngestException(input + ": expected FER2013 columns emotion,pixels,Usage in the header, found '"
                    + first + "'");
        }
        return new CsvHeader(emotion, pixels, names.indexOf("usage"));
    }

    // ---- writers ----------------------------------------------------------------------------------

    private Map<String, Long> countOutcomes(Dataset<Row> records) {
        Map<String, Long> out = new LinkedHashMap<>();
        Dataset<Row> outcomes = records.groupBy(coalesce(col("reason"), lit("ok")).as("outcome")).agg(count(lit(1)));
        for (Row r : outcomes.collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }

    /**
     * MERGE on source: faces go to {@code faces} and rejects to {@code quarantine}; a record that
     * changed sides since the last ingest (a file was fixed, or broke) moves between the tables.
     */
    private void upsert(String table, Dataset<Row> records, List<String> columns, boolean faces) {
        String belongs = faces ? "s.reason IS NULL" : "s.reason IS NOT NULL";
        Dataset<Row> mine = records.filter(faces ? col("reason").isNull() : col("reason").isNotNull());
        if (!warehouse.exists(table)) {
            Dataset<Row> rows = mine.select(columns.stream().map(c -> col(c)).toArray(org.apache.spark.sql.Column[]::new));
            if (faces) {
                rows.write().format("delta").partitionBy("split").save(warehouse.path(table));
            } else {
                rows.write().format("delta").save(warehouse.path(table));
            }
            return;
        }
        Map<String, String> assign = new LinkedHashMap<>();
        for (String c : columns) {
            assign.put(c, "s." + c);
        }
        String changed = faces
                ? "NOT (t.id <=> s.id AND t.label <=> s.label AND t.split <=> s.split AND t.width = s.width)"
                : "NOT (t.reason <=> s.reason AND t.detail <=> s.detail AND t.label_name <=> s.label_name)";
        DeltaTable.forPath(spark, warehouse.path(table)).as("t")
                .merge(records.as("s"), "t.source = s.source")
                .whenMatched("NOT (" + belongs + ")").delete()
                .whenMatched(changed).updateExpr(assign)
                .whenNotMatched(belongs).insertExpr(assign)
                .execute();
    }

    private void writeCounts() {
        Dataset<Row> counts = spark.read().format("delta").load(warehouse.path(Warehouse.FACES))
                .groupBy("split", "label", "label_name").agg(count(lit(1)).as("images"))
                .orderBy("split", "label");
        warehouse.overwrite(Warehouse.FACE_COUNTS, counts);
    }

    private void writeClassesJson() {
        Map<String, String> classes = new LinkedHashMap<>();
        for (int i = 0; i < Labels.count(); i++) {
            classes.put(Integer.toString(i), Labels.NAMES.get(i));
        }
        Reports.writeJson(run, Path.of(config.paths().results(), "classes.json"), classes);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static Row toRow(Ingested r) {
        return RowFactory.create(r.source(), r.line(), r.split(), r.label(), r.labelName(), r.id(), r.origWidth(),
                r.origHeight(), r.origChannels(), r.width(), r.height(), r.pixels(), r.fileBytes(), r.reason(),
                r.detail());
    }

    /** The path component of a URI ({@code s3a://b/x} → {@code /x}), for prefix matching. */
    static String pathPart(String uri) {
        return new org.apache.hadoop.fs.Path(uri).toUri().getPath().replaceAll("/+$", "");
    }

    static String relativeTo(String rootPath, String fileUri) {
        String p = pathPart(fileUri);
        return p.startsWith(rootPath + "/") ? p.substring(rootPath.length() + 1) : p;
    }

    private interface RowMapper<T> extends java.io.Serializable {
        Row apply(T t) throws Exception;
    }

    private static <T> Iterator<Row> map(Iterator<T> in, RowMapper<T> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public Row next() {
                try {
                    return f.apply(in.next());
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
