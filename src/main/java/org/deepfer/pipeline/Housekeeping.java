package org.deepfer.pipeline;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.deepfer.tables.Warehouse;

/**
 * Delta upkeep of a warehouse's tables: OPTIMIZE compacts the many small files that appends and
 * MERGEs leave; VACUUM deletes data files no version within the retention still needs (time travel
 * to versions older than that stops working, which is why the retention comes from conf).
 */
public final class Housekeeping {
    /** What was done to one table. */
    public record Done(String table, long filesCompacted, long filesAdded, long filesVacuumed) {}

    private final Warehouse warehouse;

    public Housekeeping(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * Compacts (if {@code optimize}) and vacuums (if {@code vacuumRetentionHours} is not null) each of
     * {@code tables} that exists.
     */
    public List<Done> run(List<String> tables, boolean optimize, Double vacuumRetentionHours) {
        List<Done> done = new ArrayList<>();
        for (String table : tables) {
            if (!warehouse.exists(table)) {
                continue;
            }
            DeltaTable delta = DeltaTable.forPath(warehouse.spark(), warehouse.path(table));
            long removed = 0;
            long added = 0;
            if (optimize) {
                Row metrics = delta.optimize().executeCompaction().select("metrics.numFilesRemoved",
                        "metrics.numFilesAdded").first();
                removed = metrics.getLong(0);
                added = metrics.getLong(1);
            }
            long vacuumed = 0;
            if (vacuumRetentionHours != null) {
                long before = dataFiles(table);
                delta.vacuum(vacuumRetentionHours);
                vacuumed = Math.max(0, before - dataFiles(table));
            }
            warehouse.recordWrite(table);
            done.add(new Done(table, removed, added, vacuumed));
        }
        return done;
    }

    /** Parquet files under the table's folder, referenced or not. */
    private long dataFiles(String table) {
        try {
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(warehouse.path(table));
            var fs = root.getFileSystem(warehouse.spark().sparkContext().hadoopConfiguration());
            if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
                fs = local.getRawFileSystem(); // the checksummed one forks a process per file listed
            }
            var it = fs.listFiles(root, true);
            long n = 0;
            while (it.hasNext()) {
                if (it.next().getPath().getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
                    n++;
                }
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + warehouse.path(table) + ": " + e.getMessage(), e);
        }
    }
}
