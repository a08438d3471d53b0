package org.deepfer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.FaceDetectors;
import org.deepfer.detect.OpenCv;
import org.deepfer.realtime.FaceTracker;
import org.deepfer.realtime.Smoothing;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * The demo end to end in a real browser: headless Chromium on the page served by {@link DemoServer}
 * with the real YuNet detector and a stand-in classifier (no trained model exists in a clean clone),
 * driven over the DevTools protocol. With a fake camera that plays photos of real faces (a .y4m made
 * here from ../shared/media/photos) and, without a camera, with a chosen photo and video, it waits
 * until the page shows predictions with faces, checks the overlay canvas has been drawn on, and saves
 * screenshots to target/serve-e2e.png and target/serve-e2e-upload.png. Skipped when Chromium, the
 * photos or the YuNet model are missing.
 */
@Tag("e2e")
class ServeBrowserE2ETest {
    static {
        OpenCv.load();
    }

    private static final Path PHOTOS = Path.of("..", "shared", "media", "photos");
    private static final List<String> FACES = List.of("lena.jpg", "messi5.jpg", "two_people.jpg",
            "obama_and_biden.jpg");
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;
    private static final int FPS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePageShowsPredictionsForTheCameraFacesAndDrawsTheOverlay(@TempDir Path dir) throws Exception {
        Path chromium = assumeBrowserAndMedia();
        Path camera = fakeCamera(dir.resolve("faces.y4m"));
        withPage(chromium, dir, List.of("--use-fake-device-for-media-stream",
                "--use-file-for-fake-video-capture=" + camera), page -> {
            JsonNode status = waitForFaces(page, 3);
            assertEquals("Camera on.", status.get("message").asText());
            assertTrue(status.get("facesSeen").asInt() >= 2, "faces in several frames: " + status);
            assertLabelled(status);
            assertEquals("model band-classifier via test, detector yunet", status.get("model").asText());
            screenshot(page, "serve-e2e.png", status);
        });
    }

