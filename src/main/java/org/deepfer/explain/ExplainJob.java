package org.deepfer.explain;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.plot.ImageGrid;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;
import org.deepfer.tables.Splits;
import org.deepfer.tables.Warehouse;

/**
 * The explain job: Grad-CAM and Score-CAM heat maps of a trained model, for chosen faces or, per
 * class, for its most confident right and most confident wrong predictions on a labeled split.
 * Each map explains the class the model predicted, so a wrong one shows what misled it.
 *
 * <p>Writes one PNG gallery per class under {@code results/explain/} (face, Grad-CAM, Score-CAM
 * side by side, with the true and predicted class and confidence) and {@code explain.json} listing
 * the faces shown. The faces of one split are small enough to score on the driver; only the table
 * read goes through Spark.
 */
public final class ExplainJob {
    private static final Logger LOG = LogManager.getLogger(ExplainJob.class);
    private static final int SCALE = 3;

    /**
     * What to explain.
     *
     * @param ids explain exactly these face ids (any split); empty: the per-class selection
     * @param perClass how many right and how many wrong predictions per class
     */
    public record Options(Path modelDir, String split, Long version, List<String> ids, int perClass, int batchSize) {
        public Options {
            if (modelDir == null) {
                throw new IllegalArgumentException("a model directory is required");
            }
            if (split != null && !Splits.ALL.contains(split)) {
                throw new IllegalArgumentException("unknown split '" + split + "'; expected one of " + Splits.ALL);
            }
            ids = ids == null ? List.of() : List.copyOf(ids);
            if (perClass < 1 || batchSize < 1) {
                throw new IllegalArgumentException("perClass and batchSize must be 1 or more");
            }
        }
    }

    /** One face shown: why it was picked, and where each map is hottest (x, y at the model's input size). */
    public record Explained(String id, String group, Integer label, int predicted, double confidence,
            int[] gradCamPeak, int[] scoreCamPeak) {}

    public record Result(String modelId, String split, long inputVersion, List<Explained> faces, List<Path> galleries) {}

    private record Face(String id, Integer label, FaceImage image) {}

    private final Warehouse warehouse;
    private final RunContext run;
    private final Options options;

    public ExplainJob(Warehouse warehouse, Options options) {
        this.warehouse = warehouse;
        this.run = warehouse.run();
        this.options = options;
    }

