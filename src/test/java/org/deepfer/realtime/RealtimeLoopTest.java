package org.deepfer.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.detect.FaceCropper;
import org.deepfer.detect.OpenCv;
import org.deepfer.run.Csv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.opencv.videoio.VideoWriter;
import org.opencv.videoio.Videoio;

/**
 * The loop end to end on a generated MJPEG video of a bright square moving right, with a detector
 * that finds bright squares and a classifier that reads the crop's brightness, so every output
 * (video, JSON lines, stage statistics) can be checked against what was drawn.
 */
class RealtimeLoopTest {
    private static final int FRAMES = 24;

    @BeforeAll
    static void loadOpenCv() {
        OpenCv.load();
    }

    private static Path movingSquareVideo(Path file) {
        VideoWriter writer = new VideoWriter(file.toString(), Videoio.CAP_OPENCV_MJPEG,
                VideoWriter.fourcc('M', 'J', 'P', 'G'), 25, new Size(320, 240), true);
        assertTrue(writer.isOpened(), "OpenCV writes MJPEG AVI");
        for (int i = 0; i < FRAMES; i++) {
            Mat frame = new Mat(240, 320, CvType.CV_8UC3, new Scalar(30, 30, 30));
            Imgproc.rectangle(frame, new Rect(40 + 4 * i, 80, 60, 60), new Scalar(255, 255, 255), -1);
            writer.write(frame);
            frame.release();
        }
        writer.release();
        return file;
    }

    @Test
    void annotatesEveryFrameAndKeepsOneTrack(@TempDir Path dir) throws Exception {
        Path video = movingSquareVideo(dir.resolve("in.avi"));
        StandIns.BrightSquareDetector detector = new StandIns.BrightSquareDetector();
        RealtimeLoop loop = new RealtimeLoop(detector, new FaceCropper(48, 0, true), new StandIns.BrightnessClassifier(),
                new FaceTracker(0.3, 3, Smoothing.Factory.of("ema", 0.5, 1)), 3);
        RealtimeLoop.Outputs outputs = new RealtimeLoop.Outputs(dir.resolve("out/demo.avi"),
                dir.resolve("out/frames.jsonl"), dir.resolve("out/realtime_stats.csv"));
        List<Integer> progress = new ArrayList<>();
        RealtimeLoop.Summary summary;
        try (FrameSource source = FrameSource.video(video)) {
            summary = loop.run(source, outputs, 0, progress::add);
        }
        assertEquals(FRAMES, summary.frames());
        assertEquals(FRAMES, progress.size());
        assertEquals(FRAMES / 3, detector.calls, "the detector runs every third frame");

        List<String> lines = Files.readAllLines(outputs.frames());
        assertEquals(FRAMES, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < FRAMES; i++) {
            JsonNode line = json.readTree(lines.get(i));
            assertEquals(i, line.get("frame").asInt());
            assertEquals(i % 3 == 0, line.get("detector_ran").asBoolean());
            JsonNode faces = line.get("faces");
            assertEquals(1, faces.size(), "one face in frame " + i);
            JsonNode face = faces.get(0);
            assertEquals(1, face.get("track").asInt(), "the same track throughout");
            // The box follows the square (x = 40 + 4i), carried between detections at the velocity of the
            // last two; before the second detection there is no velocity yet, so it lags by up to 2 steps.
            assertEquals(40 + 4 * i, face.get("box").get(0).asDouble(), i < 3 ? 9.0 : 3.0, "box x in frame " + i);
            assertEquals("happy", face.get("label").asText(), "a white crop is happy");
        }

        try (FrameSource annotated = FrameSource.video(outputs.video())) {
            Mat frame = new Mat();
            int n = 0;
            while (annotated.read(frame)) {
                n++;
            }
            assertEquals(FRAMES, n, "the annotated video has every frame");
        }
        List<String> stats = Files.readAllLines(outputs.stats());
        assertEquals(StageTimes.STAGES.length + 1, stats.size());
        JsonNode summaryJson = json.readTree(dir.resolve("out/realtime_stats.json").toFile());
        assertEquals(FRAMES, summaryJson.get("frames").asInt());
        assertTrue(summaryJson.get("fps").asDouble() > 0);
    }