    @Test
    void withoutACameraAChosenImageAndVideoAreAnalysed(@TempDir Path dir) throws Exception {
        Path chromium = assumeBrowserAndMedia();
        withPage(chromium, dir, List.of(), page -> {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!page.evaluate("document.getElementById('message')?.textContent ?? ''").asText()
                    .startsWith("No camera")) {
                assertTrue(System.nanoTime() < deadline, "the page never said there is no camera");
                Thread.sleep(200);
            }
            chooseFile(page, PHOTOS.resolve("two_people.jpg"));
            JsonNode still = waitForFaces(page, 1);
            assertEquals(2, still.get("faces").asInt(), "both people of two_people.jpg: " + still);
            assertTrue(still.get("message").asText().startsWith("two_people.jpg: 2 face(s)"), still.toString());
            assertLabelled(still);
            screenshot(page, "serve-e2e-upload.png", still);

            Path clip = PHOTOS.resolveSibling("video").resolve("hamilton_640x360.mp4");
            boolean playable = !page.evaluate("document.createElement('video').canPlayType("
                    + "'video/mp4; codecs=\"avc1.42E01E\"')").asText().isEmpty();
            if (Files.isRegularFile(clip) && playable) {
                chooseFile(page, clip);
                JsonNode played = waitForFaces(page, 3);
                assertTrue(played.get("message").asText().startsWith("Playing hamilton"), played.toString());
                assertLabelled(played);
            } else {
                System.out.println("serve e2e: video upload not checked (" + clip + " missing or H.264 not playable)");
            }
        });
    }

    /** Chromium's path; skips the test unless Chromium, the photos and the YuNet model are there. */
    private static Path assumeBrowserAndMedia() {
        Optional<Path> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "chromium is not installed");
        Assumptions.assumeTrue(FACES.stream().allMatch(f -> Files.isRegularFile(PHOTOS.resolve(f))),
                "no face photos in " + PHOTOS.toAbsolutePath());
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(config().detect().yunetModel())),
                "no YuNet model at " + config().detect().yunetModel());
        return chromium.get();
    }

    private static DeepFerConfig config() {
        return ConfigLoader.load(Optional.empty(), List.of("serve.port=0"));
    }

    /** What a test does with the page. */
    private interface PageCheck {
        void run(DevTools page) throws Exception;
    }

    /**
     * Starts the server (YuNet, the band classifier) and Chromium on its page with {@code flags},
     * runs {@code check} on the page, and stops both.
     */
    private static void withPage(Path chromium, Path dir, List<String> flags, PageCheck check) throws Exception {
        DeepFerConfig config = config();
        DeepFerConfig.Realtime rt = config.realtime();
        try (FaceDetector detector = FaceDetectors.create("yunet", config.detect());
                TestModels.BandClassifier classifier = new TestModels.BandClassifier();
                FrameAnalyzer analyzer = new FrameAnalyzer(detector, classifier, config.detect().cropMargin(),
                        config.detect().align(), () -> new FaceTracker(rt.trackIou(), rt.maxMissed(),
                                Smoothing.Factory.of(rt.smoothing(), rt.emaAlpha(), rt.medianWindow())), 4);
                DemoServer server = DemoServer.start(analyzer, config.serve(), "band-classifier")) {
            Process browser = launch(chromium, dir, flags, server.pageUrl());
            try (DevTools page = new DevTools(pageSocket(dir, server.pageUrl(), browser))) {
                check.run(page);
            } catch (AssertionError | Exception e) {
                System.out.println("chromium log:\n" + tail(dir.resolve("chromium.log")));
                throw e;
            } finally {
                browser.descendants().forEach(ProcessHandle::destroy);
                browser.destroy();
                browser.waitFor();
            }
        }
    }

    /** Puts {@code file} into the page's file input, which fires its change event. */
    private static void chooseFile(DevTools page, Path file) throws Exception {
        JsonNode input = page.call("Runtime.evaluate", Map.of("expression", "document.getElementById('file')"));
        page.call("DOM.setFileInputFiles", Map.of("files", List.of(file.toAbsolutePath().normalize().toString()),
                "objectId", input.get("result").get("objectId").asText()));
    }

    private static void assertLabelled(JsonNode status) {
        assertTrue(status.get("text").asText().matches("(?s).*#\\d+ (angry|disgust|fear|happy|sad|surprise|neutral)"
                + " \\d+%.*"), "the status names a face's label: " + status);
        assertTrue(status.get("overlayPixels").asInt() > 500, "the overlay has boxes and bars: " + status);
    }

    private static void screenshot(DevTools page, String name, JsonNode status) throws Exception {
        Path png = targetDir().resolve(name);
        JsonNode shot = page.call("Page.captureScreenshot", Map.of("format", "png"));
        Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
        System.out.println("serve e2e: " + status.get("text").asText().replace('\n', ';') + "; screenshot "
                + png.toAbsolutePath());
        assertTrue(Files.size(png) > 10_000, "a screenshot was written");
    }

    /**
     * Polls the page until it has shown {@code minFrames} answers, the latest with a face, and the
     * overlay shows it; fails after a minute.
     */
    private static JsonNode waitForFaces(DevTools page, int minFrames) throws Exception {
        String probe = "(() => { const s = document.getElementById('status');"
                + " const o = document.getElementById('overlay');"
                + " if (!s || !o) { return null; }" // the page is still loading
                + " let pixels = 0;"
                + " if (o.width > 0 && o.height > 0) {"
                + "   const d = o.getContext('2d').getImageData(0, 0, o.width, o.height).data;"
                + "   for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) pixels++; } }"
                + " return {frames: +s.dataset.frames, faces: +s.dataset.faces, facesSeen: +s.dataset.facesSeen,"
                + " overlayPixels: pixels, text: s.textContent,"
                + " message: document.getElementById('message').textContent,"
                + " model: document.getElementById('model').textContent}; })()";
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = page.evaluate(probe);
            if (status != null && !status.isNull() && status.get("frames").asInt() >= minFrames
                    && status.get("faces").asInt() > 0
                    && status.get("overlayPixels").asInt() > 500) {
                return status;
            }
            Thread.sleep(500);
        }
        fail("no face prediction shown within a minute; page status " + status);
        return status;
    }

    /** A fake camera: each photo letterboxed to 640x480, shown for 1.5 s, looping. */
    private static Path fakeCamera(Path file) throws Exception {
        try (Y4mWriter writer = new Y4mWriter(file, WIDTH, HEIGHT, FPS)) {
            for (String name : FACES) {
                Mat photo = Imgcodecs.imread(PHOTOS.resolve(name).toString(), Imgcodecs.IMREAD_COLOR);
                Mat frame = letterbox(photo);
                for (int i = 0; i < FPS * 3 / 2; i++) {
                    writer.write(frame);
                }
                photo.release();
                frame.release();
            }
        }
        return file;
    }

    private static Mat letterbox(Mat photo) {
        double scale = Math.min((double) WIDTH / photo.cols(), (double) HEIGHT / photo.rows());
        int w = Math.min(WIDTH, (int) Math.round(photo.cols() * scale));
        int h = Math.min(HEIGHT, (int) Math.round(photo.rows() * scale));
        Mat resized = new Mat();
        Imgproc.resize(photo, resized, new Size(w, h), 0, 0, Imgproc.INTER_AREA);
        Mat frame = new Mat(HEIGHT, WIDTH, CvType.CV_8UC3, new Scalar(0, 0, 0));
        resized.copyTo(frame.submat(new Rect((WIDTH - w) / 2, (HEIGHT - h) / 2, w, h)));
        resized.release();
        return frame;
    }

    private static Process launch(Path chromium, Path dir, List<String> flags, String url) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--mute-audio", "--window-size=1280,800", "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required", "--remote-debugging-port=0",
                "--user-data-dir=" + dir.resolve("profile")));
        command.addAll(flags);
        command.add(url);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile()).start();
    }

    /** The page target's WebSocket address, from the port Chromium wrote into its profile folder. */
    private static String pageSocket(Path dir, String url, Process browser) throws Exception {
        Path portFile = dir.resolve("profile").resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + 30_000_000_000L;
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline && browser.isAlive()) {
            if (Files.isRegularFile(portFile) && !Files.readAllLines(portFile).isEmpty()) {
                String port = Files.readAllLines(portFile).get(0).trim();
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode target : JSON.readTree(list)) {
                    if (target.get("type").asText().equals("page") && target.get("url").asText().startsWith(url)) {
                        return target.get("webSocketDebuggerUrl").asText();
                    }
                }
            }
            Thread.sleep(200);
        }
        fail("chromium did not open " + url + " with DevTools within 30 s; log: " + tail(dir.resolve("chromium.log")));
        return null;
    }

    private static Optional<Path> chromium() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String folder : path.split(File.pathSeparator)) {
                Path candidate = Path.of(folder, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** target/, found from where the test classes are (target/test-classes). */
    private static Path targetDir() throws Exception {
        return Path.of(ServeBrowserE2ETest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getParent();
    }

    private static String tail(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
