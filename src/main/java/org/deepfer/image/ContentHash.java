package org.deepfer.image;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The stable image id: a hash of the decoded pixels, so the same picture has the same id everywhere. */
public final class ContentHash {
    private static final int ID_BYTES = 16;

    private ContentHash() {}

    /**
     * SHA-256 of (width, height, channels, pixels), truncated to 128 bits, as 32 hex characters.
     * Encoding differences (PNG vs JPEG of identical pixels, file names) do not change it.
     */
    public static String of(FaceImage image) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
        sha.update(ByteBuffer.allocate(12).putInt(image.width()).putInt(image.height()).putInt(image.channels()).array());
        sha.update(image.pixels());
        byte[] digest = sha.digest();
        return HexFormat.of().formatHex(digest, 0, ID_BYTES);
    }
}
