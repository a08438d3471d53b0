package org.deepfer.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The page's files, read once from the packaged {@code web/} folder on the classpath. Only the files
 * named in {@link #FILES} exist for the server: a request path is looked up by name in this map and
 * never resolved against a file system, so no path (../, %2e%2e, absolute, encoded) can reach
 * anything else.
 */
final class StaticFiles {
    /** A servable file: its bytes and content type. */
    record File(byte[] bytes, String contentType) {}

    /** Every file of the page; add a name here when adding a file to src/main/resources/web/. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    private static final String FOLDER = "/web/";

    private final Map<String, File> files = new LinkedHashMap<>();

    /** Reads every file of {@link #FILES}; a missing one is a broken build. */
    StaticFiles() {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            try (InputStream in = StaticFiles.class.getResourceAsStream(FOLDER + f.getKey())) {
                if (in == null) {
                    throw new IllegalStateException(FOLDER + f.getKey()
                            + " is missing from the classpath (broken build?)");
                }
                files.put("/" + f.getKey(), new File(in.readAllBytes(), f.getValue()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + FOLDER + f.getKey(), e);
            }
        }
        files.put("/", files.get("/index.html"));
    }

    /** The file for a raw request path ("/" is the page), or empty. */
    Optional<File> get(String rawPath) {
        return Optional.ofNullable(files.get(rawPath));
    }
}
