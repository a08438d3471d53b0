package org.deepfer.detect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * How well each detector finds faces, on two sets with known boxes:
 *
 * <ul>
 *   <li>photos with labelled face boxes (dlib's {@code training.xml} and {@code testing.xml}: group
 *       photos, faces 30-110 px): recall and false positives at IoU 0.5 and 0.3, and the face-free
 *       {@code dogs.jpg} for false positives;
 *   <li>FER2013 validation faces pasted at random sizes (64-192 px) and places onto synthetic
 *       640x480 scenes: the share found (the plan asks for more than 95%) and false positives.
 * </ul>
 *
 * Prints one table row per detector and set, with milliseconds per image. Usage: {@code
 * DetectionBenchmark <dlib photo folder> <fer2013 validation folder> [faces=1000] [detectors=yunet,ssd,haar]
 * [key=value ...]}
 */
public final class DetectionBenchmark {
    private static final double IOU = 0.5;
    private static final double LOOSE_IOU = 0.3;

    private DetectionBenchmark() {}

    /** A photo and its true face boxes. */
    record Labeled(Path image, List<Face> faces) {}

    /** Counts of one detector on one set. */
    static final class Tally {
        int faces;
        int found;
        int foundLoose;
        int detections;
        int falsePositives;
        int images;
        double millis;

        void add(List<Face> truth, List<Face> detected, double ms) {
            images++;
            millis += ms;
            faces += truth.size();
            detections += detected.size();
            found += matches(truth, detected, IOU);
            foundLoose += matches(truth, detected, LOOSE_IOU);
            falsePositives += detected.size() - matches(truth, detected, LOOSE_IOU);
        }

        String row(String detector, String set) {
            return String.format(Locale.ROOT, "%-6s %-26s %6d %6d %8.1f%% %8.1f%% %6d %8.1f", detector, set, images, faces,
                    faces == 0 ? Double.NaN : 100.0 * found / faces,
                    faces == 0 ? Double.NaN : 100.0 * foundLoose / faces, falsePositives, millis / images);
        }
    }

    /** Greedy one-to-one matching, best-overlapping pairs first: how many true faces are found. */
    static int matches(List<Face> truth, List<Face> detected, double minIou) {
        record Pair(int t, int d, double iou) {}
        List<Pair> pairs = new ArrayList<>();
        for (int t = 0; t < truth.size(); t++) {
            for (int d = 0; d < detected.size(); d++) {
                double iou = truth.get(t).iou(detected.get(d));
                if (iou >= minIou) {
                    pairs.add(new Pair(t, d, iou));
                }
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::iou).reversed());
        boolean[] usedT = new boolean[truth.size()];
        boolean[] usedD = new boolean[detected.size()];
        int n = 0;
        for (Pair p : pairs) {
            if (!usedT[p.t] && !usedD[p.d]) {
                usedT[p.t] = true;
                usedD[p.d] = true;
                n++;
            }
        }
        return n;
    }

