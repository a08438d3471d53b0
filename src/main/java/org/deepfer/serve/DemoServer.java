package org.deepfer.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.deepfer.config.ConfigException;
import org.deepfer.config.DeepFerConfig;

/**
 * The web demo's HTTP server (the JDK's {@link HttpServer}, no extra dependency). Routes:
 *
 * <ul>
 *   <li>{@code GET /}, {@code /index.html}, {@code /app.js}, {@code /style.css}: the page ({@link StaticFiles});
 *   <li>{@code GET /api/info}: model, engine, detector, classes and the size limits, for the page;
 *   <li>{@code POST /api/frame?session=ID}: a JPEG frame (at most {@code serve.maxFrameBytes}) →
 *       JSON faces, tracked and smoothed within the session;
 *   <li>{@code POST /api/image}: a still JPEG or PNG (at most {@code serve.maxUploadBytes}) → the
 *       same JSON, analysed on its own.
 * </ul>
 *
 * Everything else is refused with a JSON error: 404 for unknown paths, 405 for other methods, 413
 * for bodies over the limit, 400 for content that is not the expected image.
 */
public final class DemoServer implements AutoCloseable {
    /** Largest side, in pixels, of an image the server decodes (checked from the header first). */
    static final int MAX_SIDE = 8192;
    /** Largest image, in pixels, the server decodes. */
    static final long MAX_PIXELS = 40_000_000L;
    /** Bytes of an over-limit body read and dropped, so the client can read the 413 before the connection closes. */
    private static final long DRAIN_LIMIT = 64L << 20;
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:;"
            + " connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none';"
            + " frame-ancestors 'none'";

    private final HttpServer server;
    private final ExecutorService executor;
    private final FrameAnalyzer analyzer;
    private final DeepFerConfig.Serve limits;
    private final String modelId;
    private final StaticFiles files = new StaticFiles();
    private final ObjectMapper json = new ObjectMapper();

