package org.deepfer.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.plot.LineChart;
import org.deepfer.run.Csv;
import org.deepfer.run.Reports;
import org.deepfer.train.EpochMetrics;

/**
 * Several training runs side by side, read from their model directories ({@code history.json} and
 * {@code config.yaml}): the validation curves on one chart, each run's best epoch, and the settings
 * in which the runs differ, so "what changed and what did it buy" is one look. A run still training
 * compares as far as it has got.
 */
public final class RunComparison {
    /** The files {@link #write} leaves in the results folder, which the HTML report shows. */
    public static final String CSV = "runs_compared.csv";
    public static final String PNG = "runs_compared.png";
    /** Settings of where files live, not of how a model was made: left out of the differences. */
    private static final List<String> NOT_RECIPE = List.of("paths.", "train.modelsDir");

    /**
     * One run: its name (the directory's), its epochs, and its settings ({@code null} where its
     * {@code config.yaml} is missing or no longer loads).
     */
    public record Run(String name, Path dir, List<EpochMetrics> history, Map<String, String> settings) {
        /**
         * The epoch with the best validation macro-F1 (the first of equals): the one training keeps
         * when validation is held out (a final fit on train + validation keeps its last epoch).
         */
        public EpochMetrics best() {
            EpochMetrics best = history.get(0);
            for (EpochMetrics e : history) {
                if (e.valMacroF1() > best.valMacroF1()) {
                    best = e;
                }
            }
            return best;
        }

        public EpochMetrics last() {
            return history.get(history.size() - 1);
        }

        /** Hours of epoch time, as the run measured them. */
        public double hours() {
            return history.stream().mapToDouble(EpochMetrics::seconds).sum() / 3600;
        }

        /** Whether validation was held out of training, so its figures judge the model; null: unknown. */
        public Boolean validationHeldOut() {
            return settings == null ? null : !Boolean.parseBoolean(settings.get("train.includeValidation"));
        }
    }

    private final List<Run> runs;
    private final List<String> differing;

    private RunComparison(List<Run> runs) {
        this.runs = List.copyOf(runs);
        this.differing = differingKeys(runs);
    }

