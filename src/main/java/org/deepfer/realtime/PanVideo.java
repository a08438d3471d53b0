package org.deepfer.realtime;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deepfer.detect.OpenCv;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.opencv.videoio.VideoWriter;
import org.opencv.videoio.Videoio;

/**
 * Makes a benchmark video from a still photo: a {@code width x height} window panning smoothly over
 * the photo (scaled to 1.25 times the window), written as Motion-JPEG AVI at 25 fps. With a portrait
 * photo this is the one-face 640x480 clip the real-time targets are stated for.
 *
 * <p>Usage: {@code PanVideo <photo> <out.avi> [frames=300] [width=640] [height=480]}
 */
public final class PanVideo {
    private PanVideo() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PanVideo <photo> <out.avi> [frames=300] [width=640] [height=480]");
            System.exit(2);
        }
        OpenCv.load();
        Mat photo = Imgcodecs.imread(args[0], Imgcodecs.IMREAD_COLOR);
        if (photo.empty()) {
            throw new IllegalArgumentException("OpenCV cannot read the photo " + args[0]);
        }
        int frames = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        int w = args.length > 3 ? Integer.parseInt(args[3]) : 640;
        int h = args.length > 4 ? Integer.parseInt(args[4]) : 480;
        double scale = 1.25 * Math.max((double) w / photo.cols(), (double) h / photo.rows());
        Mat big = new Mat();
        Imgproc.resize(photo, big, new Size(Math.ceil(photo.cols() * scale), Math.ceil(photo.rows() * scale)), 0, 0,
                Imgproc.INTER_CUBIC);
        Path out = Path.of(args[1]);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        VideoWriter writer = new VideoWriter(out.toString(), Videoio.CAP_OPENCV_MJPEG,
                VideoWriter.fourcc('M', 'J', 'P', 'G'), 25, new Size(w, h), true);
        if (!writer.isOpened()) {
            throw new IllegalStateException("OpenCV cannot write " + out);
        }
        int slackX = big.cols() - w;
        int slackY = big.rows() - h;
        for (int i = 0; i < frames; i++) {
            double t = 2 * Math.PI * i / frames;
            int x = (int) Math.round(slackX * (0.5 + 0.5 * Math.sin(t)));
            int y = (int) Math.round(slackY * (0.5 + 0.5 * Math.sin(2 * t)));
            writer.write(big.submat(new Rect(x, y, w, h)));
        }
        writer.release();
        System.out.printf("%s: %d frames of %dx%d panning over %s%n", out, frames, w, h, args[0]);
    }
}
