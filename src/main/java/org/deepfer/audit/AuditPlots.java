package org.deepfer.audit;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.plot.BarChart;
import org.deepfer.plot.ImageGrid;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Labels;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/** The audit's pictures: class distribution per split, and a sheet of duplicate groups. */
final class AuditPlots {
    /** Leakage and conflicts first: they are the ones that change results. */
    private static final List<String> GRID_ORDER =
            List.of(AuditJob.LEAKAGE, AuditJob.LABEL_CONFLICT, AuditJob.NEAR_DUPLICATE, AuditJob.EXACT_DUPLICATE);

    private final Warehouse warehouse;
    private final DeepFerConfig config;
    private final RunContext run;

    AuditPlots(Warehouse warehouse, DeepFerConfig config, RunContext run) {
        this.warehouse = warehouse;
        this.config = config;
        this.run = run;
    }

    void write(Dataset<Row> features, AuditJob.Result result) {
        Path results = Path.of(config.paths().results());
        classDistribution(features, results.resolve("class_distribution.png"));
        duplicateGrid(results.resolve("audit_duplicates.png"));
    }

    private void classDistribution(Dataset<Row> features, Path file) {
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (Row r : features.groupBy("split", "label").count().collectAsList()) {
            series.computeIfAbsent(r.getString(0), k -> new double[Labels.count()])[r.getInt(1)] = r.getLong(2);
        }
        LinkedHashMap<String, double[]> ordered = new LinkedHashMap<>();
        for (String split : Splits.ALL) {
            if (series.containsKey(split)) {
                ordered.put(split, series.get(split));
            }
        }
        if (ordered.isEmpty()) {
            return;
        }
        BarChart.writePng("Images per class and split (faces version " + warehouse.version(Warehouse.FACES) + ")",
                "images", Labels.NAMES, ordered, 900, 500, file);
        run.output(file);
    }

    /** One row per duplicate group (up to audit.gridGroups), captioned with split, label and finding. */
    private void duplicateGrid(Path file) {
        int maxGroups = config.audit().gridGroups();
        if (maxGroups == 0) {
            return;
        }
        Dataset<Row> findings = spark().read().format("delta").load(warehouse.path(Warehouse.AUDIT_FINDINGS))
                .filter(col("finding").isin(GRID_ORDER.toArray()));
        Map<String, String> kindOfGroup = new LinkedHashMap<>();
        Map<String, List<Row>> membersOfGroup = new HashMap<>();
        List<Row> rows = findings.select("finding", "group_id", "source", "split", "label_name").collectAsList();
        for (String kind : GRID_ORDER) {
            for (Row r : rows) {
                if (r.getString(0).equals(kind) && kindOfGroup.size() < maxGroups) {
                    kindOfGroup.putIfAbsent(r.getString(1), kind);
                }
            }
        }
        for (Row r : rows) {
            if (kindOfGroup.get(r.getString(1)) != null && r.getString(0).equals(kindOfGroup.get(r.getString(1)))) {
                membersOfGroup.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(r);
            }
        }
        if (kindOfGroup.isEmpty()) {
            return;
        }
        List<String> sources = membersOfGroup.values().stream().flatMap(List::stream).map(r -> r.getString(2)).toList();
        Map<String, FaceImage> images = new HashMap<>();
        for (Row r : spark().read().format("delta").option("versionAsOf", warehouse.version(Warehouse.FACES))
                .load(warehouse.path(Warehouse.FACES)).filter(col("source").isin(sources.toArray()))
                .select("source", "width", "height", "pixels").collectAsList()) {
            images.put(r.getString(0), FaceImage.gray(r.getInt(1), r.getInt(2), r.getAs(3)));
        }
        List<ImageGrid.Row> grid = new ArrayList<>();
        for (Map.Entry<String, String> g : kindOfGroup.entrySet()) {
            List<ImageGrid.Cell> cells = new ArrayList<>();
            for (Row m : membersOfGroup.getOrDefault(g.getKey(), List.of())) {
                FaceImage image = images.get(m.getString(2));
                if (image != null && cells.size() < 8) {
                    cells.add(new ImageGrid.Cell(image, m.getString(3) + ", " + m.getString(4) + ", "
                            + fileName(m.getString(2))));
                }
            }
            if (!cells.isEmpty()) {
                grid.add(new ImageGrid.Row(g.getValue().replace('_', ' '), cells));
            }
        }
        if (!grid.isEmpty()) {
            Reports.writeBytes(run, file, ImageCodec.write(ImageGrid.render(grid, 2), "png"));
        }
    }

    private static String fileName(String source) {
        int slash = source.lastIndexOf('/');
        return slash < 0 ? source : source.substring(slash + 1);
    }

    private org.apache.spark.sql.SparkSession spark() {
        return warehouse.spark();
    }
}
