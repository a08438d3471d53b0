package org.deepfer.ingest;

/** Input that ingest cannot start on: a missing path, a CSV with the wrong columns. */
public final class IngestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public IngestException(String message) {
        super(message);
    }
}
