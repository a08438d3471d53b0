package org.deepfer.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.tables.Warehouse;
import scala.collection.JavaConverters;

/**
 * The Delta table {@value #TABLE}: one row per stage a pipeline ran, with the fingerprint of what
 * it consumed and what it produced. The latest successful row of a stage is what the next run
 * compares against to decide whether the stage can be skipped.
 */
public final class StageLedger {
    public static final String TABLE = "pipeline_stages";
    public static final StructType SCHEMA = new StructType()
            .add("stage", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("fingerprint", DataTypes.StringType, false)
            .add("outputs", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), false)
            .add("pipeline_run", DataTypes.StringType, false)
            .add("started_at", DataTypes.TimestampType, false)
            .add("seconds", DataTypes.DoubleType, false)
            .add("error", DataTypes.StringType, true);

    /**
     * What a stage produced the last time it succeeded.
     *
     * @param fingerprint of its inputs and config then
     * @param outputs table versions, model directories and files it wrote, by name
     * @param pipelineRun the pipeline run that ran it
     */
    public record Entry(String fingerprint, Map<String, String> outputs, String pipelineRun) {
        public Entry {
            outputs = Map.copyOf(outputs);
        }
    }

    private final Warehouse warehouse;

    public StageLedger(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** The latest successful entry of every stage that ever succeeded. */
    public Map<Stage, Entry> lastSuccesses() {
        Map<Stage, Entry> last = new EnumMap<>(Stage.class);
        if (!warehouse.exists(TABLE)) {
            return last;
        }
        List<Row> rows = warehouse.read(TABLE)
                .filter(col("status").equalTo("ok"))
                .withColumn("rank", row_number().over(Window.partitionBy("stage").orderBy(col("started_at").desc())))
                .filter(col("rank").equalTo(1))
                .select("stage", "fingerprint", "outputs", "pipeline_run")
                .collectAsList();
        for (Row r : rows) {
            Map<String, String> outputs = JavaConverters.mapAsJavaMap(r.<scala.collection.Map<String, String>>getAs(2));
            last.put(Stage.valueOf(r.getString(0)), new Entry(r.getString(1), new TreeMap<>(outputs), r.getString(3)));
        }
        return last;
    }

    /** Records that {@code stage} ran: {@code error} null when it succeeded. */
    public void record(Stage stage, String fingerprint, Map<String, String> outputs, Instant started, double seconds,
            Throwable error) {
        Row row = RowFactory.create(stage.name(), error == null ? "ok" : "failed", fingerprint,
                JavaConverters.mapAsScalaMap(new TreeMap<>(outputs)), warehouse.run().runId(),
                Timestamp.from(started), seconds, error == null ? null : String.valueOf(error.getMessage()));
        warehouse.append(TABLE, List.of(row), SCHEMA);
    }
}
