package org.deepfer.image;

/** Resizing for {@link FaceImage}: area averaging when shrinking, bilinear when enlarging. */
public final class Resize {
    private Resize() {}

    /** {@code image} resized to {@code width}x{@code height}; the same instance if already that size. */
    public static FaceImage to(FaceImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        boolean shrink = image.width() >= 2 * width || image.height() >= 2 * height;
        return shrink ? area(image, width, height) : bilinear(image, width, height);
    }

    /** The side that {@code side} pixels become when shrunk by {@code factor}, rounded, at least 1. */
    public static int shrunk(int side, double factor) {
        return Math.max(1, (int) Math.round(side / factor));
    }

    /**
     * {@code image} shrunk by {@code factor} and resized back to its size: the detail a face {@code
     * factor} times farther from the camera keeps. The same instance when the factor shrinks no side.
     */
    public static FaceImage downAndBack(FaceImage image, double factor) {
        int w = image.width();
        int h = image.height();
        return to(to(image, shrunk(w, factor), shrunk(h, factor)), w, h);
    }

    private static FaceImage bilinear(FaceImage src, int width, int height) {
        int c = src.channels();
        byte[] in = src.pixels();
        byte[] out = new byte[width * height * c];
        double sx = (double) src.width() / width;
        double sy = (double) src.height() / height;
        for (int y = 0; y < height; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, src.height() - 1);
            int y1 = Math.min(y0 + 1, src.height() - 1);
            double wy = fy - y0;
            for (int x = 0; x < width; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, src.width() - 1);
                int x1 = Math.min(x0 + 1, src.width() - 1);
                double wx = fx - x0;
                for (int k = 0; k < c; k++) {
                    double top = (1 - wx) * (in[(y0 * src.width() + x0) * c + k] & 0xFF)
                            + wx * (in[(y0 * src.width() + x1) * c + k] & 0xFF);
                    double bottom = (1 - wx) * (in[(y1 * src.width() + x0) * c + k] & 0xFF)
                            + wx * (in[(y1 * src.width() + x1) * c + k] & 0xFF);
                    out[(y * width + x) * c + k] = (byte) Math.round((1 - wy) * top + wy * bottom);
                }
            }
        }
        return FaceImage.of(width, height, c, out);
    }

    /** Box-filter downsampling: each output pixel averages the source area it covers. */
    private static FaceImage area(FaceImage src, int width, int height) {
        int c = src.channels();
        byte[] in = src.pixels();
        byte[] out = new byte[width * height * c];
        for (int y = 0; y < height; y++) {
            int ya = y * src.height() / height;
            int yb = Math.max(ya + 1, (y + 1) * src.height() / height);
            for (int x = 0; x < width; x++) {
                int xa = x * src.width() / width;
                int xb = Math.max(xa + 1, (x + 1) * src.width() / width);
                for (int k = 0; k < c; k++) {
                    long sum = 0;
                    for (int yy = ya; yy < yb; yy++) {
                        for (int xx = xa; xx < xb; xx++) {
                            sum += in[(yy * src.width() + xx) * c + k] & 0xFF;
                        }
                    }
                    int n = (yb - ya) * (xb - xa);
                    out[(y * width + x) * c + k] = (byte) ((sum + n / 2) / n);
                }
            }
        }
        return FaceImage.of(width, height, c, out);
    }
}