    private DemoServer(FrameAnalyzer analyzer, DeepFerConfig.Serve conf, String modelId) {
        this.analyzer = analyzer;
        this.limits = conf;
        this.modelId = modelId;
        this.server = bind(conf);
        AtomicInteger threads = new AtomicInteger();
        // Several threads, so the page's files are served while a frame is analysed (frames take turns
        // inside the analyzer anyway).
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "serve-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Binds {@code conf.host():conf.port()} and starts answering.
     *
     * @param analyzer analyses the frames (not closed by the server)
     * @param modelId the model's name, shown by the page
     * @throws ConfigException naming serve.host and serve.port when the address cannot be bound (port
     *     in use, unknown host)
     */
    public static DemoServer start(FrameAnalyzer analyzer, DeepFerConfig.Serve conf, String modelId) {
        DemoServer s = new DemoServer(analyzer, conf, modelId);
        s.server.start();
        return s;
    }

    private static HttpServer bind(DeepFerConfig.Serve conf) {
        try {
            return HttpServer.create(new InetSocketAddress(conf.host(), conf.port()), 0);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("cannot listen on " + conf.host() + ":" + conf.port() + " (serve.host,"
                    + " serve.port): " + e, e);
        }
    }

    /** The bound port (the actual one when serve.port was 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's address, e.g. http://127.0.0.1:5500/index.html. */
    public String pageUrl() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress() instanceof Inet6Address ? "[" + limits.host() + "]" : limits.host();
        return "http://" + host + ":" + a.getPort() + "/index.html";
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (RequestException e) {
                sendError(ex, e.status(), e.getMessage(), e.allow());
            } catch (RuntimeException e) {
                System.err.println("serve: " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                        + " failed: " + e);
                sendError(ex, 500, "internal error: " + e.getClass().getSimpleName(), null);
            }
        } catch (IOException e) {
            // The client went away mid-answer; nothing to tell it.
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new RequestException(405, "method " + method + " is not allowed; use GET or POST", "GET, POST");
        }
        String path = ex.getRequestURI().getRawPath();
        switch (path) {
            case "/api/frame" -> {
                requireMethod(method, "POST");
                String session = session(ex.getRequestURI().getRawQuery());
                byte[] body = readBody(ex, limits.maxFrameBytes(), "serve.maxFrameBytes");
                checkImage(body, List.of("jpeg"));
                sendJson(ex, 200, analysisJson(session, analyze(session, body)));
            }
            case "/api/image" -> {
                requireMethod(method, "POST");
                byte[] body = readBody(ex, limits.maxUploadBytes(), "serve.maxUploadBytes");
                checkImage(body, List.of("jpeg", "png"));
                sendJson(ex, 200, analysisJson(null, analyze(null, body)));
            }
            case "/api/info" -> {
                requireMethod(method, "GET");
                sendJson(ex, 200, info());
            }
            default -> {
                Optional<StaticFiles.File> file = files.get(path);
                if (file.isEmpty()) {
                    throw new RequestException(404, "not found: " + path);
                }
                requireMethod(method, "GET");
                sendFile(ex, file.get());
            }
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new RequestException(405, "this path takes " + allowed + ", not " + method, allowed);
        }
    }

    private Map<String, Object> info() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", modelId);
        info.put("engine", analyzer.engine());
        info.put("detector", analyzer.detectorName());
        info.put("classes", analyzer.classes());
        info.put("maxFrameBytes", limits.maxFrameBytes());
        info.put("maxUploadBytes", limits.maxUploadBytes());
        return info;
    }

    /** The session parameter of the query: required, letters, digits, - and _ only. */
    private static String session(String rawQuery) {
        String session = null;
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.startsWith("session=")) {
                    session = URLDecoder.decode(pair.substring("session=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        if (session == null || !SESSION.matcher(session).matches()) {
            throw new RequestException(400, "expected ?session=ID (1 to 64 letters, digits, - or _) naming the"
                    + " client whose faces are tracked across frames");
        }
        return session;
    }

    /**
     * The request body, refused with 413 when it is over {@code limit} bytes (declared or actually
     * sent); an over-limit body is read and dropped first, so the client sees the answer.
     */
    private static byte[] readBody(HttpExchange ex, int limit, String key) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new RequestException(400, "bad Content-Length '" + declared + "'");
            }
        }
        InputStream in = ex.getRequestBody();
        if (length > limit) {
            drain(in);
            throw tooLarge(length, limit, key);
        }
        byte[] body = in.readNBytes(limit + 1);
        if (body.length > limit) {
            drain(in);
            throw tooLarge(-1, limit, key);
        }
        if (body.length == 0) {
            throw new RequestException(400, "empty body: expected the image bytes");
        }
        return body;
    }

    private static RequestException tooLarge(long length, int limit, String key) {
        return new RequestException(413, "the body" + (length >= 0 ? " of " + length + " bytes" : "") + " is over the"
                + " limit of " + limit + " bytes (" + key + ")");
    }

    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 << 10];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT && (n = in.read(sink)) > 0) {
            total += n;
        }
    }

    /** Refuses with 400 what is not one of {@code formats}, and images too large to decode. */
    private static void checkImage(byte[] body, List<String> formats) {
        String expected = String.join(" or ", formats).toUpperCase(Locale.ROOT);
        ImageHeader header = ImageHeader.read(body).orElseThrow(() -> new RequestException(400,
                "not a " + expected + " image (no readable " + expected + " header in " + body.length + " bytes)"));
        if (!formats.contains(header.format())) {
            throw new RequestException(400, "a " + header.format().toUpperCase(Locale.ROOT) + " image; expected "
                    + expected);
        }
        if (header.width() > MAX_SIDE || header.height() > MAX_SIDE || header.pixels() > MAX_PIXELS) {
            throw new RequestException(400, "the image is " + header.width() + "x" + header.height() + " pixels;"
                    + " at most " + MAX_SIDE + " a side and " + MAX_PIXELS + " pixels are decoded");
        }
    }

    private FrameAnalyzer.Analysis analyze(String session, byte[] body) {
        try {
            return analyzer.analyze(session, body);
        } catch (IllegalArgumentException e) {
            throw new RequestException(400, e.getMessage());
        }
    }

    private Map<String, Object> analysisJson(String session, FrameAnalyzer.Analysis a) {
        List<String> classes = analyzer.classes();
        List<Map<String, Object>> faces = new ArrayList<>();
        for (FrameAnalyzer.FaceResult f : a.faces()) {
            Map<String, Object> face = new LinkedHashMap<>();
            face.put("track", f.track());
            face.put("box", new double[] {round(f.face().x()), round(f.face().y()), round(f.face().width()),
                round(f.face().height())});
            face.put("score", round(f.face().score()));
            int best = argmax(f.probabilities());
            face.put("label", classes.get(best));
            face.put("confidence", round(f.probabilities()[best]));
            face.put("probabilities", byClass(classes, f.probabilities()));
            face.put("frame_probabilities", byClass(classes, f.frameProbabilities()));
            faces.add(face);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (session != null) {
            out.put("session", session);
        }
        out.put("frame", a.frame());
        out.put("width", a.width());
        out.put("height", a.height());
        out.put("classes", classes);
        out.put("faces", faces);
        Map<String, Object> ms = new LinkedHashMap<>();
        ms.put("decode", round(a.decodeMs()));
        ms.put("detect", round(a.detectMs()));
        ms.put("classify", round(a.classifyMs()));
        out.put("ms", ms);
        return out;
    }

    private static Map<String, Double> byClass(List<String> classes, float[] p) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            out.put(classes.get(c), round(p[c]));
        }
        return out;
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private void sendFile(HttpExchange ex, StaticFiles.File file) throws IOException {
        ex.getResponseHeaders().set("Content-Type", file.contentType());
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (file.contentType().startsWith("text/html")) {
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
        }
        send(ex, 200, file.bytes());
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, json.writeValueAsBytes(body));
    }

    private void sendError(HttpExchange ex, int status, String message, String allow) throws IOException {
        if (allow != null) {
            ex.getResponseHeaders().set("Allow", allow);
        }
        sendJson(ex, status, Map.of("error", message));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops answering (waiting up to a second for answers in flight) and ends the server's threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
