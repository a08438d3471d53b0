package org.deepfer.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.deepfer.plot.BarChart;
import org.deepfer.run.Csv;
import org.deepfer.run.Reports;

/**
 * Several models' robustness reports ({@code robustness.json} of {@code deepfer robustness}) side by
 * side: accuracy under every perturbation and severity for each model, and how far each model is
 * from the first, so "what did this recipe buy under blur, and what did it cost clean" is one look.
 * The reports must score the same split on the same number of faces, or the figures would not be
 * comparable.
 */
public final class RobustnessComparison {
    /** The files {@link #write} leaves in the results folder, which the HTML report shows. */
    public static final String CSV = "robustness_compared.csv";
    public static final String PNG = "robustness_compared.png";

    /** One perturbation at one severity (clean: severity 0), as the reports name it. */
    public record Cell(String perturbation, int severity, String parameter, double level) {
        String label() {
            return severity == 0 ? perturbation : perturbation + " " + severity;
        }
    }

    /** One report: the model's name and its accuracy in each cell, clean first. */
    public record Model(String name, Path file, String split, long faces, Map<Cell, Double> accuracy) {
        /** The mean accuracy over every perturbed cell, as the robustness job reports it. */
        public double meanPerturbed() {
            return accuracy.entrySet().stream().filter(e -> e.getKey().severity() > 0)
                    .mapToDouble(Map.Entry::getValue).average().orElse(Double.NaN);
        }
    }

    private final List<Model> models;
    private final List<Cell> cells;

    private RobustnessComparison(List<Model> models, List<Cell> cells) {
        this.models = List.copyOf(models);
        this.cells = List.copyOf(cells);
    }

