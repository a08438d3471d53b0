package org.deepfer.cli;

import java.util.Map;
import org.deepfer.ingest.IngestJob;
import org.deepfer.tables.Warehouse;

/** The short reports each job prints when it finishes: what it did and where to look. */
final class Summaries {
    private Summaries() {}

    static void print(IngestJob.Result r, Warehouse warehouse) {
        System.out.printf("%ningest: %s (%s)%n", r.input(), r.format());
        System.out.printf("  faces       %,8d rows  -> %s (version %d)%n", r.faces(), warehouse.path(Warehouse.FACES),
                r.facesVersion());
        System.out.printf("  quarantine  %,8d rows  -> %s (version %d)%n", r.quarantined(),
                warehouse.path(Warehouse.QUARANTINE), r.quarantineVersion());
        for (Map.Entry<String, Long> e : r.reasons().entrySet()) {
            System.out.printf("      %-14s %,6d%n", e.getKey(), e.getValue());
        }
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }
}
