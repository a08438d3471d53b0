package org.deepfer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.realtime.FaceTracker;
import org.deepfer.realtime.Smoothing;
import org.deepfer.realtime.StandIns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo server over real HTTP on an ephemeral port, with a detector that finds bright squares
 * and a classifier that reads their brightness, so every answer can be checked against the frame
 * that was drawn; and every way a request is refused.
 */
class DemoServerTest {
    private static final int MAX_FRAME = 64 * 1024;
    private static final int MAX_UPLOAD = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FrameAnalyzer analyzer;
    private static DemoServer server;
    private static HttpClient http;

    @BeforeAll
    static void startServer() {
        analyzer = new FrameAnalyzer(new StandIns.BrightSquareDetector(), new StandIns.BrightnessClassifier(), 0,
                true, () -> new FaceTracker(0.3, 3, Smoothing.Factory.of("ema", 0.5, 1)), 3);
        server = DemoServer.start(analyzer, new DeepFerConfig.Serve("127.0.0.1", 0, MAX_FRAME, MAX_UPLOAD, 3),
                "test-model");
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopServer() {
        server.close();
        analyzer.close();
    }

    private static URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private static HttpResponse<String> post(String pathAndQuery, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(pathAndQuery)).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] squareJpeg(int x, int level) {
        return TestModels.encode(TestModels.squareFrame(x, 80, 60, level), ".jpg");
    }

