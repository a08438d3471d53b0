package org.deepfer.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepfer.detect.Face;
import org.deepfer.detect.FaceCropper;
import org.deepfer.detect.FaceDetector;
import org.deepfer.image.FaceImage;
import org.deepfer.run.Csv;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.opencv.videoio.VideoWriter;
import org.opencv.videoio.Videoio;

/**
 * The single-node real-time loop: frame → face detection (every {@code detectEvery} frames, boxes
 * carried by the tracker in between) → crop → classification of all faces in one batch → per-track
 * temporal smoothing → overlay → annotated video (and images) and one JSON line per frame. Every
 * stage is timed per frame ({@link StageTimes}).
 */
public final class RealtimeLoop {

    /**
     * What to produce; null paths leave that output out. {@code annotated}: a folder that receives
     * every annotated frame as an image, at the frame's own size: an image folder's photos under
     * their own file names, video and camera frames as {@code frame-000000.jpg}, ...
     */
    public record Outputs(Path video, Path frames, Path stats, Path annotated) {
        /** The per-face table written beside {@link #frames()}: one CSV row per face and frame. */
        public Path faces() {
            return frames == null ? null : frames.resolveSibling(FACES_CSV);
        }

        public Outputs(Path video, Path frames, Path stats) {
            this(video, frames, stats, null);
        }
    }

    /** What a run did. */
    public record Summary(int frames, int faceDetections, double seconds, double fps, StageTimes times) {}

    /** File name of the per-face table beside the JSON lines. */
    public static final String FACES_CSV = "realtime_faces.csv";

    private final FaceDetector detector;
    private final FaceCropper cropper;
    private final FaceClassifier classifier;
    private final FaceTracker tracker;
    private final int detectEvery;
    private final Overlay overlay;
    private final ObjectMapper json = new ObjectMapper();
    private boolean unrelatedFrames;

    public RealtimeLoop(FaceDetector detector, FaceCropper cropper, FaceClassifier classifier, FaceTracker tracker,
            int detectEvery) {
        if (detectEvery < 1) {
            throw new IllegalArgumentException("detectEvery must be 1 or more, got " + detectEvery);
        }
        this.detector = detector;
        this.cropper = cropper;
        this.classifier = classifier;
        this.tracker = tracker;
        this.detectEvery = detectEvery;
        this.overlay = new Overlay(classifier.classes());
    }

    /**
     * Takes every frame as an unrelated photo: faces are detected in each, nothing is tracked or
     * smoothed from one to the next, and track ids start from 1 in each.
     */
    public RealtimeLoop unrelatedFrames() {
        this.unrelatedFrames = true;
        return this;
    }

