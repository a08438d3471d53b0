package org.deepfer.audit;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.function.FlatMapFunction;
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
import org.deepfer.image.FaceImage;
import org.deepfer.image.PerceptualHash;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * Audits the {@code faces} table: unreadable inputs (from quarantine), wrongly sized and blank
 * images, exact and near duplicates (64-bit perceptual hash, candidate pairs by hash banding),
 * leakage between splits, label conflicts and class imbalance. Writes {@code audit_findings}
 * (one row per affected image and finding), data_audit.json/csv, class_weights.json and plots.
 */
public final class AuditJob {
    private static final Logger LOG = LogManager.getLogger(AuditJob.class);

    public static final String WRONG_SIZE = "wrong_size";
    public static final String BLANK = "blank";
    public static final String EXACT_DUPLICATE = "exact_duplicate";
    public static final String NEAR_DUPLICATE = "near_duplicate";
    public static final String LEAKAGE = "leakage";
    public static final String LABEL_CONFLICT = "label_conflict";

    static final StructType FEATURES = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("id", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("label_name", DataTypes.StringType, false)
            .add("orig_width", DataTypes.IntegerType, false)
            .add("orig_height", DataTypes.IntegerType, false)
            .add("phash", DataTypes.LongType, false)
            .add("std", DataTypes.DoubleType, false);

    static final StructType FINDINGS = new StructType()
            .add("finding", DataTypes.StringType, false)
            .add("id", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, true)
            .add("label_name", DataTypes.StringType, true)
            .add("group_id", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true);

    /** Counts of one finding. */
    public record FindingSummary(long images, long groups, List<Map<String, String>> examples) {}

    /** What one audit found. */
    public record Result(long facesVersion, long images, Map<String, Long> imagesPerSplit,
            Map<String, FindingSummary> findings, ClassBalance classBalance, long findingsVersion) {}

    private final Warehouse warehouse;
    private final SparkSession spark;
    private final RunContext run;
    private final DeepFerConfig config;

    public AuditJob(Warehouse warehouse) {
        this.warehouse = warehouse;
        this.spark = warehouse.spark();
        this.run = warehouse.run();
        this.config = run.config();
    }

    public Result run() {
        Dataset<Row> faces = warehouse.read(Warehouse.FACES);
        long facesVersion = warehouse.version(Warehouse.FACES);
        Dataset<Row> features = faces.mapPartitions(
                        (MapPartitionsFunction<Row, Row>) AuditJob::features, Encoders.row(FEATURES))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> perSplit = run.time("features", () -> countPerSplit(features));
            long images = perSplit.values().stream().mapToLong(Long::longValue).sum();
            LOG.info("[audit] {} images in faces version {}", images, facesVersion);

            List<Row> duplicateFindings = run.time("duplicates", () -> duplicateFindings(features));
            Dataset<Row> findings = run.time("single-image checks", () -> singleImageFindings(features))
                    .union(spark.createDataFrame(duplicateFindings, FINDINGS))
                    .withColumn("audit_run", lit(run.runId()))
                    .withColumn("faces_version", lit(facesVersion));
            long findingsVersion = run.time("write findings",
                    () -> warehouse.overwrite(Warehouse.AUDIT_FINDINGS, findings));

            Map<String, FindingSummary> summary = summarize();
            long[] trainCounts = labelCounts(features);
            ClassBalance balance = ClassBalance.of(trainCounts, config.audit().effectiveNumberBeta(), Labels.NAMES);
            Result result = new Result(facesVersion, images, perSplit, summary, balance, findingsVersion);
            run.time("reports", () -> writeReports(result, features));
            run.fact("findings", summary.entrySet().stream().collect(
                    java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().images(),
                            (a, b) -> a, TreeMap::new)));
            return result;
        } finally {
            features.unpersist();
        }
    }

    /** Per-image features: the perceptual hash and gray-level spread of the stored image. */
    private static java.util.Iterator<Row> features(java.util.Iterator<Row> rows) {
        List<Row> out = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            FaceImage image = FaceImage.gray(r.getInt(r.fieldIndex("width")), r.getInt(r.fieldIndex("height")),
                    r.getAs("pixels"));
            out.add(RowFactory.create(r.getAs("source"), r.getAs("id"), r.getAs("split"), r.getAs("label"),
                    r.getAs("label_name"), r.getAs("orig_width"), r.getAs("orig_height"), PerceptualHash.of(image),
                    image.meanAndStd()[1]));
        }
        return out.iterator();
    }

    private Map<String, Long> countPerSplit(Dataset<Row> features) {
        Map<String, Long> out = new TreeMap<>();
        for (Row r : features.groupBy("split").count().collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }

    private Dataset<Row> singleImageFindings(Dataset<Row> features) {
        int size = config.image().size();
        Dataset<Row> wrongSize = features
                .filter(col("orig_width").notEqual(size).or(col("orig_height").notEqual(size)))
                .select(lit(WRONG_SIZE).as("finding"), col("id"), col("source"), col("split"), col("label_name"),
                        lit(null).cast(DataTypes.StringType).as("group_id"),
                        concat(col("orig_width"), lit("x"), col("orig_height"), lit(" (expected " + size + "x" + size + ")"))
                                .as("detail"));
        Dataset<Row> blank = features.filter(col("std").lt(config.audit().blankStdThreshold()))
                .select(lit(BLANK).as("finding"), col("id"), col("source"), col("split"), col("label_name"),
                        lit(null).cast(DataTypes.StringType).as("group_id"),
                        concat(lit("gray-level std "), format_number(col("std"), 2)).as("detail"));
        Dataset<Row> result = wrongSize.union(blank);
        if (warehouse.exists(Warehouse.QUARANTINE)) {
            Dataset<Row> quarantine = warehouse.read(Warehouse.QUARANTINE).select(col("reason").as("finding"),
                    lit(null).cast(DataTypes.StringType).as("id"), col("source"), col("split"), col("label_name"),
                    lit(null).cast(DataTypes.StringType).as("group_id"), col("detail"));
            result = result.union(quarantine);
        }
        return result;
    }

    /**
     * Exact duplicates (same id), near duplicates (hash distance within the threshold, found by
     * banding: with the 64 bits cut into t+1 bands, two hashes within distance t agree on at least
     * one band, so only images sharing a band value are compared), and the leakage and label
     * conflicts of the groups they form. The near-duplicate search runs over distinct contents,
     * so exact copies (however many) do not multiply its candidate pairs.
     */
    private List<Row> duplicateFindings(Dataset<Row> features) {
        int t = config.audit().nearDupHamming();
        Set<String> exactIds = new TreeSet<>();
        for (Row r : features.groupBy("id").count().filter(col("count").gt(1)).select("id").collectAsList()) {
            exactIds.add(r.getString(0));
        }

        Dataset<Row> banded = features.select("id", "phash").dropDuplicates("id").flatMap(
                (FlatMapFunction<Row, Row>) r -> bands(r, t + 1), Encoders.row(new StructType()
                        .add("band", DataTypes.IntegerType).add("key", DataTypes.LongType)
                        .add("id", DataTypes.StringType).add("phash", DataTypes.LongType)));
        Dataset<Row> a = banded.as("a");
        Dataset<Row> b = banded.as("b");
        List<Row> near = a.join(b, col("a.band").equalTo(col("b.band")).and(col("a.key").equalTo(col("b.key")))
                        .and(col("a.id").lt(col("b.id"))))
                .select(col("a.id").as("id1"), col("b.id").as("id2"),
                        expr("bit_count(a.phash ^ b.phash)").as("distance"))
                .filter(col("distance").leq(t))
                .distinct()
                .collectAsList();
        LOG.info("[audit] {} contents with exact copies, {} near-duplicate content pairs (hamming <= {})",
                exactIds.size(), near.size(), t);

        Set<String> involved = new TreeSet<>(exactIds);
        near.forEach(r -> {
            involved.add(r.getString(0));
            involved.add(r.getString(1));
        });
        Map<String, List<Row>> membersById = membersOf(features, involved);

        DuplicateGroups groups = new DuplicateGroups();
        for (List<Row> members : membersById.values()) {
            for (Row m : members) {
                groups.link(members.get(0).getAs("source"), m.getAs("source"));
            }
        }
        Map<String, Integer> nearestDistance = new HashMap<>();
        Map<String, String> nearestOther = new HashMap<>();
        for (Row r : near) {
            String s1 = membersById.get(r.getString(0)).get(0).getAs("source");
            String s2 = membersById.get(r.getString(1)).get(0).getAs("source");
            groups.link(s1, s2);
            noteNearest(nearestDistance, nearestOther, r.getString(0), s2, r.getInt(2));
            noteNearest(nearestDistance, nearestOther, r.getString(1), s1, r.getInt(2));
        }

        Map<String, String> groupOf = groups.groupOf();
        Map<String, Row> bySource = new HashMap<>();
        membersById.values().forEach(ms -> ms.forEach(m -> bySource.put(m.getAs("source"), m)));
        Map<String, Set<String>> splitsOf = new HashMap<>();
        Map<String, Set<String>> labelsOf = new HashMap<>();
        for (Map.Entry<String, String> e : groupOf.entrySet()) {
            Row m = bySource.get(e.getKey());
            splitsOf.computeIfAbsent(e.getValue(), k -> new TreeSet<>()).add(m.getAs("split"));
            labelsOf.computeIfAbsent(e.getValue(), k -> new TreeSet<>()).add(m.getAs("label_name"));
        }

        List<Row> out = new ArrayList<>();
        for (Map.Entry<String, String> e : groupOf.entrySet()) {
            Row m = bySource.get(e.getKey());
            String id = m.getAs("id");
            String group = e.getValue();
            String groupId = bySource.get(group).getAs("id");
            if (exactIds.contains(id)) {
                out.add(finding(EXACT_DUPLICATE, m, id, "identical pixels"));
            }
            if (nearestDistance.containsKey(id)) {
                out.add(finding(NEAR_DUPLICATE, m, groupId, "hamming " + nearestDistance.get(id) + " to "
                        + nearestOther.get(id)));
            }
            if (splitsOf.get(group).size() > 1) {
                out.add(finding(LEAKAGE, m, groupId, "same picture in " + String.join(" and ", splitsOf.get(group))));
            }
            if (labelsOf.get(group).size() > 1) {
                out.add(finding(LABEL_CONFLICT, m, groupId, "labelled " + String.join(" and ", labelsOf.get(group))));
            }
        }
        return out;
    }

    private static java.util.Iterator<Row> bands(Row r, int bands) {
        long hash = r.getLong(1);
        List<Row> out = new ArrayList<>(bands);
        for (int i = 0; i < bands; i++) {
            int from = i * 64 / bands;
            int to = (i + 1) * 64 / bands;
            long mask = to - from == 64 ? -1L : (1L << (to - from)) - 1;
            out.add(RowFactory.create(i, (hash >>> from) & mask, r.getString(0), hash));
        }
        return out.iterator();
    }

    private static void noteNearest(Map<String, Integer> distance, Map<String, String> other, String self,
            String peer, int d) {
        Integer best = distance.get(self);
        if (best == null || d < best || (d == best && peer.compareTo(other.get(self)) < 0)) {
            distance.put(self, d);
            other.put(self, peer);
        }
    }

    /** The feature rows of the images with the given ids (as many as the duplicates found), by id. */
    private Map<String, List<Row>> membersOf(Dataset<Row> features, Set<String> ids) {
        Map<String, List<Row>> out = new TreeMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        Dataset<Row> wanted = spark.createDataset(new ArrayList<>(ids), Encoders.STRING()).toDF("wanted");
        for (Row r : features.join(org.apache.spark.sql.functions.broadcast(wanted), col("id").equalTo(col("wanted")))
                .drop("wanted").orderBy("source").collectAsList()) {
            out.computeIfAbsent(r.getAs("id"), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    private static Row finding(String kind, Row m, String group, String detail) {
        return RowFactory.create(kind, m.getAs("id"), m.getAs("source"), m.getAs("split"), m.getAs("label_name"),
                group, detail);
    }

    private long[] labelCounts(Dataset<Row> features) {
        long[] counts = new long[Labels.count()];
        Dataset<Row> train = features.filter(col("split").equalTo(Splits.TRAIN));
        for (Row r : train.groupBy("label").count().collectAsList()) {
            counts[r.getInt(0)] = r.getLong(1);
        }
        return counts;
    }

    private Map<String, FindingSummary> summarize() {
        int examples = config.audit().examplesPerFinding();
        Dataset<Row> table = spark.read().format("delta").load(warehouse.path(Warehouse.AUDIT_FINDINGS));
        Map<String, FindingSummary> out = new TreeMap<>();
        for (Row r : table.orderBy("finding", "group_id", "source").groupBy("finding")
                .agg(count(lit(1)).as("images"), countDistinct(coalesce(col("group_id"), col("source"))).as("groups"),
                        slice(collect_list(struct(col("id"), col("source"), col("split"), col("label_name"),
                                col("group_id"), col("detail"))), 1, Math.max(1, examples)).as("examples"))
                .collectAsList()) {
            List<Map<String, String>> ex = new ArrayList<>();
            for (Row e : r.<Row>getList(3).subList(0, Math.min(examples, r.getList(3).size()))) {
                Map<String, String> m = new LinkedHashMap<>();
                for (String field : e.schema().fieldNames()) {
                    m.put(field, e.getAs(field));
                }
                ex.add(m);
            }
            out.put(r.getString(0), new FindingSummary(r.getLong(1), r.getLong(2), ex));
        }
        return out;
    }

    private void writeReports(Result result, Dataset<Row> features) {
        Path results = Path.of(config.paths().results());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("auditRun", run.runId());
        json.put("facesTable", warehouse.path(Warehouse.FACES));
        json.put("facesVersion", result.facesVersion());
        json.put("images", result.images());
        json.put("imagesPerSplit", result.imagesPerSplit());
        json.put("thresholds", config.audit());
        json.put("findings", result.findings());
        json.put("classBalance", result.classBalance());
        Reports.writeJson(run, results.resolve("data_audit.json"), json);

        StringBuilder csv = new StringBuilder("finding,images,groups,example_sources\n");
        for (Map.Entry<String, FindingSummary> e : result.findings().entrySet()) {
            List<String> sources = e.getValue().examples().stream().map(m -> m.get("source")).toList();
            csv.append(e.getKey()).append(',').append(e.getValue().images()).append(',')
                    .append(e.getValue().groups()).append(",\"").append(String.join(";", sources)).append("\"\n");
        }
        Reports.writeText(run, results.resolve("data_audit.csv"), csv.toString());

        Map<String, Object> weights = new LinkedHashMap<>();
        weights.put("classes", Labels.NAMES);
        weights.put("facesVersion", result.facesVersion());
        weights.put("split", Splits.TRAIN);
        weights.put("counts", result.classBalance().counts());
        weights.put("inverseFrequency", result.classBalance().inverseFrequencyWeights());
        weights.put("effectiveNumber", result.classBalance().effectiveNumberWeights());
        weights.put("effectiveNumberBeta", config.audit().effectiveNumberBeta());
        weights.put("samplingProbability", result.classBalance().samplingProbability());
        weights.put("oversampleFactor", result.classBalance().oversampleFactor());
        Reports.writeJson(run, results.resolve("class_weights.json"), weights);

        new AuditPlots(warehouse, config, run).write(features, result);
    }
}