    /**
     * Reads the reports, in order; each path is a {@code robustness.json} or a folder holding one.
     *
     * @throws IllegalArgumentException naming the file that is missing or unreadable, or whose split,
     *     face count or perturbations differ from the first report's
     */
    public static RobustnessComparison load(List<Path> paths) {
        if (paths.size() < 2) {
            throw new IllegalArgumentException("name at least two robustness reports to compare, got " + paths.size());
        }
        List<Model> models = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Path path : paths) {
            Path file = Files.isDirectory(path) ? path.resolve("robustness.json") : path;
            Model model = read(file);
            String name = model.name();
            for (int n = 2; !names.add(name); n++) {
                name = model.name() + " (" + n + ")"; // the same model scored twice, say with and without TTA
            }
            models.add(new Model(name, file, model.split(), model.faces(), model.accuracy()));
        }
        Model first = models.get(0);
        for (Model m : models.subList(1, models.size())) {
            if (!m.split().equals(first.split()) || m.faces() != first.faces()) {
                throw new IllegalArgumentException(m.file() + " scored " + m.faces() + " faces of the " + m.split()
                        + " split, " + first.file() + " " + first.faces() + " of " + first.split()
                        + ": robustness is comparable only on the same faces");
            }
            if (!m.accuracy().keySet().equals(first.accuracy().keySet())) {
                throw new IllegalArgumentException(m.file() + " has other perturbations or levels than "
                        + first.file() + " (run both with the same --perturbations and version)");
            }
        }
        return new RobustnessComparison(models, List.copyOf(first.accuracy().keySet()));
    }

    private static Model read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist: run deepfer robustness first");
        }
        JsonNode root;
        try {
            root = Reports.readJson(file, JsonNode.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a robustness report: " + e.getMessage(), e);
        }
        JsonNode clean = root.path("clean");
        if (!clean.has("accuracy") || !root.path("perturbed").isArray() || root.path("perturbed").isEmpty()) {
            throw new IllegalArgumentException(file + " is not a robustness report of deepfer robustness"
                    + " (no clean accuracy or no perturbed scores)");
        }
        Map<Cell, Double> accuracy = new LinkedHashMap<>();
        accuracy.put(new Cell("clean", 0, "", 0), clean.path("accuracy").asDouble());
        for (JsonNode s : root.path("perturbed")) {
            accuracy.put(new Cell(s.path("perturbation").asText(), s.path("severity").asInt(),
                    s.path("parameter").asText(), s.path("level").asDouble()), s.path("accuracy").asDouble());
        }
        String name = root.path("modelId").asText(file.toString());
        return new Model(name, file, root.path("split").asText(""), root.path("faces").asLong(), accuracy);
    }

    public List<Model> models() {
        return models;
    }

    /** The cells in the first report's order: clean, then each perturbation at severities 1 to 3. */
    public List<Cell> cells() {
        return cells;
    }

    /**
     * One row per cell (clean first, the mean over the perturbed cells last): its level, each model's
     * accuracy, then each later model's difference from the first in accuracy.
     */
    public String csv() {
        StringBuilder out = new StringBuilder("perturbation,severity,parameter,level");
        for (Model m : models) {
            out.append(',').append(Csv.text("accuracy_" + m.name()));
        }
        for (Model m : models.subList(1, models.size())) {
            out.append(',').append(Csv.text("difference_" + m.name()));
        }
        out.append('\n');
        for (Cell c : cells) {
            out.append(String.join(",", Csv.text(c.perturbation()), Integer.toString(c.severity()),
                    Csv.text(c.parameter()), c.severity() == 0 ? "" : Csv.number(c.level())));
            appendFigures(out, m -> m.accuracy().get(c));
        }
        out.append("mean perturbed,,,");
        appendFigures(out, Model::meanPerturbed);
        return out.toString();
    }

    private void appendFigures(StringBuilder out, ToDoubleFunction<Model> figure) {
        double first = figure.applyAsDouble(models.get(0));
        for (Model m : models) {
            out.append(',').append(Csv.number(figure.applyAsDouble(m)));
        }
        for (Model m : models.subList(1, models.size())) {
            out.append(',').append(Csv.number(figure.applyAsDouble(m) - first));
        }
        out.append('\n');
    }

    /**
     * Aligned text for a terminal: a column per model, the later ones with their difference from the
     * first in points, a row per cell and the mean over the perturbed cells.
     */
    public String table() {
        int label = Math.max(16, cells.stream().mapToInt(c -> c.label().length()).max().orElse(0));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + label + "s  %8s", "perturbation", "level"));
        for (int i = 0; i < models.size(); i++) {
            out.append(String.format(Locale.ROOT, i == 0 ? "  %8s" : "  %16s", "model " + (i + 1)));
        }
        out.append('\n');
        for (Cell c : cells) {
            out.append(String.format(Locale.ROOT, "%-" + label + "s  %8s", c.label(),
                    c.severity() == 0 ? "" : String.format(Locale.ROOT, "%.3g", c.level())));
            appendRow(out, models.stream().mapToDouble(m -> m.accuracy().get(c)).toArray());
        }
        out.append(String.format(Locale.ROOT, "%-" + label + "s  %8s", "mean perturbed", ""));
        appendRow(out, models.stream().mapToDouble(Model::meanPerturbed).toArray());
        for (int i = 0; i < models.size(); i++) {
            out.append(String.format(Locale.ROOT, "model %d: %s (%s)%n", i + 1, models.get(i).name(), models.get(i).file()));
        }
        return out.toString();
    }

    private static void appendRow(StringBuilder out, double[] accuracy) {
        for (int i = 0; i < accuracy.length; i++) {
            out.append(i == 0 ? String.format(Locale.ROOT, "  %8.4f", accuracy[i])
                    : String.format(Locale.ROOT, "  %8.4f %+6.1f", accuracy[i], 100 * (accuracy[i] - accuracy[0])));
        }
        out.append('\n');
    }

    /** Writes {@value #CSV} and {@value #PNG} into {@code results}; the files written. */
    public List<Path> write(Path results) {
        Path csv = results.resolve(CSV);
        Path png = results.resolve(PNG);
        Csv.write(csv, csv());
        writePlot(png);
        return List.of(csv, png);
    }

    /**
     * The chart: for clean faces and each perturbation, each model's accuracy averaged over the
     * perturbation's severities, one bar per model.
     */
    public void writePlot(Path file) {
        List<String> perturbations = new ArrayList<>();
        for (Cell c : cells) {
            if (!perturbations.contains(c.perturbation())) {
                perturbations.add(c.perturbation());
            }
        }
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (Model m : models) {
            double[] values = new double[perturbations.size()];
            for (int p = 0; p < values.length; p++) {
                String name = perturbations.get(p);
                values[p] = m.accuracy().entrySet().stream().filter(e -> e.getKey().perturbation().equals(name))
                        .mapToDouble(Map.Entry::getValue).average().orElse(Double.NaN);
            }
            series.put(String.format(Locale.ROOT, "%s (mean perturbed %.3f)", m.name(), m.meanPerturbed()), values);
        }
        BarChart.writePng("Accuracy clean and under each perturbation (mean over its severities)", "accuracy",
                perturbations, series, Math.max(1000, 110 * perturbations.size() + 40 * models.size()), 500, file);
    }
}
