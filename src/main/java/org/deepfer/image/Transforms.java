package org.deepfer.image;

import java.util.SplittableRandom;

/**
 * Pixel transforms on {@link FaceImage}s (any channel count) for augmentation, robustness
 * perturbations and the real-time loop.
 *
 * <p>Every method returns a new image and leaves its input untouched. They are plain loops over the
 * byte arrays because they run millions of times on 48x48 faces, where Java2D's setup cost would
 * dominate. Transcendental functions go through {@link StrictMath} so that the same parameters give
 * the same bytes on every JVM (Java 17 arithmetic is strict already), which keeps augmented tables
 * reproducible.
 */
public final class Transforms {
    private static final int NORMAL_TABLE_BITS = 14;
    private static final int NORMAL_TABLE_SIZE = 1 << NORMAL_TABLE_BITS;
    private static final double[] NORMAL_QUANTILES = normalQuantiles();

    private Transforms() {}

    /** {@code image} mirrored left to right. */
    public static FaceImage flipHorizontal(FaceImage image) {
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                System.arraycopy(in, (row + w - 1 - x) * c, out, (row + x) * c, c);
            }
        }
        return FaceImage.of(w, h, c, out);
    }

    /**
     * The {@code width}x{@code height} rectangle of {@code image} whose top-left corner is (x, y).
     *
     * @throws IllegalArgumentException if the rectangle is empty or not inside the image
     */
    public static FaceImage crop(FaceImage image, int x, int y, int width, int height) {
        if (width <= 0 || height <= 0 || x < 0 || y < 0 || x + width > image.width() || y + height > image.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + " at (" + x + ", " + y
                    + ") is not inside a " + image.width() + "x" + image.height() + " image");
        }
        int c = image.channels();
        byte[] in = image.pixels();
        byte[] out = new byte[width * height * c];
        for (int row = 0; row < height; row++) {
            System.arraycopy(in, ((y + row) * image.width() + x) * c, out, row * width * c, width * c);
        }
        return FaceImage.of(width, height, c, out);
    }

    /**
     * {@code image} mirrored (if {@code flip}), scaled, rotated and shifted about its centre, in that
     * order, with bilinear sampling; pixels that come from outside the source repeat its nearest edge
     * pixel, so no black corners appear.
     *
     * @param rotationDegrees counter-clockwise as seen on screen
     * @param scale greater than 1 enlarges the content (zooms in)
     * @param shiftXPixels positive moves the content right
     * @param shiftYPixels positive moves the content down
     */
    public static FaceImage affine(
            FaceImage image,
            double rotationDegrees,
            double scale,
            double shiftXPixels,
            double shiftYPixels,
            boolean flip) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
        if (!Double.isFinite(rotationDegrees)
                || !Double.isFinite(shiftXPixels)
                || !Double.isFinite(shiftYPixels)) {
            throw new IllegalArgumentException("rotation and shift must be finite, got rotation "
                    + rotationDegrees + ", shift (" + shiftXPixels + ", " + shiftYPixels + ")");
        }
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        double radians = StrictMath.toRadians(rotationDegrees);
        double cos = StrictMath.cos(radians);
        double sin = StrictMath.sin(radians);
        double centreX = (w - 1) / 2.0;
        double centreY = (h - 1) / 2.0;
        // Each output pixel is mapped back into the source: undo the shift, the rotation, the
        // scale and the flip. Along an output row the source position moves by a constant step.
        double stepX = cos / scale * (flip ? -1 : 1);
        double stepY = sin / scale;
        int stride = w * c;
        for (int y = 0; y < h; y++) {
            double dy = y - centreY - shiftYPixels;
            double dx0 = -centreX - shiftXPixels;
            double srcX = (dx0 * cos - dy * sin) / scale;
            double srcY = (dx0 * sin + dy * cos) / scale;
            if (flip) {
                srcX = -srcX;
            }
            srcX += centreX;
            srcY += centreY;
            int o = y * stride;
            for (int x = 0; x < w; x++, o += c) {
                double fx = srcX + x * stepX;
                double fy = srcY + x * stepY;
                int x0;
                int y0;
                int topLeft;
                int topRight;
                int down; // offset from the upper row to the lower one; 0 where the edge repeats
                if (fx >= 0 && fy >= 0 && fx < w - 1 && fy < h - 1) {
                    // Interior, the common case: all four neighbours exist, truncation is floor.
                    x0 = (int) fx;
                    y0 = (int) fy;
                    topLeft = y0 * stride + x0 * c;
                    topRight = topLeft + c;
                    down = stride;
                } else {
                    // Positions beyond one pixel outside the image all read the edge, so clamping
                    // there changes nothing and keeps the int conversion exact for any parameters.
                    fx = Math.min(w, Math.max(-1, fx));
                    fy = Math.min(h, Math.max(-1, fy));
                    x0 = (int) Math.floor(fx);
                    y0 = (int) Math.floor(fy);
                    int upperRow = clamp(y0, h - 1) * stride;
                    topLeft = upperRow + clamp(x0, w - 1) * c;
                    topRight = upperRow + clamp(x0 + 1, w - 1) * c;
                    down = clamp(y0 + 1, h - 1) * stride - upperRow;
                }
                double wx = fx - x0;
                double wy = fy - y0;
                for (int k = 0; k < c; k++) {
                    int upperLeft = in[topLeft + k] & 0xFF;
                    int lowerLeft = in[topLeft + down + k] & 0xFF;
                    double upper = upperLeft + wx * ((in[topRight + k] & 0xFF) - upperLeft);
                    double lower = lowerLeft + wx * ((in[topRight + down + k] & 0xFF) - lowerLeft);
                    out[o + k] = (byte) (int) (upper + wy * (lower - upper) + 0.5);
                }
            }
        }
        return FaceImage.of(w, h, c, out);
    }

    /**
     * Brightness, contrast and gamma on values scaled to 0..1: {@code v' = ((v - 0.5) * contrast +
     * 0.5 + brightness)}, clipped to 0..1, then {@code v'^gamma}.
     *
     * <p>Contrast pivots on mid-grey (127.5) rather than the image mean so that the whole adjustment
     * is a fixed 256-entry lookup table, independent of content and cheap for any image size.
     *
     * @param brightness added as a fraction of the full range (0.1 = +25.5 grey levels)
     * @param contrast factor, at least 0 (1 = unchanged, 0 = flat mid-grey)
     * @param gamma exponent, positive (1 = unchanged, above 1 darkens mid-tones)
     */
    public static FaceImage adjust(FaceImage image, double brightness, double contrast, double gamma) {
        if (!Double.isFinite(brightness)) {
            throw new IllegalArgumentException("brightness must be finite, got " + brightness);
        }
        if (!(contrast >= 0) || Double.isInfinite(contrast)) {
            throw new IllegalArgumentException("contrast must be a finite factor >= 0, got " + contrast);
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be positive and finite, got " + gamma);
        }
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) {
            double level = (v / 255.0 - 0.5) * contrast + 0.5 + brightness;
            level = Math.min(1, Math.max(0, level));
            if (gamma != 1 && level > 0 && level < 1) {
                // exp(gamma ln v) equals pow to within a few ulps and costs half as much; this loop
                // runs for every augmented image.
                level = StrictMath.exp(gamma * StrictMath.log(level));
            }
            table[v] = (byte) (int) (level * 255 + 0.5);
        }
        return lookup(image, table);
    }

    /**
     * {@code image} plus independent Gaussian noise of standard deviation {@code std} (0..255 units)
     * on every sample, rounded and clipped to 0..255.
     *
     * <p>Deviates come from a table of 16,384 equally likely normal quantiles (scaled to unit
     * variance) rather than from a logarithm per pair: many times faster, and the only difference
     * is that the tails stop at about 4 standard deviations.
     */
    public static FaceImage gaussianNoise(FaceImage image, double std, SplittableRandom rnd) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("noise std must be finite and >= 0, got " + std);
        }
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        long bits = 0;
        for (int i = 0; i < in.length; i++) {
            // One 64-bit draw feeds four table indices: the top bits of each of its 16-bit quarters.
            if ((i & 3) == 0) {
                bits = rnd.nextLong();
            }
            int index = (int) (bits >>> (64 - NORMAL_TABLE_BITS));
            bits <<= 16;
            long value = Math.round((in[i] & 0xFF) + std * NORMAL_QUANTILES[index]);
            out[i] = (byte) Math.min(255, Math.max(0, value));
        }
        return FaceImage.of(image.width(), image.height(), image.channels(), out);
    }

    /** {@code image} smoothed by the 3x3 Gaussian kernel (1 2 1)^T (1 2 1) / 16, edges repeated. */
    public static FaceImage blur3x3(FaceImage image) {
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        byte[] in = image.pixels();
        // Separable: a horizontal pass into ints (sums up to 4 * 255), then a vertical pass.
        int rowLength = w * c;
        int[] horizontal = new int[in.length];
        for (int rowStart = 0; rowStart < in.length; rowStart += rowLength) {
            int rowEnd = rowStart + rowLength;
            // Within a row the left and right neighbours of a sample are c samples away, except in
            // the first and last pixel, where the edge pixel stands in for the missing one.
            for (int i = rowStart; i < rowEnd; i++) {
                int left = i - c >= rowStart ? i - c : i;
                int right = i + c < rowEnd ? i + c : i;
                horizontal[i] = (in[left] & 0xFF) + 2 * (in[i] & 0xFF) + (in[right] & 0xFF);
            }
        }
        byte[] out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            int above = Math.max(y - 1, 0) * rowLength;
            int centre = y * rowLength;
            int below = Math.min(y + 1, h - 1) * rowLength;
            for (int i = 0; i < rowLength; i++) {
                int sum = horizontal[above + i] + 2 * horizontal[centre + i] + horizontal[below + i];
                out[centre + i] = (byte) ((sum + 8) >> 4);
            }
        }
        return FaceImage.of(w, h, c, out);
    }

    /**
     * {@code image} with the square of side {@code side} whose top-left corner is (x, y) set to
     * {@code fill} in every channel; the part of the square outside the image is ignored.
     */
    public static FaceImage cutout(FaceImage image, int x, int y, int side, int fill) {
        if (side <= 0) {
            throw new IllegalArgumentException("cutout side must be positive, got " + side);
        }
        return fill(image, x, y, side, side, fill);
    }

    /**
     * {@code image} with the {@code width}x{@code height} rectangle whose top-left corner is (x, y)
     * set to {@code fill} in every channel; the part outside the image is ignored.
     */
    public static FaceImage fill(FaceImage image, int x, int y, int width, int height, int fill) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("a filled rectangle needs a positive size, got " + width + "x" + height);
        }
        if (fill < 0 || fill > 255) {
            throw new IllegalArgumentException("fill must be in 0..255, got " + fill);
        }
        int w = image.width();
        int c = image.channels();
        byte[] out = image.pixels().clone();
        int x0 = Math.max(x, 0);
        int x1 = (int) Math.min((long) x + width, w);
        int y0 = Math.max(y, 0);
        int y1 = (int) Math.min((long) y + height, image.height());
        for (int row = y0; row < y1; row++) {
            for (int i = (row * w + x0) * c, end = (row * w + x1) * c; i < end; i++) {
                out[i] = (byte) fill;
            }
        }
        return FaceImage.of(w, image.height(), c, out);
    }

    /**
     * {@code image} smoothed by a Gaussian of standard deviation {@code sigma} pixels, truncated at
     * 3 sigma and normalised, applied separably with edge pixels repeated; sigma 0 returns a copy.
     */
    public static FaceImage gaussianBlur(FaceImage image, double sigma) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("blur sigma must be finite and >= 0, got " + sigma);
        }
        int radius = (int) Math.ceil(3 * sigma);
        if (radius == 0) {
            return FaceImage.of(image.width(), image.height(), image.channels(), image.pixels().clone());
        }
        double[] kernel = new double[2 * radius + 1];
        double total = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = StrictMath.exp(-(k * k) / (2 * sigma * sigma));
            total += kernel[k + radius];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= total;
        }
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        byte[] in = image.pixels();
        double[] horizontal = new double[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++) {
                        int xx = Math.min(w - 1, Math.max(0, x + k));
                        sum += kernel[k + radius] * (in[(y * w + xx) * c + ch] & 0xFF);
                    }
                    horizontal[(y * w + x) * c + ch] = sum;
                }
            }
        }
        byte[] out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++) {
                        int yy = Math.min(h - 1, Math.max(0, y + k));
                        sum += kernel[k + radius] * horizontal[(yy * w + x) * c + ch];
                    }
                    out[(y * w + x) * c + ch] = (byte) Math.min(255, Math.max(0, Math.round(sum)));
                }
            }
        }
        return FaceImage.of(w, h, c, out);
    }

    private static FaceImage lookup(FaceImage image, byte[] table) {
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = table[in[i] & 0xFF];
        }
        return FaceImage.of(image.width(), image.height(), image.channels(), out);
    }

    /**
     * Standard normal quantiles at probabilities (i + 0.5) / size, from a trapezoid-rule CDF on a
     * fine grid; built once, with strict arithmetic only, so every JVM gets the same table.
     */
    private static double[] normalQuantiles() {
        double step = 1.0 / 512;
        int points = (int) (2 * 8 / step) + 1; // the grid spans -8..8
        double[] cdf = new double[points];
        double previousDensity = StrictMath.exp(-32) / Math.sqrt(2 * Math.PI);
        for (int j = 1; j < points; j++) {
            double x = -8 + j * step;
            double density = StrictMath.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            cdf[j] = cdf[j - 1] + (previousDensity + density) * step / 2;
            previousDensity = density;
        }
        double[] table = new double[NORMAL_TABLE_SIZE];
        int j = 1;
        double sumSquares = 0;
        for (int i = 0; i < NORMAL_TABLE_SIZE / 2; i++) {
            double p = (i + 0.5) / NORMAL_TABLE_SIZE * cdf[points - 1];
            while (cdf[j] < p) {
                j++;
            }
            double x = -8 + (j - 1 + (p - cdf[j - 1]) / (cdf[j] - cdf[j - 1])) * step;
            // Mirrored so that the table's mean is exactly zero.
            table[i] = x;
            table[NORMAL_TABLE_SIZE - 1 - i] = -x;
            sumSquares += 2 * x * x;
        }
        double unitVariance = 1 / Math.sqrt(sumSquares / NORMAL_TABLE_SIZE);
        for (int i = 0; i < NORMAL_TABLE_SIZE; i++) {
            table[i] *= unitVariance;
        }
        return table;
    }

    private static int clamp(int index, int max) {
        return index < 0 ? 0 : Math.min(index, max);
    }
}
