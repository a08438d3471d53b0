package org.deepfer.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deepfer.detect.OpenCv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.videoio.VideoWriter;
import org.opencv.videoio.Videoio;

/**
 * Frame sources open on their own: {@code deepfer realtime} opens the source before the detector
 * and the model, so nothing else has loaded OpenCV's native library by then. Checked in a child
 * JVM, since in this one other tests have long loaded it.
 */
class FrameSourceTest {

    /** The child: opens a video and an image folder first thing and prints how many frames each has. */
    public static final class Child {
        public static void main(String[] args) {
            int video = count(FrameSource.video(Path.of(args[0])));
            int images = count(FrameSource.images(Path.of(args[1]), 10));
            System.out.println("video " + video + " images " + images);
        }

        private static int count(FrameSource source) {
            Mat frame = new Mat();
            int n = 0;
            while (source.read(frame)) {
                n++;
            }
            source.close();
            frame.release();
            return n;
        }
    }

    @Test
    void aVideoAndAnImageFolderOpenInAJvmThatHasNotLoadedOpenCv(@TempDir Path dir) throws Exception {
        OpenCv.load();
        Path video = dir.resolve("clip.avi");
        VideoWriter writer = new VideoWriter(video.toString(), Videoio.CAP_OPENCV_MJPEG,
                VideoWriter.fourcc('M', 'J', 'P', 'G'), 10, new Size(64, 48), true);
        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 3; i++) {
            Mat frame = new Mat(48, 64, CvType.CV_8UC3, Scalar.all(40 * i));
            writer.write(frame);
            if (i < 2) {
                Imgcodecs.imwrite(images.resolve("f" + i + ".png").toString(), frame);
            }
            frame.release();
        }
        writer.release();

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Child.class.getName(), video.toString(),
                images.toString()));
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not finish");
        String output = Files.readString(log);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("video 3 images 2"), output);
    }
}