    public Result run() {
        ModelBundle bundle = ModelBundle.load(options.modelDir());
        long version = warehouse.versionOrLatest(Warehouse.FACES, options.version());
        Dataset<Row> faces = warehouse.readAt(Warehouse.FACES, version);
        String split;
        if (!options.ids().isEmpty()) {
            split = "chosen";
            faces = faces.filter(col("id").isin(options.ids().toArray()));
        } else {
            split = options.split() != null ? options.split() : warehouse.judgedSplit(version);
            faces = faces.filter(col("split").equalTo(split).and(col("label").isNotNull()));
        }
        List<Face> loaded = new ArrayList<>();
        for (Row r : faces.select("id", "label", "width", "height", "pixels").orderBy("id").collectAsList()) {
            loaded.add(new Face(r.getString(0), r.isNullAt(1) ? null : r.getInt(1),
                    FaceImage.gray(r.getInt(2), r.getInt(3), r.getAs(4))));
        }
        if (!options.ids().isEmpty()) {
            Set<String> found = new HashSet<>(loaded.stream().map(Face::id).toList());
            List<String> missing = options.ids().stream().filter(id -> !found.contains(id)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("no face with id " + missing + " in " + warehouse.path(Warehouse.FACES)
                        + " (version " + version + ")");
            }
        } else if (loaded.isEmpty()) {
            throw new IllegalStateException("the " + split + " split has no labeled faces to explain");
        }

        int size = bundle.spec().inputSize();
        List<String> classes = bundle.classNames();
        Path dir = Path.of(run.config().paths().results()).resolve("explain");
        List<Explained> explained = new ArrayList<>();
        List<Path> galleries = new ArrayList<>();
        try (CamExplainer explainer = new CamExplainer(bundle, options.batchSize())) {
            List<FaceImage> images = loaded.stream().map(f -> Resize.to(f.image(), size, size)).toList();
            float[][] probabilities = run.time("predict", () -> probabilities(explainer, images));
            Map<String, List<Integer>> groups = options.ids().isEmpty()
                    ? select(loaded, probabilities, classes) : Map.of("chosen", indices(loaded.size()));
            for (Map.Entry<String, List<Integer>> group : groups.entrySet()) {
                List<Integer> picked = group.getValue();
                if (picked.isEmpty()) {
                    continue;
                }
                List<FaceImage> pickedFaces = picked.stream().map(images::get).toList();
                int[] targets = picked.stream().mapToInt(i -> FacePredictor.argmax(probabilities[i])).toArray();
                float[][] grad = run.time("grad-cam " + group.getKey(), () -> explainer.gradCam(pickedFaces, targets));
                float[][] score = run.time("score-cam " + group.getKey(),
                        () -> explainer.scoreCam(pickedFaces, targets));
                List<ImageGrid.Cell> cells = new ArrayList<>();
                for (int k = 0; k < picked.size(); k++) {
                    Face f = loaded.get(picked.get(k));
                    double confidence = probabilities[picked.get(k)][targets[k]];
                    explained.add(new Explained(f.id(), group.getKey(), f.label(), targets[k], confidence,
                            peak(grad[k], size), peak(score[k], size)));
                    String truth = f.label() == null ? "?" : classes.get(f.label());
                    cells.add(new ImageGrid.Cell(pickedFaces.get(k), String.format(Locale.ROOT, "%s true %s, pred %s %.2f",
                            shortId(f.id()), truth, classes.get(targets[k]), confidence)));
                    cells.add(new ImageGrid.Cell(HeatMaps.overlay(pickedFaces.get(k), grad[k]), "Grad-CAM"));
                    cells.add(new ImageGrid.Cell(HeatMaps.overlay(pickedFaces.get(k), score[k]), "Score-CAM"));
                }
                galleries.add(gallery(dir, group.getKey(), cells));
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runId", run.runId());
        report.put("modelId", bundle.modelId());
        report.put("split", split);
        report.put("inputVersion", version);
        report.put("note", "maps explain the predicted class; peaks are (x, y) at the model's input size");
        report.put("faces", explained);
        Reports.writeJson(run, dir.resolve("explain.json"), report);
        LOG.info("[explain] {} faces explained, galleries in {}", explained.size(), dir);
        return new Result(bundle.modelId(), split, version, explained, galleries);
    }

    private float[][] probabilities(CamExplainer explainer, List<FaceImage> images) {
        float[][] out = new float[images.size()][];
        for (int from = 0; from < images.size(); from += options.batchSize()) {
            int to = Math.min(images.size(), from + options.batchSize());
            float[][] batch = explainer.probabilities(images.subList(from, to));
            System.arraycopy(batch, 0, out, from, batch.length);
        }
        return out;
    }

    /**
     * Per class (in class order): its {@code perClass} most confident right predictions, then the
     * faces of that class predicted as something else with the highest confidence.
     */
    private Map<String, List<Integer>> select(List<Face> faces, float[][] probabilities, List<String> classes) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            final int cls = c;
            Comparator<Integer> byConfidence = Comparator.comparingDouble(
                    i -> -probabilities[i][FacePredictor.argmax(probabilities[i])]);
            List<Integer> right = new ArrayList<>();
            List<Integer> wrong = new ArrayList<>();
            for (int i = 0; i < faces.size(); i++) {
                if (faces.get(i).label() != null && faces.get(i).label() == cls) {
                    (FacePredictor.argmax(probabilities[i]) == cls ? right : wrong).add(i);
                }
            }
            right.sort(byConfidence);
            wrong.sort(byConfidence);
            List<Integer> picked = new ArrayList<>(right.subList(0, Math.min(options.perClass(), right.size())));
            picked.addAll(wrong.subList(0, Math.min(options.perClass(), wrong.size())));
            groups.put(classes.get(cls), picked);
        }
        return groups;
    }

    private static List<Integer> indices(int n) {
        List<Integer> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    private Path gallery(Path dir, String name, List<ImageGrid.Cell> cells) {
        // Three cells per face; two faces per row keeps galleries readable.
        List<ImageGrid.Row> rows = new ArrayList<>();
        for (int from = 0; from < cells.size(); from += 6) {
            rows.add(new ImageGrid.Row("", cells.subList(from, Math.min(cells.size(), from + 6))));
        }
        Path png = dir.resolve(name.replaceAll("[^A-Za-z0-9_-]", "_") + ".png");
        Reports.writeBytes(run, png, org.deepfer.image.ImageCodec.write(ImageGrid.render(rows, SCALE), "png"));
        return png;
    }

    private static String shortId(String id) {
        return id.length() <= 12 ? id : id.substring(0, 12);
    }

    private static int[] peak(float[] map, int size) {
        int best = 0;
        for (int i = 1; i < map.length; i++) {
            best = map[i] > map[best] ? i : best;
        }
        return new int[] {best % size, best / size};
    }
}