    @Test
    void anImageFolderOfMixedSizesBecomesOneVideoAtTheFirstImagesSize(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("photos"));
        int[][] sizes = {{320, 240}, {640, 240}, {160, 240}};
        for (int i = 0; i < sizes.length; i++) {
            Mat image = new Mat(sizes[i][1], sizes[i][0], CvType.CV_8UC3, new Scalar(90, 90, 90));
            Imgproc.rectangle(image, new Rect(sizes[i][0] / 2 - 30, 90, 60, 60), new Scalar(255, 255, 255), -1);
            assertTrue(Imgcodecs.imwrite(images.resolve("p" + i + ".png").toString(), image));
            image.release();
        }
        RealtimeLoop loop = new RealtimeLoop(new StandIns.BrightSquareDetector(), new FaceCropper(48, 0, true),
                new StandIns.BrightnessClassifier(), new FaceTracker(0.3, 3, Smoothing.Factory.of("ema", 0.5, 1)), 1);
        RealtimeLoop.Outputs outputs = new RealtimeLoop.Outputs(dir.resolve("out/demo.avi"), null, null);
        try (FrameSource source = FrameSource.images(images, 10)) {
            assertEquals(3, loop.run(source, outputs, 0, i -> { }).frames());
        }

        List<Mat> frames = new ArrayList<>();
        try (FrameSource annotated = FrameSource.video(outputs.video())) {
            Mat frame = new Mat();
            while (annotated.read(frame)) {
                frames.add(frame.clone());
            }
        }
        assertEquals(3, frames.size(), "every image is a frame of the video");
        for (Mat frame : frames) {
            assertEquals(new Size(320, 240), frame.size());
        }
        // 640x240 halves to 320x120, centered: black above and below; 160x240 stays, centered: black beside.
        assertEquals(0, mean(frames.get(1), new Rect(0, 0, 320, 50)), 8, "black above the wide photo");
        assertEquals(90, mean(frames.get(1), new Rect(0, 70, 40, 100)), 12, "the wide photo's gray");
        assertEquals(0, mean(frames.get(2), new Rect(0, 0, 70, 240)), 8, "black beside the narrow photo");
        assertEquals(90, mean(frames.get(2), new Rect(85, 0, 40, 60)), 12, "the narrow photo's gray");
        frames.forEach(Mat::release);
    }

    @Test
    void anImageFolderGivesOneAnnotatedImagePerPhotoUnderItsNameAndNamesItInTheJsonLines(@TempDir Path dir)
            throws Exception {
        Path images = Files.createDirectories(dir.resolve("photos"));
        int[][] sizes = {{320, 240}, {200, 300}};
        for (int i = 0; i < sizes.length; i++) {
            Mat image = new Mat(sizes[i][1], sizes[i][0], CvType.CV_8UC3, new Scalar(90, 90, 90));
            Imgproc.rectangle(image, new Rect(60, 90, 60, 60), new Scalar(255, 255, 255), -1);
            assertTrue(Imgcodecs.imwrite(images.resolve("p" + i + ".png").toString(), image));
            image.release();
        }
        // An unreadable file between them is skipped and must not shift the names of the frames after it.
        Files.writeString(images.resolve("p0b.png"), "not a png");
        RealtimeLoop loop = new RealtimeLoop(new StandIns.BrightSquareDetector(), new FaceCropper(48, 0, true),
                new StandIns.BrightnessClassifier(), new FaceTracker(0.3, 3, Smoothing.Factory.of("none", 0.5, 1)), 1);
        RealtimeLoop.Outputs outputs = new RealtimeLoop.Outputs(null, dir.resolve("out/frames.jsonl"), null,
                dir.resolve("out/annotated"));
        try (FrameSource source = FrameSource.images(images, 10)) {
            assertEquals(2, loop.run(source, outputs, 0, i -> { }).frames());
        }

        try (var listed = Files.list(outputs.annotated())) {
            assertEquals(List.of("p0.png", "p1.png"), listed.map(p -> p.getFileName().toString()).sorted().toList());
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(outputs.frames());
        for (int i = 0; i < sizes.length; i++) {
            assertEquals("p" + i + ".png", json.readTree(lines.get(i)).get("image").asText(), "frame " + i);
            Mat in = Imgcodecs.imread(images.resolve("p" + i + ".png").toString());
            Mat out = Imgcodecs.imread(outputs.annotated().resolve("p" + i + ".png").toString());
            assertEquals(in.size(), out.size(), "the photo's own size");
            // The box is drawn around the square (60..120 x 90..150); far from it the photo is untouched.
            assertTrue(Math.abs(mean(out, new Rect(58, 120, 3, 20)) - mean(in, new Rect(58, 120, 3, 20))) > 30,
                    "the box's left edge is drawn on p" + i);
            assertEquals(mean(in, new Rect(150, 200, 30, 30)), mean(out, new Rect(150, 200, 30, 30)), 0.5,
                    "p" + i + " away from the face");
            in.release();
            out.release();
        }
        assertEquals("not a png", Files.readString(images.resolve("p0b.png")), "the input is left alone");

        List<List<String>> table = Csv.read(outputs.faces());
        assertEquals(dir.resolve("out/realtime_faces.csv"), outputs.faces());
        assertEquals(List.of("frame", "image", "track", "x", "y", "width", "height", "detected", "label", "confidence",
                "p_happy", "p_sad"), table.get(0));
        assertEquals(3, table.size(), "a row per face of each photo");
        for (int i = 0; i < sizes.length; i++) {
            List<String> row = table.get(i + 1);
            assertEquals(List.of(Integer.toString(i), "p" + i + ".png", "1", "60", "90", "60", "60", "true", "happy"),
                    row.subList(0, 9), "the square of p" + i);
            assertEquals(Double.parseDouble(row.get(9)), Double.parseDouble(row.get(10)), 1e-9, "confidence = p_happy");
            assertEquals(1.0, Double.parseDouble(row.get(10)) + Double.parseDouble(row.get(11)), 2e-4);
        }
    }

    /** Two photos with a face at the same place: white in the first, light gray in the second. */
    private static Path twoPhotosOfOnePlace(Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("photos"));
        int[] brightness = {255, 210};
        for (int i = 0; i < brightness.length; i++) {
            Mat image = new Mat(240, 320, CvType.CV_8UC3, new Scalar(30, 30, 30));
            Imgproc.rectangle(image, new Rect(100, 80, 60, 60), Scalar.all(brightness[i]), -1);
            assertTrue(Imgcodecs.imwrite(images.resolve("p" + i + ".png").toString(), image));
            image.release();
        }
        return images;
    }

    private static List<JsonNode> facesOfEachFrame(Path images, boolean unrelated, StandIns.BrightSquareDetector detector,
            Path frames) throws Exception {
        RealtimeLoop loop = new RealtimeLoop(detector, new FaceCropper(48, 0, true),
                new StandIns.BrightnessClassifier(), new FaceTracker(0.3, 3, Smoothing.Factory.of("ema", 0.5, 1)), 3);
        if (unrelated) {
            loop.unrelatedFrames();
        }
        try (FrameSource source = FrameSource.images(images, 1)) {
            assertEquals(2, loop.run(source, new RealtimeLoop.Outputs(null, frames, null), 0, i -> { }).frames());
        }
        List<JsonNode> faces = new ArrayList<>();
        for (String line : Files.readAllLines(frames)) {
            JsonNode f = new ObjectMapper().readTree(line).get("faces");
            assertEquals(1, f.size(), line);
            faces.add(f.get(0));
        }
        return faces;
    }

    @Test
    void unrelatedPhotosAreEachClassifiedOnTheirOwn(@TempDir Path dir) throws Exception {
        Path images = twoPhotosOfOnePlace(dir);
        StandIns.BrightSquareDetector detector = new StandIns.BrightSquareDetector();
        List<JsonNode> alone = facesOfEachFrame(images, true, detector, dir.resolve("alone.jsonl"));
        assertEquals(2, detector.calls, "detection on every photo, although detectEvery is 3");
        double seen = alone.get(1).get("frame_probabilities").get("happy").asDouble();
        assertEquals(210 / 255.0, seen, 0.02, "the second photo's own brightness");
        assertEquals(seen, alone.get(1).get("probabilities").get("happy").asDouble(), 1e-9, "nothing smoothed in");

        // The same photos as frames of one scene: one track, the second frame smoothed with the first.
        StandIns.BrightSquareDetector sceneDetector = new StandIns.BrightSquareDetector();
        List<JsonNode> scene = facesOfEachFrame(images, false, sceneDetector, dir.resolve("scene.jsonl"));
        assertEquals(1, sceneDetector.calls, "the second frame coasts");
        assertEquals(1, scene.get(1).get("track").asInt());
        assertTrue(scene.get(1).get("probabilities").get("happy").asDouble() > seen + 0.03,
                "smoothed towards the white first frame: " + scene.get(1));
    }

    @Test
    void onePhotoIsAFrameSourceOfOneFrameAndAnotherFileIsRefusedByName(@TempDir Path dir) throws Exception {
        Path photo = twoPhotosOfOnePlace(dir).resolve("p1.png");
        try (FrameSource source = FrameSource.images(photo, 1)) {
            Mat frame = new Mat();
            assertTrue(source.read(frame));
            assertEquals("p1.png", source.frameName());
            assertEquals(new Size(320, 240), frame.size());
            assertFalse(source.read(frame), "and no more");
            frame.release();
        }
        Path notes = Files.writeString(dir.resolve("notes.txt"), "hello");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FrameSource.images(notes, 1));
        assertTrue(e.getMessage().contains("notes.txt is not a .jpg, .png or .bmp image"), e.getMessage());
    }

    @Test
    void videoFramesAreAnnotatedAsNumberedImagesAndTheJsonLinesNameNoImage(@TempDir Path dir) throws Exception {
        Path video = movingSquareVideo(dir.resolve("in.avi"));
        RealtimeLoop loop = new RealtimeLoop(new StandIns.BrightSquareDetector(), new FaceCropper(48, 0, true),
                new StandIns.BrightnessClassifier(), new FaceTracker(0.3, 3, Smoothing.Factory.of("ema", 0.5, 1)), 1);
        RealtimeLoop.Outputs outputs = new RealtimeLoop.Outputs(null, dir.resolve("frames.jsonl"), null,
                dir.resolve("annotated"));
        try (FrameSource source = FrameSource.video(video)) {
            assertEquals(3, loop.run(source, outputs, 3, i -> { }).frames());
        }
        try (var listed = Files.list(outputs.annotated())) {
            assertEquals(List.of("frame-000000.jpg", "frame-000001.jpg", "frame-000002.jpg"),
                    listed.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Mat first = Imgcodecs.imread(outputs.annotated().resolve("frame-000000.jpg").toString());
        assertEquals(new Size(320, 240), first.size());
        first.release();
        assertFalse(new ObjectMapper().readTree(Files.readAllLines(outputs.frames()).get(0)).has("image"),
                "a video frame has no file name");
    }

    private static double mean(Mat frame, Rect region) {
        Mat part = frame.submat(region);
        double mean = org.opencv.core.Core.mean(part).val[0];
        part.release();
        return mean;
    }

    @Test
    void aVideoOpenCvCannotReadIsAClearError(@TempDir Path dir) throws Exception {
        Path fake = Files.writeString(dir.resolve("clip.mp4"), "not a video");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FrameSource.video(fake));
        assertTrue(e.getMessage().contains("Motion-JPEG"), e.getMessage());
    }
}
