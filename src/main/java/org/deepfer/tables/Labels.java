package org.deepfer.tables;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** FER2013's seven expression labels in the dataset's index order, and the names other datasets use. */
public final class Labels {
    /** Index i is label i of FER2013. */
    public static final List<String> NAMES =
            List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral");

    private static final Map<String, String> SYNONYMS = Map.ofEntries(
            Map.entry("anger", "angry"),
            Map.entry("disgusted", "disgust"),
            Map.entry("fearful", "fear"),
            Map.entry("afraid", "fear"),
            Map.entry("happiness", "happy"),
            Map.entry("joy", "happy"),
            Map.entry("sadness", "sad"),
            Map.entry("surprised", "surprise"),
            Map.entry("calm", "neutral"));

    private Labels() {}

    /** The index of a label name (case-insensitive, common synonyms accepted), if it is one of ours. */
    public static Optional<Integer> indexOf(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        key = SYNONYMS.getOrDefault(key, key);
        int i = NAMES.indexOf(key);
        return i < 0 ? Optional.empty() : Optional.of(i);
    }

    public static int count() {
        return NAMES.size();
    }
}
