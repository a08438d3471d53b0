package org.deepfer.serve;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepfer.detect.OpenCv;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * Writes a YUV4MPEG2 (.y4m) video, the raw format Chromium's fake camera plays from a file
 * ({@code --use-file-for-fake-video-capture}): one header line ("YUV4MPEG2 W.. H.. F..:1 Ip A1:1
 * C420jpeg"), then per frame a "FRAME" line and the I420 planes (Y, then U and V at half size).
 */
final class Y4mWriter implements AutoCloseable {
    static {
        OpenCv.load();
    }

    private final OutputStream out;
    private final int width;
    private final int height;
    private final Mat yuv = new Mat();
    private final byte[] planes;

    /** @param width even, as are {@code height}: I420 halves both for the colour planes */
    Y4mWriter(Path file, int width, int height, int fps) throws IOException {
        if (width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("I420 needs an even width and height, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.planes = new byte[width * height * 3 / 2];
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
        out.write(("YUV4MPEG2 W" + width + " H" + height + " F" + fps + ":1 Ip A1:1 C420jpeg\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** Appends one frame: 8-bit BGR of exactly the video's size. */
    void write(Mat bgr) throws IOException {
        if (bgr.cols() != width || bgr.rows() != height || bgr.channels() != 3) {
            throw new IllegalArgumentException("expected a " + width + "x" + height + " BGR frame, got " + bgr);
        }
        Imgproc.cvtColor(bgr, yuv, Imgproc.COLOR_BGR2YUV_I420); // one channel, height * 3/2 rows
        yuv.get(0, 0, planes);
        out.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
        out.write(planes);
    }

    @Override
    public void close() throws IOException {
        yuv.release();
        out.close();
    }
}
