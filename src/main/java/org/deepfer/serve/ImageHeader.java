package org.deepfer.serve;

import java.util.Optional;

/**
 * The format and pixel size of an encoded JPEG or PNG, read from its header without decoding it, so
 * a small file that would decode to a huge image can be refused before any memory is spent on it.
 *
 * @param format "jpeg" or "png"
 * @param width pixels
 * @param height pixels
 */
record ImageHeader(String format, int width, int height) {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** The header of {@code bytes}, or empty when they are neither a JPEG nor a PNG with a readable size. */
    static Optional<ImageHeader> read(byte[] bytes) {
        if (isJpeg(bytes)) {
            return jpeg(bytes);
        }
        return png(bytes);
    }

    /** Whether the bytes start like a JPEG (SOI marker followed by another marker). */
    static boolean isJpeg(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8
                && (bytes[2] & 0xff) == 0xff;
    }

    long pixels() {
        return (long) width * height;
    }

    /** Walks the marker segments up to the first start-of-frame, which holds the size. */
    private static Optional<ImageHeader> jpeg(byte[] b) {
        int i = 2;
        while (i + 3 < b.length) {
            if ((b[i] & 0xff) != 0xff) {
                return Optional.empty();
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xff) {
                i++; // fill byte
                continue;
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
                i += 2; // markers without a length
                continue;
            }
            if (marker == 0xd9 || marker == 0xda) {
                return Optional.empty(); // end of image or scan data before any frame header
            }
            int length = u16(b, i + 2);
            boolean startOfFrame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8
                    && marker != 0xcc;
            if (startOfFrame) {
                if (i + 8 >= b.length) {
                    return Optional.empty();
                }
                int height = u16(b, i + 5);
                int width = u16(b, i + 7);
                return width > 0 && height > 0 ? Optional.of(new ImageHeader("jpeg", width, height)) : Optional.empty();
            }
            if (length < 2) {
                return Optional.empty();
            }
            i += 2 + length;
        }
        return Optional.empty();
    }

    private static Optional<ImageHeader> png(byte[] b) {
        if (b.length < 24) {
            return Optional.empty();
        }
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (b[i] != PNG_SIGNATURE[i]) {
                return Optional.empty();
            }
        }
        if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            return Optional.empty();
        }
        long width = u32(b, 16);
        long height = u32(b, 20);
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(new ImageHeader("png", (int) width, (int) height));
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static long u32(byte[] b, int at) {
        return (long) (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
