package org.deepfer.realtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.deepfer.detect.OpenCv;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.videoio.VideoCapture;
import org.opencv.videoio.Videoio;

/** Where frames come from: a video file, a camera or a folder of images. */
public interface FrameSource extends AutoCloseable {

    /** Reads the next frame (8-bit BGR) into {@code frame}; false at the end. */
    boolean read(Mat frame);

    /** Frames per second of the source (for the output video), or a default when unknown. */
    double fps();

    /** What is being read, for messages. */
    String describe();

    /** The file name of the frame last read, when frames are files (an image folder); null otherwise. */
    default String frameName() {
        return null;
    }

    @Override
    void close();

    /**
     * A video file. This OpenCV build has no FFmpeg: it reads Motion-JPEG in AVI (its own
     * decoder), so other formats fail here with a message saying so.
     */
    static FrameSource video(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such video file: " + file);
        }
        OpenCv.load(); // a source may be opened before anything else has loaded it
        VideoCapture capture = new VideoCapture(file.toString(), Videoio.CAP_OPENCV_MJPEG);
        if (!capture.isOpened()) {
            capture.release();
            capture = new VideoCapture(file.toString());
        }
        if (!capture.isOpened()) {
            capture.release();
            throw new IllegalArgumentException("OpenCV cannot open the video " + file + ": this build reads"
                    + " Motion-JPEG .avi only (no FFmpeg); convert it, e.g. ffmpeg -i in.mp4 -c:v mjpeg -q:v 3 out.avi");
        }
        return capture(capture, file.toString());
    }

    /** Camera {@code index} (0 = the first). */
    static FrameSource camera(int index) {
        OpenCv.load();
        VideoCapture capture = new VideoCapture(index);
        if (!capture.isOpened()) {
            capture.release();
            throw new IllegalArgumentException("camera " + index + " cannot be opened (none attached, or in use)");
        }
        return capture(capture, "camera " + index);
    }

    private static FrameSource capture(VideoCapture capture, String name) {
        return new FrameSource() {
            @Override
            public boolean read(Mat frame) {
                return capture.read(frame) && !frame.empty();
            }

            @Override
            public double fps() {
                double fps = capture.get(Videoio.CAP_PROP_FPS);
                return fps > 0 && fps < 1000 ? fps : 25;
            }

            @Override
            public String describe() {
                return name;
            }

            @Override
            public void close() {
                capture.release();
            }
        };
    }

    private static boolean isImageName(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|bmp)$");
    }

    /**
     * Every .jpg/.jpeg/.png/.bmp image of a folder, in name order, as frames (or the one image a file
     * path names); unreadable ones are named.
     */
    static FrameSource images(Path folder, double fps) {
        List<Path> files;
        if (Files.isRegularFile(folder)) {
            if (!isImageName(folder)) {
                throw new IllegalArgumentException(folder + " is not a .jpg, .png or .bmp image");
            }
            files = List.of(folder);
        } else {
            try (Stream<Path> list = Files.list(folder)) {
                files = list.filter(FrameSource::isImageName).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list images in " + folder, e);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .jpg, .png or .bmp images in " + folder);
        }
        OpenCv.load();
        return new FrameSource() {
            private int next;
            private String name;

            @Override
            public boolean read(Mat frame) {
                while (next < files.size()) {
                    Path file = files.get(next++);
                    Mat image = Imgcodecs.imread(file.toString(), Imgcodecs.IMREAD_COLOR);
                    if (!image.empty()) {
                        image.copyTo(frame);
                        image.release();
                        name = file.getFileName().toString();
                        return true;
                    }
                    System.err.println("skipped " + file + ": not an image OpenCV can read");
                }
                name = null;
                return false;
            }

            @Override
            public String frameName() {
                return name;
            }

            @Override
            public double fps() {
                return fps;
            }

            @Override
            public String describe() {
                return folder + " (" + files.size() + " images)";
            }

            @Override
            public void close() {}
        };
    }
}