    /**
     * Reads the runs of {@code modelDirs}, in that order.
     *
     * @throws IllegalArgumentException naming a directory without a readable {@code history.json}
     *     or with no epoch in it, or when fewer than one directory is given
     */
    public static RunComparison load(List<Path> modelDirs) {
        if (modelDirs.isEmpty()) {
            throw new IllegalArgumentException("name at least one model directory to compare");
        }
        List<Run> runs = new ArrayList<>();
        for (Path dir : modelDirs) {
            Path file = dir.resolve("history.json");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(dir + " has no history.json: not a model directory of "
                        + "deepfer train, or its first epoch has not ended yet");
            }
            List<EpochMetrics> history;
            try {
                history = List.of(Reports.readJson(file, EpochMetrics[].class));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + " is not a training history: " + e.getMessage(), e);
            }
            if (history.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no epoch yet");
            }
            runs.add(new Run(name(dir), dir, history, settings(dir)));
        }
        return new RunComparison(runs);
    }

    public List<Run> runs() {
        return runs;
    }

    /** The recipe settings whose values are not the same in every run whose config could be read. */
    public List<String> differingKeys() {
        return differing;
    }

    /** What {@code run} has for each of {@link #differingKeys()}, as {@code key=value}, comma-joined. */
    public String differences(Run run) {
        if (run.settings() == null) {
            return "(config.yaml unreadable)";
        }
        List<String> parts = new ArrayList<>();
        for (String key : differing) {
            parts.add(key + "=" + run.settings().getOrDefault(key, "(unset)"));
        }
        return String.join(", ", parts);
    }

    /**
     * The comparison as CSV: one row per run with its epochs, hours, best epoch and its validation
     * accuracy and macro-F1, the last epoch's, whether validation was held out, then one column
     * per differing setting.
     */
    public String csv() {
        StringBuilder out = new StringBuilder("run,dir,epochs,hours,best_epoch,best_val_accuracy,best_val_macro_f1,"
                + "last_val_accuracy,last_val_macro_f1,validation_held_out");
        for (String key : differing) {
            out.append(',').append(key);
        }
        out.append('\n');
        for (Run r : runs) {
            EpochMetrics best = r.best();
            EpochMetrics last = r.last();
            out.append(String.join(",", Csv.text(r.name()), Csv.text(r.dir().toString()),
                    Integer.toString(r.history().size()), String.format(Locale.ROOT, "%.2f", r.hours()),
                    Integer.toString(best.epoch()), Csv.number(best.valAccuracy()), Csv.number(best.valMacroF1()),
                    Csv.number(last.valAccuracy()), Csv.number(last.valMacroF1()),
                    r.validationHeldOut() == null ? "" : r.validationHeldOut().toString()));
            for (String key : differing) {
                out.append(',').append(r.settings() == null ? "" : Csv.text(r.settings().getOrDefault(key, "")));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The comparison as aligned text for a terminal: a row per run, then what differs. */
    public String table() {
        int width = Math.max(3, runs.stream().mapToInt(r -> r.name().length()).max().orElse(3));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s  %6s  %6s  %10s  %15s  %15s%n",
                "run", "epochs", "hours", "best epoch", "best acc / F1", "last acc / F1"));
        for (Run r : runs) {
            EpochMetrics best = r.best();
            EpochMetrics last = r.last();
            out.append(String.format(Locale.ROOT, "%-" + width + "s  %6d  %6.2f  %10d  %6.4f / %6.4f  %6.4f / %6.4f%s%n",
                    r.name(), r.history().size(), r.hours(), best.epoch(), best.valAccuracy(), best.valMacroF1(),
                    last.valAccuracy(), last.valMacroF1(),
                    Boolean.FALSE.equals(r.validationHeldOut()) ? "  (trained on validation)" : ""));
        }
        if (!differing.isEmpty()) {
            out.append("differs:\n");
            for (Run r : runs) {
                out.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", r.name(), differences(r)));
            }
        }
        return out.toString();
    }

    /** Writes {@value #CSV} and {@value #PNG} into {@code results}; the two files. */
    public List<Path> write(Path results) {
        Path csv = results.resolve(CSV);
        Path png = results.resolve(PNG);
        try {
            Files.createDirectories(results);
            Files.writeString(csv, csv(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv + ": " + e.getMessage(), e);
        }
        writePlot(png);
        return List.of(csv, png);
    }

    /**
     * Writes the chart: validation accuracy, validation macro-F1 and training loss against epoch,
     * one line per run, in run order.
     */
    public void writePlot(Path file) {
        LineChart.writePng(List.of(
                panel("Validation accuracy", "accuracy", EpochMetrics::valAccuracy),
                panel("Validation macro-F1", "macro-F1", EpochMetrics::valMacroF1),
                panel("Training loss", "loss", EpochMetrics::trainLoss)), 1500, 480, file);
    }

    private LineChart.Panel panel(String title, String yLabel, ToDoubleFunction<EpochMetrics> metric) {
        List<LineChart.Series> series = new ArrayList<>();
        for (Run r : runs) {
            series.add(new LineChart.Series(r.name(), r.history().stream().mapToDouble(EpochMetrics::epoch).toArray(),
                    r.history().stream().mapToDouble(metric).toArray()));
        }
        return new LineChart.Panel(title, "epoch", yLabel, series, false);
    }

    /** The directory's name; a training run's trailing "-train" is dropped ({@code 20261203-100936}). */
    private static String name(Path dir) {
        Path last = dir.toAbsolutePath().normalize().getFileName();
        String name = last == null ? dir.toString() : last.toString();
        return name.endsWith("-train") ? name.substring(0, name.length() - "-train".length()) : name;
    }

    private static Map<String, String> settings(Path dir) {
        Path file = dir.resolve("config.yaml");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Map<String, String> all = ConfigLoader.flatten(ConfigLoader.loadRecorded(file));
            Map<String, String> recipe = new LinkedHashMap<>();
            all.forEach((k, v) -> {
                if (NOT_RECIPE.stream().noneMatch(k::startsWith)) {
                    recipe.put(k, v);
                }
            });
            return recipe;
        } catch (ConfigException | IllegalArgumentException | UncheckedIOException e) {
            return null; // an older run whose settings this version no longer reads: compared by its curves alone
        }
    }

    private static List<String> differingKeys(List<Run> runs) {
        List<Map<String, String>> known = runs.stream().map(Run::settings).filter(s -> s != null).toList();
        Set<String> keys = new LinkedHashSet<>();
        known.forEach(s -> keys.addAll(s.keySet()));
        List<String> out = new ArrayList<>();
        for (String key : keys) {
            if (known.stream().map(s -> s.get(key)).distinct().count() > 1) {
                out.add(key);
            }
        }
        return out;
    }
}
