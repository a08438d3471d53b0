package org.deepfer.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stages of {@code deepfer pipeline}, in the order they run, each with the stages whose outputs
 * it consumes. A stage is re-run when its own config or any of those outputs changed.
 */
public enum Stage {
    /** The built-in synthetic dataset, drawn only when no input is configured. */
    SAMPLE,
    INGEST(SAMPLE),
    AUDIT(INGEST),
    AUGMENT(INGEST),
    TRAIN(INGEST, AUDIT, AUGMENT),
    EVALUATE(INGEST, TRAIN),
    ROBUSTNESS(INGEST, TRAIN),
    EXPLAIN(INGEST, TRAIN),
    EXPORT(TRAIN, EVALUATE),
    REPORT(AUDIT, AUGMENT, TRAIN, EVALUATE, ROBUSTNESS, EXPLAIN, EXPORT);

    private final List<Stage> upstream;

    Stage(Stage... upstream) {
        this.upstream = List.of(upstream);
    }

    /** The stages whose outputs this one reads. */
    public List<Stage> upstream() {
        return upstream;
    }

    /** The name users write ({@code ingest}, {@code robustness} ...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every stage but {@link #SAMPLE} (which runs with ingest when there is no input), by label. */
    public static List<String> labels() {
        List<String> labels = new ArrayList<>();
        for (Stage s : values()) {
            if (s != SAMPLE) {
                labels.add(s.label());
            }
        }
        return labels;
    }

    /**
     * The stage called {@code label}, case-insensitive.
     *
     * @throws IllegalArgumentException naming the stages there are
     */
    public static Stage parse(String label) {
        for (Stage s : values()) {
            if (s != SAMPLE && s.label().equalsIgnoreCase(label.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown pipeline stage '" + label + "'; stages are " + labels());
    }
}
