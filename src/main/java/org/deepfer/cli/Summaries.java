package org.deepfer.cli;

import java.nio.file.Path;
import java.util.Map;
import org.deepfer.audit.AuditJob;
import org.deepfer.augment.AugmentJob;
import org.deepfer.ingest.IngestJob;
import org.deepfer.sample.SampleManifest;
import org.deepfer.tables.Warehouse;

/** The short reports each job prints when it finishes: what it did and where to look. */
final class Summaries {
    private Summaries() {}

    static void print(SampleManifest m, Path out) {
        System.out.printf("%ngenerate-sample: %d files in %s (seed %d)%n", m.totalFiles(),
                out.resolve(m.datasetDir()), m.seed());
        System.out.printf("  clean images %d, planted: %d unreadable, %d exact-duplicate groups,"
                        + " %d near-duplicate pairs, %d leakage groups, %d label conflicts, %d blank, %d wrong size%n",
                m.cleanImageCount(), m.quarantineCount(), m.exactDuplicateGroups().size(), m.nearDuplicatePairs().size(),
                m.leakageGroups().size(), m.labelConflictGroups().size(), m.blank().size(), m.wrongSize().size());
        System.out.printf("  CSV %s (%d rows, %d bad), manifest %s%n", out.resolve(m.csvFile()), m.csvCleanRows(),
                m.csvBadRows().size(), out.resolve("planted.json"));
    }

    static void print(IngestJob.Result r, Warehouse warehouse) {
        System.out.printf("%ningest: %s (%s)%n", r.input(), r.format());
        System.out.printf("  faces       %,8d rows  -> %s (version %d)%n", r.faces(), warehouse.path(Warehouse.FACES),
                r.facesVersion());
        System.out.printf("  quarantine  %,8d rows  -> %s (version %d)%n", r.quarantined(),
                warehouse.path(Warehouse.QUARANTINE), r.quarantineVersion());
        for (Map.Entry<String, Long> e : r.reasons().entrySet()) {
            System.out.printf("      %-16s %,6d%n", e.getKey(), e.getValue());
        }
        System.out.printf("  counts      -> %s%n", warehouse.path(Warehouse.FACE_COUNTS));
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }

    static void print(AuditJob.Result r, Warehouse warehouse) {
        Path results = Path.of(warehouse.run().config().paths().results());
        System.out.printf("%naudit: %,d images in faces version %d %s%n", r.images(), r.facesVersion(),
                r.imagesPerSplit());
        System.out.printf("  %-18s %8s %8s%n", "finding", "images", "groups");
        for (Map.Entry<String, AuditJob.FindingSummary> e : r.findings().entrySet()) {
            System.out.printf("  %-18s %,8d %,8d%n", e.getKey(), e.getValue().images(), e.getValue().groups());
        }
        System.out.printf("  imbalance ratio %.1f (train); remedies:%n", r.classBalance().imbalanceRatio());
        r.classBalance().remedies().forEach(s -> System.out.println("    - " + s));
        System.out.printf("  findings    -> %s (version %d)%n", warehouse.path(Warehouse.AUDIT_FINDINGS),
                r.findingsVersion());
        System.out.printf("  reports     -> %s, %s, %s%n", results.resolve("data_audit.json"),
                results.resolve("data_audit.csv"), results.resolve("class_weights.json"));
        System.out.printf("  plots       -> %s, %s%n", results.resolve("class_distribution.png"),
                results.resolve("audit_duplicates.png"));
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }

    static void print(AugmentJob.Result r, Warehouse warehouse) {
        Path results = Path.of(warehouse.run().config().paths().results());
        System.out.printf("%naugment: %,d training images -> %,d variants%n", r.trainImages(), r.variants());
        System.out.printf("  normalization mean %.4f std %.4f -> %s%n", r.normalization().mean(),
                r.normalization().std(), results.resolve("normalization.json"));
        System.out.printf("  faces_aug   -> %s (version %d)%n", warehouse.path(Warehouse.FACES_AUG), r.augVersion());
        System.out.printf("  preview     -> %s%n", results.resolve("sample_augs.jpg"));
        System.out.printf("  run         %s%n", warehouse.run().dir());
    }
}
