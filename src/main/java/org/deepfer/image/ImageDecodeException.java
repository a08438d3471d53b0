package org.deepfer.image;

/** Raised when bytes cannot become an image; the reason lands in the quarantine table. */
public final class ImageDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why decoding failed, as recorded in quarantine. */
    public enum Reason {
        ZERO_BYTE("zero_byte"),
        NOT_AN_IMAGE("not_an_image"),
        CORRUPT("corrupt");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The stable name written to tables. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ImageDecodeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
