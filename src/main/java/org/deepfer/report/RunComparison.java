package org.deepfer.report;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.deepfer.plot.BarChart;
import org.deepfer.plot.LineChart;
import org.deepfer.predict.ModelBundle;
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
    /** Validation F1 per class at each run's best epoch, one bar per run. */
    public static final String CLASSES_PNG = "runs_compared_classes.png";
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

        /** Validation F1 per class at {@link #best()}; empty where the history does not hold it. */
        public double[] bestF1PerClass() {
            double[] f1 = best().valF1PerClass();
            return f1 == null ? new double[0] : f1;
        }
    }

    private final List<Run> runs;
    private final List<String> differing;
    private final List<String> classes;

    private RunComparison(List<Run> runs, List<String> classes) {
        this.runs = List.copyOf(runs);
        this.differing = differingKeys(runs);
        this.classes = List.copyOf(classes);
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
        return new RunComparison(runs, classNames(runs));
    }

    public List<Run> runs() {
        return runs;
    }

    /** The recipe settings whose values are not the same in every run whose config could be read. */
    public List<String> differingKeys() {
        return differing;
    }

    /**
     * The class names the per-class F1 figures are in the order of: the first run's
     * {@code classes.json}, or {@code class 0 ...} where it is missing, unreadable or has another
     * count; empty when no run recorded per-class F1.
     */
    public List<String> classes() {
        return classes;
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
     * accuracy and macro-F1, the last epoch's, whether validation was held out, the best epoch's F1
     * per class (empty for a run that did not record them), then one column per differing setting.
     */
    public String csv() {
        StringBuilder out = new StringBuilder("run,dir,epochs,hours,best_epoch,best_val_accuracy,best_val_macro_f1,"
                + "last_val_accuracy,last_val_macro_f1,validation_held_out");
        for (String name : classes) {
            out.append(',').append(Csv.text("best_f1_" + name));
        }
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
            double[] f1 = comparableF1(r);
            for (int c = 0; c < classes.size(); c++) {
                out.append(',').append(f1 != null ? Csv.number(f1[c]) : "");
            }
            for (String key : differing) {
                out.append(',').append(r.settings() == null ? "" : Csv.text(r.settings().getOrDefault(key, "")));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * The comparison as aligned text for a terminal: a row per run, the F1 per class at each run's
     * best epoch, then what differs.
     */
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
        if (!classes.isEmpty()) {
            int column = Math.max(6, classes.stream().mapToInt(String::length).max().orElse(6));
            out.append("F1 per class at the best epoch:\n").append(String.format(Locale.ROOT, "  %-" + width + "s", ""));
            for (String name : classes) {
                out.append(String.format(Locale.ROOT, "  %" + column + "s", name));
            }
            out.append('\n');
            for (Run r : runs) {
                double[] f1 = comparableF1(r);
                out.append(String.format(Locale.ROOT, "  %-" + width + "s", r.name()));
                for (int c = 0; c < classes.size(); c++) {
                    out.append(f1 != null
                            ? String.format(Locale.ROOT, "  %" + column + ".4f", f1[c])
                            : String.format(Locale.ROOT, "  %" + column + "s", "-"));
                }
                out.append('\n');
            }
        }
        if (!differing.isEmpty()) {
            out.append("differs:\n");
            for (Run r : runs) {
                out.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", r.name(), differences(r)));
            }
        }
        return out.toString();
    }

    /**
     * Writes {@value #CSV}, {@value #PNG} and, where runs recorded per-class F1, {@value #CLASSES_PNG}
     * into {@code results}; the files written.
     */
    public List<Path> write(Path results) {
        Path csv = results.resolve(CSV);
        Path png = results.resolve(PNG);
        Path classesPng = results.resolve(CLASSES_PNG);
        Csv.write(csv, csv());
        writePlot(png);
        if (classes.isEmpty()) {
            deleteStale(classesPng);
            return List.of(csv, png);
        }
        writeClassPlot(classesPng);
        return List.of(csv, png, classesPng);
    }

    /**
     * Writes the chart: validation accuracy, validation macro-F1, validation loss and training loss
     * against epoch, one line per run, in run order.
     */
    public void writePlot(Path file) {
        LineChart.writePng(List.of(
                panel("Validation accuracy", "accuracy", EpochMetrics::valAccuracy),
                panel("Validation macro-F1", "macro-F1", EpochMetrics::valMacroF1),
                panel("Validation loss", "loss", EpochMetrics::valLoss),
                panel("Training loss", "loss", EpochMetrics::trainLoss)), 1800, 480, file);
    }

    /**
     * Writes the per-class chart: each class's validation F1 at each run's best epoch, one bar per
     * run in the runs' colours (a run without per-class figures is left out).
     */
    public void writeClassPlot(Path file) {
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (Run r : runs) {
            double[] f1 = comparableF1(r);
            if (f1 != null) {
                series.put(r.name() + " (epoch " + r.best().epoch()
                        + (Boolean.FALSE.equals(r.validationHeldOut()) ? ", trained on validation)" : ")"), f1);
            }
        }
        BarChart.writePng("Validation F1 per class at each run's best epoch", "F1", classes, series,
                Math.max(900, 120 * classes.size() + 60 * runs.size()), 480, file);
    }

    /** {@code run}'s per-class F1 at its best epoch, or null where it has none for {@link #classes()}. */
    private double[] comparableF1(Run run) {
        double[] f1 = run.bestF1PerClass();
        return f1.length == classes.size() && !classes.isEmpty() ? f1 : null;
    }

    private LineChart.Panel panel(String title, String yLabel, ToDoubleFunction<EpochMetrics> metric) {
        List<LineChart.Series> series = new ArrayList<>();
        for (Run r : runs) {
            series.add(new LineChart.Series(r.name(), r.history().stream().mapToDouble(EpochMetrics::epoch).toArray(),
                    r.history().stream().mapToDouble(metric).toArray()));
        }
        return new LineChart.Panel(title, "epoch", yLabel, series, false);
    }

    /**
     * Names for the per-class figures: the first run's classes.json when its count matches theirs,
     * else numbered; none when no run has them.
     */
    private static List<String> classNames(List<Run> runs) {
        int count = runs.stream().mapToInt(r -> r.bestF1PerClass().length).max().orElse(0);
        if (count == 0) {
            return List.of();
        }
        Path file = runs.get(0).dir().resolve(ModelBundle.CLASSES);
        if (Files.isRegularFile(file)) {
            try {
                List<String> names = ModelBundle.classNames(file);
                if (names.size() == count) {
                    return names;
                }
            } catch (IllegalArgumentException e) {
                // numbered below: the figures stay comparable without their names
            }
        }
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbered.add("class " + i);
        }
        return numbered;
    }

    private static void deleteStale(Path file) {
        try {
            Files.deleteIfExists(file); // an earlier comparison's chart must not pass for this one's
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
        }
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