    /** The images and boxes of a dlib imglab XML file (boxes marked ignore are left out). */
    static List<Labeled> readDlibXml(Path xml) {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            var doc = factory.newDocumentBuilder().parse(xml.toFile());
            NodeList images = doc.getElementsByTagName("image");
            List<Labeled> out = new ArrayList<>();
            for (int i = 0; i < images.getLength(); i++) {
                Element image = (Element) images.item(i);
                List<Face> faces = new ArrayList<>();
                NodeList boxes = image.getElementsByTagName("box");
                for (int b = 0; b < boxes.getLength(); b++) {
                    Element box = (Element) boxes.item(b);
                    if ("1".equals(box.getAttribute("ignore"))) {
                        continue;
                    }
                    faces.add(Face.box(Double.parseDouble(box.getAttribute("left")),
                            Double.parseDouble(box.getAttribute("top")), Double.parseDouble(box.getAttribute("width")),
                            Double.parseDouble(box.getAttribute("height")), 1));
                }
                out.add(new Labeled(xml.resolveSibling(image.getAttribute("file")), faces));
            }
            return out;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot read the dlib box file " + xml + ": " + e.getMessage(), e);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: DetectionBenchmark <dlib photo folder> <fer2013 validation folder> [faces=1000]"
                    + " [detectors=yunet,ssd,haar]");
            System.exit(2);
        }
        Path dlib = Path.of(args[0]);
        Path fer = Path.of(args[1]);
        int ferFaces = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        List<String> names = List.of((args.length > 3 ? args[3] : "yunet,ssd,haar").split(","));
        // Further arguments override the configuration, e.g. detect.scoreThreshold=0.5.
        List<String> overrides = args.length > 4 ? List.of(args).subList(4, args.length) : List.of();
        DeepFerConfig.Detect conf = ConfigLoader.load(Optional.empty(), overrides).detect();
        OpenCv.load();

        List<Labeled> photos = new ArrayList<>(readDlibXml(dlib.resolve("training.xml")));
        photos.addAll(readDlibXml(dlib.resolve("testing.xml")));
        Mat dogs = read(dlib.resolve("dogs.jpg"), Imgcodecs.IMREAD_COLOR);
        List<Path> ferFiles = ferSample(fer, ferFaces);

        System.out.printf(Locale.ROOT, "%-6s %-26s %6s %6s %9s %9s %6s %8s%n", "det", "set", "images", "faces",
                "rec@0.5", "rec@0.3", "FP", "ms/img");
        for (String name : names) {
            try (FaceDetector detector = FaceDetectors.create(name.trim(), conf)) {
                Tally labeled = new Tally();
                for (Labeled p : photos) {
                    Mat img = read(p.image(), Imgcodecs.IMREAD_COLOR);
                    score(detector, img, p.faces(), labeled);
                    img.release();
                }
                Tally empty = new Tally();
                score(detector, dogs, List.of(), empty);
                Tally pasted = new Tally();
                Random random = new Random(42);
                for (Path f : ferFiles) {
                    Mat face = read(f, Imgcodecs.IMREAD_GRAYSCALE);
                    Mat scene = new Mat();
                    Face truth = paste(face, random, scene);
                    score(detector, scene, List.of(truth), pasted);
                    scene.release();
                    face.release();
                }
                System.out.println(labeled.row(detector.name(), "dlib photos (43 faces)"));
                System.out.println(empty.row(detector.name(), "dogs.jpg (no face)"));
                System.out.println(pasted.row(detector.name(), "FER2013 val on 640x480"));
            }
        }
    }

    /** Detects and adds the result, timed, to {@code tally}. */
    private static void score(FaceDetector detector, Mat image, List<Face> truth, Tally tally) {
        long start = System.nanoTime();
        List<Face> faces = detector.detect(image);
        tally.add(truth, faces, (System.nanoTime() - start) / 1e6);
    }

    /**
     * Pastes {@code face} (gray) at a random size (64-192 px) and place onto a 640x480 scene of
     * smooth random shapes and noise (no face in it, unlike real photos, so every detection away from
     * the pasted face is a false positive), written to {@code scene} as BGR; returns the pasted box.
     */
    static Face paste(Mat face, Random random, Mat scene) {
        int w = 640;
        int h = 480;
        // Low-frequency clutter: a 8x6 random colour grid blown up, a few rectangles, then noise.
        Mat coarse = new Mat(6, 8, CvType.CV_8UC3);
        byte[] cells = new byte[6 * 8 * 3];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = (byte) (40 + random.nextInt(180));
        }
        coarse.put(0, 0, cells);
        Imgproc.resize(coarse, scene, new Size(w, h), 0, 0, Imgproc.INTER_CUBIC);
        coarse.release();
        for (int i = 0; i < 6; i++) {
            int rx = random.nextInt(w - 40);
            int ry = random.nextInt(h - 40);
            Imgproc.rectangle(scene, new Rect(rx, ry, 20 + random.nextInt(Math.min(200, w - rx - 20)),
                    20 + random.nextInt(Math.min(150, h - ry - 20))),
                    new Scalar(random.nextInt(256), random.nextInt(256), random.nextInt(256)), -1);
        }
        Mat noise = new Mat(h, w, CvType.CV_8UC3);
        Core.randn(noise, 0, 8);
        Core.add(scene, noise, scene);
        noise.release();
        int side = 64 + random.nextInt(129);
        int x = random.nextInt(w - side);
        int y = random.nextInt(h - side);
        Mat big = new Mat();
        Imgproc.resize(face, big, new Size(side, side), 0, 0, Imgproc.INTER_CUBIC);
        Mat bgr = new Mat();
        Imgproc.cvtColor(big, bgr, Imgproc.COLOR_GRAY2BGR);
        bgr.copyTo(scene.submat(new Rect(x, y, side, side)));
        big.release();
        bgr.release();
        return Face.box(x, y, side, side, 1);
    }

    /** Every n-th file of the validation folders, in name order, about {@code count} in all. */
    private static List<Path> ferSample(Path folder, int count) throws IOException {
        List<Path> all;
        try (Stream<Path> files = Files.walk(folder)) {
            all = files.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted().toList();
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no images under " + folder);
        }
        int step = Math.max(1, all.size() / Math.max(1, count));
        List<Path> picked = new ArrayList<>();
        for (int i = 0; i < all.size() && picked.size() < count; i += step) {
            picked.add(all.get(i));
        }
        return picked;
    }

    private static Mat read(Path file, int flags) {
        Mat m = Imgcodecs.imread(file.toString(), flags);
        if (m.empty()) {
            throw new UncheckedIOException(new IOException("OpenCV cannot read " + file));
        }
        return m;
    }
}
