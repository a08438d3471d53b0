package org.deepfer.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code results/report.html}: one self-contained page (images inlined as data URIs, no scripts,
 * no network) gathering what the stages left under {@code results/}: the data audit, the training
 * curves of a model, the model sweep and the hyperparameter search, the evaluation, robustness,
 * ensemble and Grad-CAM galleries. A stage that has not run yet gets a line saying which command
 * fills its section, so the page is useful at every point of a project.
 */
public final class HtmlReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path results;
    private final Path modelDir;
    private final StringBuilder html = new StringBuilder();
    private final List<String> sections = new ArrayList<>();

    /**
     * @param results the results folder the stages write to
     * @param modelDir the model whose training curves to show (null: the one final_eval.json names)
     */
    public HtmlReport(Path results, Path modelDir) {
        this.results = results;
        this.modelDir = modelDir;
    }

    /** The sections present (titles of those filled from files), for callers and tests. */
    public List<String> sections() {
        return List.copyOf(sections);
    }

    /** Builds the page and writes it to {@code results/report.html}. */
    public Path write() {
        html.setLength(0);
        sections.clear();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>DeepFER report</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "h1{border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}"
                        + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
                        + "img{max-width:100%;margin:.3em 0}.missing{color:#888;font-style:italic}"
                        + "pre{background:#f7f7f7;padding:.6em;overflow-x:auto}")
                .append("</style></head><body>\n<h1>DeepFER report</h1>\n");
        audit();
        training();
        if (Files.isRegularFile(results.resolve(RunComparison.CSV))) { // optional, as the ensemble is
            csvSection("Runs compared", RunComparison.CSV, "deepfer report --compare a,b", RunComparison.PNG,
                    RunComparison.CLASSES_PNG);
        }
        csvSection("Model sweep", "model_sweep.csv", "deepfer sweep", "model_sweep.png");
        csvSection("Hyperparameter search", "hparam_trials.csv", "deepfer tune", "hparam_search.png");
        evaluation();
        robustness();
        if (Files.isRegularFile(results.resolve(RobustnessComparison.CSV))) { // optional, as runs compared are
            csvSection("Robustness compared", RobustnessComparison.CSV, "deepfer report --compare-robustness a,b",
                    RobustnessComparison.PNG);
        }
        ensemble();
        gradCam();
        html.append("</body></html>\n");
        Path out = results.resolve("report.html");
        try {
            Files.createDirectories(results);
            Files.writeString(out, html.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return out;
    }

    private void audit() {
        JsonNode audit = json(results.resolve("data_audit.json"));
        heading("Data audit");
        if (audit == null) {
            missing("deepfer pipeline (or ingest + audit)");
            return;
        }
        sections.add("Data audit");
        html.append(p(String.format(Locale.ROOT, "%,d images in %s (version %d): %s", audit.path("images").asLong(),
                esc(audit.path("facesTable").asText()), audit.path("facesVersion").asLong(),
                esc(audit.path("imagesPerSplit").toString()))));
        html.append("<table><tr><th>finding</th><th>images</th><th>groups</th></tr>");
        for (Iterator<String> it = audit.path("findings").fieldNames(); it.hasNext();) {
            String name = it.next();
            JsonNode f = audit.path("findings").path(name);
            html.append("<tr><td>").append(esc(name)).append("</td><td>").append(f.path("images").asLong())
                    .append("</td><td>").append(f.path("groups").asLong()).append("</td></tr>");
        }
        html.append("</table>");
        JsonNode balance = audit.path("classBalance");
        if (balance.has("imbalanceRatio")) {
            html.append(p(String.format(Locale.ROOT, "Class counts %s, imbalance ratio %.1f.",
                    esc(balance.path("counts").toString()), balance.path("imbalanceRatio").asDouble())));
        }
        image(results.resolve("class_distribution.png"), "class distribution");
        image(results.resolve("audit_duplicates.png"), "duplicate examples");
    }

    private void training() {
        heading("Training");
        Path model = modelDir;
        JsonNode eval = json(results.resolve("final_eval.json"));
        if (model == null && eval != null && !eval.path("modelDir").asText().contains(",")) {
            model = Path.of(eval.path("modelDir").asText());
        }
        if (model == null || !Files.isRegularFile(model.resolve("history.json"))) {
            missing("deepfer train, then deepfer evaluate --model models/<id> (or report --model models/<id>)");
            return;
        }
        sections.add("Training");
        JsonNode history = json(model.resolve("history.json"));
        html.append(p("Model " + esc(model.getFileName().toString()) + " (" + esc(model.toString()) + ")"));
        if (history != null && history.isArray() && history.size() > 0) {
            html.append("<table><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th>"
                    + "<th>val acc</th><th>val macro-F1</th><th>img/s</th></tr>");
            for (JsonNode e : history) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>"
                        + "<td>%.4f</td><td>%.4f</td><td>%.0f</td></tr>", e.path("epoch").asInt(),
                        e.path("trainLoss").asDouble(), e.path("trainAccuracy").asDouble(), e.path("valLoss").asDouble(),
                        e.path("valAccuracy").asDouble(), e.path("valMacroF1").asDouble(),
                        e.path("imagesPerSecond").asDouble()));
            }
            html.append("</table>");
        }
        image(model.resolve("curves.png"), "training curves");
    }

    private void csvSection(String title, String csv, String command, String... pngs) {
        heading(title);
        Path file = results.resolve(csv);
        if (!Files.isRegularFile(file)) {
            missing(command);
            return;
        }
        sections.add(title);
        List<List<String>> rows = org.deepfer.run.Csv.read(file);
        html.append("<table>");
        for (int r = 0; r < rows.size(); r++) {
            html.append("<tr>");
            for (String cell : rows.get(r)) {
                String tag = r == 0 ? "th" : "td";
                html.append('<').append(tag).append('>').append(esc(shorten(cell))).append("</").append(tag)
                        .append('>');
            }
            html.append("</tr>");
        }
        html.append("</table>");
        for (String png : pngs) {
            image(results.resolve(png), title);
        }
    }

    private void evaluation() {
        heading("Evaluation");
        JsonNode eval = json(results.resolve("final_eval.json"));
        if (eval == null) {
            missing("deepfer evaluate --model models/<id>");
            return;
        }
        sections.add("Evaluation");
        JsonNode m = eval.path("metrics");
        html.append(p(String.format(Locale.ROOT, "Model %s (%s) on the %s split of faces v%d, tta %s: accuracy %.4f, "
                + "macro-F1 %.4f, top-2 %.4f, macro ROC-AUC %.4f, ECE %.4f (temperature %.3f).",
                esc(eval.path("modelId").asText()), esc(eval.path("backbone").asText()), esc(eval.path("split").asText()),
                eval.path("inputVersion").asLong(), esc(eval.path("tta").asText()), m.path("accuracy").asDouble(),
                m.path("macroAverage").path("f1").asDouble(), m.path("top2Accuracy").asDouble(),
                m.path("macroRocAuc").asDouble(), m.path("calibration").path("expectedCalibrationError").asDouble(),
                eval.path("calibration").path("temperature").asDouble(1.0))));
        Path report = results.resolve("classification_report.txt");
        if (Files.isRegularFile(report)) {
            html.append("<pre>").append(esc(read(report))).append("</pre>");
        }
        for (String png : List.of("confusion_matrix_normalized.png", "roc_curves.png", "reliability_diagram.png",
                "reliability_diagram_calibrated.png")) {
            image(results.resolve(png), png);
        }
    }

    private void robustness() {
        heading("Robustness");
        JsonNode r = json(results.resolve("robustness.json"));
        if (r == null) {
            missing("deepfer robustness --model models/<id>");
            return;
        }
        sections.add("Robustness");
        html.append(p(String.format(Locale.ROOT, "Clean accuracy %.4f; mean accuracy under perturbation %.4f (%d faces).",
                r.path("clean").path("accuracy").asDouble(), r.path("meanPerturbedAccuracy").asDouble(),
                r.path("faces").asLong())));
        html.append("<table><tr><th>perturbation</th><th>severity</th><th>level</th><th>accuracy</th><th>drop</th></tr>");
        for (JsonNode s : r.path("perturbed")) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.3g</td><td>%.4f</td><td>%.4f</td></tr>",
                    esc(s.path("perturbation").asText()), s.path("severity").asInt(), s.path("level").asDouble(),
                    s.path("accuracy").asDouble(), s.path("accuracyDrop").asDouble()));
        }
        html.append("</table>");
        image(results.resolve("robustness.png"), "robustness");
    }

    private void ensemble() {
        JsonNode e = json(results.resolve("ensemble.json"));
        if (e == null) {
            return; // optional: no heading when no ensemble was made
        }
        heading("Ensemble");
        sections.add("Ensemble");
        html.append("<table><tr><th>member</th><th>backbone</th><th>weight</th><th>accuracy</th><th>macro-F1</th></tr>");
        for (JsonNode m : e.path("members")) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.3f</td><td>%.4f</td><td>%.4f</td></tr>",
                    esc(m.path("modelId").asText()), esc(m.path("backbone").asText()), m.path("weight").asDouble(),
                    m.path("accuracy").asDouble(), m.path("macroF1").asDouble()));
        }
        html.append(String.format(Locale.ROOT, "<tr><th>ensemble</th><th></th><th></th><th>%.4f</th><th>%.4f</th></tr>",
                e.path("accuracy").asDouble(), e.path("macroF1").asDouble()));
        html.append("</table>");
    }

    private void gradCam() {
        heading("Grad-CAM and Score-CAM");
        Path dir = results.resolve("explain");
        List<Path> pngs = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.toString().endsWith(".png")).sorted().forEach(pngs::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        if (pngs.isEmpty()) {
            missing("deepfer explain --model models/<id>");
            return;
        }
        sections.add("Grad-CAM and Score-CAM");
        html.append(p("Each face, then where the evidence for its predicted class lies (Grad-CAM, Score-CAM); "
                + "per class the most confident right predictions, then the most confident wrong ones."));
        for (Path png : pngs) {
            String name = png.getFileName().toString().replace(".png", "");
            html.append("<h3>").append(esc(name)).append("</h3>");
            image(png, name);
        }
    }

    private void heading(String title) {
        html.append("<h2>").append(esc(title)).append("</h2>\n");
    }

    private void missing(String command) {
        html.append("<p class=\"missing\">Not run yet: ").append(esc(command)).append(" fills this section.</p>\n");
    }

    private void image(Path png, String alt) {
        if (!Files.isRegularFile(png)) {
            return;
        }
        try {
            String data = Base64.getEncoder().encodeToString(Files.readAllBytes(png));
            html.append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/")
                    .append(png.toString().endsWith(".jpg") ? "jpeg" : "png").append(";base64,").append(data)
                    .append("\">\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + png + ": " + e.getMessage(), e);
        }
    }

    private static String p(String text) {
        return "<p>" + text + "</p>\n";
    }

    private static String shorten(String cell) {
        return cell.length() > 60 ? cell.substring(0, 57) + "..." : cell;
    }

    private static JsonNode json(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
