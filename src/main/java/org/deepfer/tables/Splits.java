package org.deepfer.tables;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The three split names we store, and the spellings datasets use for them. */
public final class Splits {
    public static final String TRAIN = "train";
    public static final String VALIDATION = "validation";
    public static final String TEST = "test";
    public static final List<String> ALL = List.of(TRAIN, VALIDATION, TEST);

    private Splits() {}

    /** Our name for a dataset's split name or FER2013 Usage value, if it is recognised. */
    public static Optional<String> normalize(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "train", "training" -> Optional.of(TRAIN);
            case "validation", "val", "valid", "publictest" -> Optional.of(VALIDATION);
            case "test", "testing", "privatetest" -> Optional.of(TEST);
            default -> Optional.empty();
        };
    }
}