    /** The status line of a request sent byte for byte, so no client can normalize its path first. */
    private static int rawStatus(String method, String rawPath) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 404"
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    @Test
    void aPostedFrameGivesTrackedFacesWithBoxLabelAndSmoothedProbabilities() throws Exception {
        HttpResponse<String> first = post("/api/frame?session=tab-1", squareJpeg(40, 255));
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode a = JSON.readTree(first.body());
        assertEquals("tab-1", a.get("session").asText());
        assertEquals(1, a.get("frame").asInt());
        assertEquals(320, a.get("width").asInt());
        assertEquals(240, a.get("height").asInt());
        assertEquals("[\"happy\",\"sad\"]", a.get("classes").toString());
        assertEquals(1, a.get("faces").size());
        JsonNode face = a.get("faces").get(0);
        assertEquals(1, face.get("track").asInt());
        double[] box = new double[4];
        for (int i = 0; i < 4; i++) {
            box[i] = face.get("box").get(i).asDouble();
        }
        double[] expected = {40, 80, 60, 60};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], box[i], 2.0, "box " + Arrays.toString(box));
        }
        assertEquals("happy", face.get("label").asText(), "a white square is happy");
        assertEquals(face.get("probabilities").get("happy").asDouble(), face.get("confidence").asDouble(), 1e-9);
        // The first frame of a track is taken as it is.
        assertEquals(face.get("frame_probabilities").get("happy").asDouble(),
                face.get("probabilities").get("happy").asDouble(), 1e-4);

        // The square moved a little and is darker: the same track, its probabilities the EMA (alpha 0.5).
        JsonNode b = JSON.readTree(post("/api/frame?session=tab-1", squareJpeg(46, 215)).body());
        assertEquals(2, b.get("frame").asInt());
        JsonNode moved = b.get("faces").get(0);
        assertEquals(1, moved.get("track").asInt(), "the same face keeps its track id");
        double before = face.get("frame_probabilities").get("happy").asDouble();
        double now = moved.get("frame_probabilities").get("happy").asDouble();
        assertTrue(now < before - 0.05, "a darker square is less happy: " + now + " vs " + before);
        assertEquals(0.5 * now + 0.5 * before, moved.get("probabilities").get("happy").asDouble(), 2e-4);
        assertEquals(1.0, moved.get("probabilities").get("happy").asDouble()
                + moved.get("probabilities").get("sad").asDouble(), 2e-4);
    }

    @Test
    void eachSessionHasItsOwnTrackerAndOldSessionsAreDropped() throws Exception {
        for (String tab : List.of("a", "b", "c", "d")) {
            JsonNode r = JSON.readTree(post("/api/frame?session=own-" + tab, squareJpeg(100, 255)).body());
            assertEquals(1, r.get("frame").asInt(), "a new session starts at frame 1");
            assertEquals(1, r.get("faces").get(0).get("track").asInt(), "and at track 1");
        }
        assertEquals(3, analyzer.sessions(), "serve.maxSessions trackers are kept");
        JsonNode empty = JSON.readTree(post("/api/frame?session=own-d", TestModels.encode(
                TestModels.squareFrame(0, 0, 1, 30), ".jpg")).body());
        assertEquals(2, empty.get("frame").asInt());
        assertEquals(0, empty.get("faces").size(), "a frame without faces gives an empty list");
        // own-a was the least recently seen when own-d came, so it was dropped and starts again...
        JsonNode again = JSON.readTree(post("/api/frame?session=own-a", squareJpeg(100, 255)).body());
        assertEquals(1, again.get("frame").asInt(), "a dropped session starts over");
        // ...which dropped own-b, seen before own-c and own-d; own-c goes on.
        JsonNode kept = JSON.readTree(post("/api/frame?session=own-c", squareJpeg(100, 255)).body());
        assertEquals(2, kept.get("frame").asInt(), "a session seen more recently is kept");
        assertEquals(3, analyzer.sessions());
    }

    @Test
    void aStillImageIsAnalysedOnItsOwnAndMayBePng() throws Exception {
        byte[] png = TestModels.encode(TestModels.squareFrame(200, 100, 50, 255), ".png");
        HttpResponse<String> r = post("/api/image", png);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode a = JSON.readTree(r.body());
        assertFalse(a.has("session"));
        assertEquals(1, a.get("frame").asInt());
        assertEquals(200, a.get("faces").get(0).get("box").get(0).asDouble(), 2.0);
        assertEquals(1, JSON.readTree(post("/api/image", png).body()).get("frame").asInt(), "no state is kept");
    }

    @Test
    void infoNamesModelEngineClassesAndLimits() throws Exception {
        HttpResponse<String> r = send("GET", "/api/info");
        assertEquals(200, r.statusCode());
        JsonNode info = JSON.readTree(r.body());
        assertEquals("test-model", info.get("model").asText());
        assertEquals("test", info.get("engine").asText());
        assertEquals("bright-square", info.get("detector").asText());
        assertEquals(2, info.get("classes").size());
        assertEquals(MAX_FRAME, info.get("maxFrameBytes").asInt());
        assertEquals(MAX_UPLOAD, info.get("maxUploadBytes").asInt());
    }

    @Test
    void thePageIsServedWithItsContentTypes() throws Exception {
        for (String path : List.of("/", "/index.html")) {
            HttpResponse<String> r = send("GET", path);
            assertEquals(200, r.statusCode(), path);
            assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""), path);
            assertTrue(r.body().contains("<canvas id=\"overlay\">") && r.body().contains("id=\"status\""), r.body());
            assertTrue(r.headers().firstValue("Content-Security-Policy").isPresent());
        }
        HttpResponse<String> js = send("GET", "/app.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        assertTrue(js.body().contains("getUserMedia"));
        assertEquals("text/css; charset=utf-8", send("GET", "/style.css").headers().firstValue("Content-Type")
                .orElse(""));
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        byte[] big = Arrays.copyOf(squareJpeg(40, 255), MAX_FRAME + 1);
        HttpResponse<String> r = post("/api/frame?session=big", big);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("serve.maxFrameBytes"), r.body());

        // Sent chunked, without a Content-Length: refused once the limit is passed.
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/api/frame?session=big"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());

        // Uploads have their own, larger limit.
        assertEquals(413, post("/api/image", Arrays.copyOf(big, MAX_UPLOAD + 1)).statusCode());
        assertEquals(400, post("/api/image", Arrays.copyOf("GIF89a".getBytes(StandardCharsets.US_ASCII),
                MAX_FRAME + 1)).statusCode(), "an upload may be larger than a frame");
    }

    @Test
    void contentThatIsNotTheExpectedImageIs400WithAJsonError() throws Exception {
        List<byte[]> bad = List.of("hello, not a jpeg".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 4, 1, 2, (byte) 0xff, (byte) 0xd9},
                TestModels.encode(TestModels.squareFrame(10, 10, 20, 255), ".png"), new byte[0]);
        for (byte[] body : bad) {
            HttpResponse<String> r = post("/api/frame?session=bad", body);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertFalse(JSON.readTree(r.body()).get("error").asText().isBlank());
        }
        // A header claiming 60000x60000 pixels is refused before anything is decoded.
        byte[] bomb = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xc0, 0, 11, 8, (byte) 0xea, 0x60, (byte) 0xea,
            0x60, 1, 1, 0x11, 0};
        HttpResponse<String> r = post("/api/frame?session=bad", bomb);
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("60000x60000"), r.body());

        for (String query : List.of("", "?session=", "?session=a/b", "?session=" + "x".repeat(65))) {
            HttpResponse<String> noSession = post("/api/frame" + query, squareJpeg(40, 255));
            assertEquals(400, noSession.statusCode(), query);
            assertTrue(noSession.body().contains("session"), noSession.body());
        }
    }

    @Test
    void unknownPathsAndTraversalAttemptsAre404() throws Exception {
        for (String path : List.of("/nope", "/api", "/api/frames", "/index.htm", "/index.html/", "/web/index.html",
                "/../pom.xml", "/%2e%2e/pom.xml", "/%2E%2E%2Fpom.xml", "/..%2fpom.xml", "/%2e%2e%5cpom.xml",
                "/./index.html", "//index.html", "/static/../../../../etc/passwd", "/src/main/resources/web/index.html",
                "/%69ndex.html", "/index.html%00", "/org/deepfer/config/deepfer.yaml", "/log4j2.properties")) {
            assertEquals(404, rawStatus("GET", path), path);
        }
        // A backslash is not even a valid request target: the JDK's server refuses it before any handler.
        assertEquals(400, rawStatus("GET", "/..\\pom.xml"));
        HttpResponse<String> r = send("GET", "/nope");
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("/nope"));
    }

    @Test
    void methodsOtherThanGetAndPostAre405() throws Exception {
        for (String method : List.of("PUT", "DELETE", "PATCH", "OPTIONS")) {
            for (String path : List.of("/index.html", "/api/frame?session=x", "/nope")) {
                HttpResponse<String> r = send(method, path);
                assertEquals(405, r.statusCode(), method + " " + path);
                assertEquals("GET, POST", r.headers().firstValue("Allow").orElse(""));
            }
        }
        HttpResponse<String> get = send("GET", "/api/frame?session=x");
        assertEquals(405, get.statusCode(), "frames are posted");
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertEquals(405, post("/index.html", new byte[] {1}).statusCode(), "the page is read-only");
        assertEquals(405, post("/api/info", new byte[] {1}).statusCode());
    }
}
