package org.deepfer.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the result files people and later stages read (JSON, CSV, images) under results/. */
public final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {}

    /**
     * {@code value} as indented JSON in {@code file}; the file is recorded as an output of {@code run}
     * (null inside Spark tasks, which have no run of their own).
     */
    public static Path writeJson(RunContext run, Path file, Object value) {
        return write(run, file, out -> JSON.writeValue(out.toFile(), value));
    }

    public static Path writeText(RunContext run, Path file, String text) {
        return write(run, file, out -> Files.writeString(out, text, StandardCharsets.UTF_8));
    }

    public static Path writeBytes(RunContext run, Path file, byte[] bytes) {
        return write(run, file, out -> Files.write(out, bytes));
    }

    /** Reads JSON written by {@link #writeJson} (or by hand) into {@code type}. */
    public static <T> T readJson(Path file, Class<T> type) {
        try {
            return JSON.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private interface Writer {
        void write(Path file) throws IOException;
    }

    /** Writes to a temporary sibling then renames, so a reader never sees half a file. */
    private static Path write(RunContext run, Path file, Writer writer) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
            try {
                writer.write(tmp);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        if (run != null) {
            run.output(file);
        }
        return file;
    }
}
