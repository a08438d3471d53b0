package org.deepfer.serve;

/** A request the server refuses: the HTTP status to answer with and a message for the client. */
final class RequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String allow;

    RequestException(int status, String message) {
        this(status, message, null);
    }

    /** @param allow the methods the path takes (the Allow header of a 405), or null */
    RequestException(int status, String message, String allow) {
        super(message);
        this.status = status;
        this.allow = allow;
    }

    int status() {
        return status;
    }

    String allow() {
        return allow;
    }
}