    /**
     * Runs over {@code source} until it ends or {@code maxFrames} frames (0 = all) are done.
     *
     * @param progress called after every frame with the frame index (for a progress line)
     */
    public Summary run(FrameSource source, Outputs outputs, int maxFrames, java.util.function.IntConsumer progress) {
        StageTimes times = new StageTimes();
        VideoWriter writer = null;
        Size videoSize = null;
        BufferedWriter lines = null;
        BufferedWriter table = null;
        Mat frame = new Mat();
        int n = 0;
        int detections = 0;
        long started = System.nanoTime();
        try {
            if (outputs.frames() != null) {
                Files.createDirectories(outputs.frames().toAbsolutePath().getParent());
                lines = Files.newBufferedWriter(outputs.frames());
                table = Files.newBufferedWriter(outputs.faces());
                table.write(facesHeader());
                table.newLine();
            }
            if (outputs.annotated() != null) {
                Files.createDirectories(outputs.annotated());
            }
            while (maxFrames == 0 || n < maxFrames) {
                long t0 = System.nanoTime();
                if (!source.read(frame)) {
                    break;
                }
                long t1 = System.nanoTime();
                boolean detect = unrelatedFrames || n % detectEvery == 0;
                if (unrelatedFrames) {
                    tracker.reset();
                }
                List<FaceTracker.Track> tracks = detect ? tracker.update(detector.detect(frame)) : tracker.coast();
                if (detect) {
                    detections += tracks.size();
                }
                long t2 = System.nanoTime();
                List<FaceImage> crops = new ArrayList<>(tracks.size());
                for (FaceTracker.Track t : tracks) {
                    crops.add(cropper.crop(frame, t.face()));
                }
                long t3 = System.nanoTime();
                float[][] probabilities = classifier.probabilities(crops);
                long t4 = System.nanoTime();
                float[][] smoothed = new float[tracks.size()][];
                for (int i = 0; i < tracks.size(); i++) {
                    smoothed[i] = tracks.get(i).observe(probabilities[i]);
                }
                long t5 = System.nanoTime();
                overlay.drawAll(frame, tracks.stream().map(FaceTracker.Track::id).toList(),
                        tracks.stream().map(FaceTracker.Track::face).toList(), List.of(smoothed));
                long t6 = System.nanoTime();
                if (outputs.video() != null) {
                    if (writer == null) {
                        videoSize = frame.size();
                        writer = openWriter(outputs.video(), source.fps(), videoSize);
                    }
                    writeFitted(writer, frame, videoSize);
                }
                if (outputs.annotated() != null) {
                    writeImage(outputs.annotated().resolve(imageName(source, n)), frame);
                }
                if (lines != null) {
                    List<FaceResult> faces = new ArrayList<>(tracks.size());
                    for (int i = 0; i < tracks.size(); i++) {
                        faces.add(FaceResult.of(tracks.get(i), probabilities[i], smoothed[i]));
                    }
                    lines.write(frameJson(n, source.frameName(), (t0 - started) / 1e6, detect, faces));
                    lines.newLine();
                    for (FaceResult face : faces) {
                        table.write(faceRow(n, source.frameName(), face));
                        table.newLine();
                    }
                }
                long t7 = System.nanoTime();
                times.add(ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t4, t5), ms(t5, t6), ms(t6, t7),
                        ms(t0, t7));
                progress.accept(n);
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            frame.release();
            if (writer != null) {
                writer.release();
            }
            for (BufferedWriter w : new BufferedWriter[] {lines, table}) {
                if (w != null) {
                    try {
                        w.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (outputs.stats() != null) {
            writeStats(outputs.stats(), times, n, seconds);
        }
        return new Summary(n, detections, seconds, n / Math.max(seconds, 1e-9), times);
    }

    private static double ms(long from, long to) {
        return (to - from) / 1e6;
    }

    /**
     * Writes {@code frame} into a video of {@code size}, the first frame's: a frame of another size
     * (an image folder of mixed photos) is scaled to fit, aspect kept, on black borders, since a
     * Motion-JPEG stream holds one frame size.
     */
    static void writeFitted(VideoWriter writer, Mat frame, Size size) {
        if (frame.size().equals(size)) {
            writer.write(frame);
            return;
        }
        Mat fitted = letterbox(frame, size);
        writer.write(fitted);
        fitted.release();
    }

    /** {@code frame} scaled to fit {@code size} with its aspect kept, centered on black. */
    static Mat letterbox(Mat frame, Size size) {
        double scale = Math.min(size.width / frame.width(), size.height / frame.height());
        int w = Math.max(1, Math.min((int) size.width, (int) Math.round(frame.width() * scale)));
        int h = Math.max(1, Math.min((int) size.height, (int) Math.round(frame.height() * scale)));
        Mat canvas = Mat.zeros(size, frame.type());
        Mat scaled = new Mat();
        Imgproc.resize(frame, scaled, new Size(w, h), 0, 0, scale < 1 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
        Mat target = canvas.submat(new Rect(((int) size.width - w) / 2, ((int) size.height - h) / 2, w, h));
        scaled.copyTo(target);
        target.release();
        scaled.release();
        return canvas;
    }

    /** The annotated image's file name: the source file's own, or {@code frame-<index>.jpg}. */
    static String imageName(FrameSource source, int index) {
        String name = source.frameName();
        return name != null ? name : String.format(Locale.ROOT, "frame-%06d.jpg", index);
    }

    private static void writeImage(Path file, Mat frame) throws IOException {
        if (!Imgcodecs.imwrite(file.toString(), frame)) {
            throw new IOException("OpenCV cannot write the annotated image " + file);
        }
    }

    private static VideoWriter openWriter(Path file, double fps, Size size) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        VideoWriter writer = new VideoWriter(file.toString(), Videoio.CAP_OPENCV_MJPEG,
                VideoWriter.fourcc('M', 'J', 'P', 'G'), fps, size, true);
        if (!writer.isOpened()) {
            writer.release();
            throw new IOException("OpenCV cannot write the video " + file + " (this build writes Motion-JPEG"
                    + " .avi only)");
        }
        return writer;
    }

    /**
     * One face of a frame as both outputs report it: its track, its box in whole pixels, this
     * frame's probabilities ({@code raw}), the track's smoothed ones and the smoothed winner.
     */
    private record FaceResult(FaceTracker.Track track, long[] box, float[] raw, float[] smoothed, int best) {
        static FaceResult of(FaceTracker.Track track, float[] raw, float[] smoothed) {
            Face f = track.face();
            long[] box = {Math.round(f.x()), Math.round(f.y()), Math.round(f.width()), Math.round(f.height())};
            return new FaceResult(track, box, raw, smoothed, Overlay.argmax(smoothed));
        }
    }

    private String frameJson(int index, String image, double millis, boolean detected, List<FaceResult> results)
            throws IOException {
        List<String> classes = classifier.classes();
        List<Map<String, Object>> faces = new ArrayList<>();
        for (FaceResult r : results) {
            Map<String, Object> face = new LinkedHashMap<>();
            face.put("track", r.track().id());
            face.put("box", r.box());
            face.put("detected", r.track().detectedNow());
            face.put("score", round(r.track().face().score()));
            face.put("label", classes.get(r.best()));
            face.put("confidence", round(r.smoothed()[r.best()]));
            Map<String, Double> probs = new LinkedHashMap<>();
            Map<String, Double> frameProbs = new LinkedHashMap<>();
            for (int c = 0; c < classes.size(); c++) {
                probs.put(classes.get(c), round(r.smoothed()[c]));
                frameProbs.put(classes.get(c), round(r.raw()[c]));
            }
            face.put("probabilities", probs);
            face.put("frame_probabilities", frameProbs);
            faces.add(face);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("frame", index);
        if (image != null) {
            line.put("image", image);
        }
        line.put("t_ms", round(millis));
        line.put("detector_ran", detected);
        line.put("faces", faces);
        return json.writeValueAsString(line);
    }

    private String facesHeader() {
        StringBuilder header = new StringBuilder("frame,image,track,x,y,width,height,detected,label,confidence");
        for (String c : classifier.classes()) {
            header.append(",p_").append(c);
        }
        return header.toString();
    }

    /** One face of a frame: where it is, its (smoothed) label and every class's smoothed probability. */
    private String faceRow(int index, String image, FaceResult r) {
        StringBuilder row = new StringBuilder().append(index).append(',').append(Csv.text(image)).append(',')
                .append(r.track().id());
        for (long v : r.box()) {
            row.append(',').append(v);
        }
        row.append(',').append(r.track().detectedNow()).append(',').append(classifier.classes().get(r.best()))
                .append(',').append(Csv.number(r.smoothed()[r.best()]));
        for (float p : r.smoothed()) {
            row.append(',').append(Csv.number(p));
        }
        return row.toString();
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /** The per-stage CSV, and beside it a JSON summary (frames, seconds, FPS, detector, engine). */
    private void writeStats(Path file, StageTimes times, int frames, double seconds) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, times.csv());
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("frames", frames);
            summary.put("seconds", round(seconds));
            summary.put("fps", round(frames / Math.max(seconds, 1e-9)));
            summary.put("p95_frame_ms", round(times.quantile("total", 0.95)));
            summary.put("detector", detector.name());
            summary.put("detect_every", detectEvery);
            summary.put("classifier", classifier.engine());
            String name = file.getFileName().toString().replaceFirst("\\.csv$", "") + ".json";
            json.writerWithDefaultPrettyPrinter().writeValue(file.resolveSibling(name).toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
