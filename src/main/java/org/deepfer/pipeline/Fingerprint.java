package org.deepfer.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.deepfer.ingest.FileListing;

/**
 * What a stage's result depends on, reduced to one SHA-256: named parts (config sections, the
 * outputs of upstream stages, a listing of the input files), in the order they were added.
 */
public final class Fingerprint {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Map<String, String> parts = new LinkedHashMap<>();

    /** Adds {@code value} (a config record, a map, a string ...) as JSON under {@code name}. */
    public Fingerprint with(String name, Object value) {
        try {
            parts.put(name, JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot fingerprint " + name + ": " + e.getMessage(), e);
        }
        return this;
    }

    /** The hex SHA-256 of every part. */
    public String digest() {
        return sha256(String.join("\n", parts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }

    /**
     * A digest of the files under {@code root} (any Hadoop file system): each one's path below
     * {@code root}, size and modification time. New, removed, replaced or touched files change it;
     * reading them does not.
     */
    public static String listing(String root, Configuration conf) {
        List<FileStatus> statuses = FileListing.statuses(root, conf);
        String prefix;
        try {
            org.apache.hadoop.fs.Path top = new org.apache.hadoop.fs.Path(root);
            prefix = top.getFileSystem(conf).makeQualified(top).toUri().getPath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>(statuses.size());
        for (FileStatus s : statuses) {
            String path = s.getPath().toUri().getPath();
            if (!prefix.isEmpty() && path.startsWith(prefix)) {
                path = path.substring(prefix.length());
            }
            lines.add(path + "\t" + s.getLen() + "\t" + s.getModificationTime());
        }
        lines.sort(null);
        return sha256(lines.size() + "\n" + String.join("\n", lines));
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
