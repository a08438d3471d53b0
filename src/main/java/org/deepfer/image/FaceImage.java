package org.deepfer.image;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An image as every stage sees it: width, height, channels and interleaved 8-bit pixels, row-major.
 *
 * <p>Instances are immutable by convention: the pixel array handed to {@link #of} is owned by the
 * image afterwards, and {@link #pixels()} returns that array without copying (images are small and
 * copied millions of times otherwise). Callers must not modify it.
 */
public final class FaceImage implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;
    private final int channels;
    private final byte[] pixels;

    private FaceImage(int width, int height, int channels, byte[] pixels) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException(
                    "expected " + width * height * channels + " bytes for " + width + "x" + height + "x"
                            + channels + ", got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.pixels = pixels;
    }

    /** Wraps {@code pixels} (interleaved, row-major); the array becomes the image's. */
    public static FaceImage of(int width, int height, int channels, byte[] pixels) {
        return new FaceImage(width, height, channels, pixels);
    }

    /** A grayscale image over {@code pixels}; the array becomes the image's. */
    public static FaceImage gray(int width, int height, byte[] pixels) {
        return new FaceImage(width, height, 1, pixels);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** The backing array; do not modify. */
    public byte[] pixels() {
        return pixels;
    }

    /** Gray value (0..255) at (x, y); for colour images the first channel. */
    public int at(int x, int y) {
        return pixels[(y * width + x) * channels] & 0xFF;
    }

    /** This image in one channel (ITU-R BT.601 luma for colour images). */
    public FaceImage toGray() {
        if (channels == 1) {
            return this;
        }
        byte[] out = new byte[width * height];
        for (int i = 0, p = 0; i < out.length; i++, p += 3) {
            int r = pixels[p] & 0xFF;
            int g = pixels[p + 1] & 0xFF;
            int b = pixels[p + 2] & 0xFF;
            out[i] = (byte) ((299 * r + 587 * g + 114 * b + 500) / 1000);
        }
        return gray(width, height, out);
    }

    /** Mean and population standard deviation of the gray values, in 0..255 units. */
    public double[] meanAndStd() {
        FaceImage g = toGray();
        double sum = 0;
        double sumSq = 0;
        for (byte b : g.pixels) {
            int v = b & 0xFF;
            sum += v;
            sumSq += (double) v * v;
        }
        int n = g.pixels.length;
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(Math.max(0, sumSq / n - mean * mean))};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaceImage other
                && width == other.width
                && height == other.height
                && channels == other.channels
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "FaceImage[" + width + "x" + height + "x" + channels + "]";
    }
}
