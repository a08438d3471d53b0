package org.deepfer.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

class FaceCropperTest {

    @BeforeAll
    static void loadOpenCv() {
        OpenCv.load();
    }

    @Test
    void cropsTheBoxAndShrinksItToTheModelInput() {
        // A white 100x100 square on black; cropped with no margin it fills the 48x48 crop.
        Mat frame = Mat.zeros(300, 400, CvType.CV_8UC3);
        Imgproc.rectangle(frame, new Rect(150, 80, 100, 100), new Scalar(255, 255, 255), -1);
        FaceImage crop = new FaceCropper(48, 0, false).crop(frame, Face.box(150, 80, 100, 100, 1));
        assertEquals(48, crop.width());
        assertEquals(48, crop.height());
        assertEquals(1, crop.channels());
        assertTrue(crop.at(2, 2) > 240 && crop.at(24, 24) > 240 && crop.at(45, 45) > 240, "inside is white");

        // With a 25% margin the square takes the middle two thirds: corners are black, the centre white.
        FaceImage wide = new FaceCropper(48, 0.25, false).crop(frame, Face.box(150, 80, 100, 100, 1));
        assertTrue(wide.at(1, 1) < 10 && wide.at(46, 46) < 10, "margin is black");
        assertTrue(wide.at(24, 24) > 240);
    }

    @Test
    void alignmentLevelsTiltedEyes() {
        // Two bright "eyes" on a line tilted by 30 degrees, around the centre of a 120x120 box.
        Mat frame = Mat.zeros(240, 240, CvType.CV_8UC1);
        double angle = Math.toRadians(30);
        double cx = 120;
        double cy = 110;
        double half = 30;
        Point right = new Point(cx - half * Math.cos(angle), cy - half * Math.sin(angle));
        Point left = new Point(cx + half * Math.cos(angle), cy + half * Math.sin(angle));
        Imgproc.circle(frame, right, 6, new Scalar(255), -1);
        Imgproc.circle(frame, left, 6, new Scalar(255), -1);
        float[] landmarks = {(float) right.x, (float) right.y, (float) left.x, (float) left.y, 120, 130, 105, 150,
            135, 150};
        Face face = new Face(60, 50, 120, 120, 1, landmarks);

        int[] levelled = eyeRows(new FaceCropper(48, 0, true).crop(frame, face));
        assertEquals(levelled[0], levelled[1], 1.0, "aligned eyes sit on the same row");
        int[] tilted = eyeRows(new FaceCropper(48, 0, false).crop(frame, face));
        assertTrue(Math.abs(tilted[0] - tilted[1]) >= 8, "without alignment the tilt stays: " + tilted[0] + " vs "
                + tilted[1]);
    }

    /** The brightness-weighted mean row of the left and of the right half of the crop. */
    private static int[] eyeRows(FaceImage crop) {
        double[] sum = new double[2];
        double[] weight = new double[2];
        for (int y = 0; y < crop.height(); y++) {
            for (int x = 0; x < crop.width(); x++) {
                int half = x < crop.width() / 2 ? 0 : 1;
                sum[half] += (double) y * crop.at(x, y);
                weight[half] += crop.at(x, y);
            }
        }
        return new int[] {(int) Math.round(sum[0] / weight[0]), (int) Math.round(sum[1] / weight[1])};
    }

    @Test
    void aModelFileMissingHereIsFoundUnderTheProjectAndEveryPlaceTriedIsNamed(@TempDir Path project)
            throws Exception {
        Path rel = Path.of("models", "face.onnx");
        Files.createDirectories(project.resolve("models"));
        Files.write(project.resolve(rel), new byte[] {1});
        Path here = rel.toAbsolutePath();
        assertEquals(project.resolve(rel), FaceDetectors.firstExisting("detect.yunetModel",
                java.util.List.of(here, project.resolve(rel))));
        ConfigException e = assertThrows(ConfigException.class, () -> FaceDetectors.firstExisting("detect.ssdModel",
                java.util.List.of(here, project.resolve("x.pb"))));
        assertEquals("detect.ssdModel: no such file " + here + " or " + project.resolve("x.pb")
                + " (model files are read from local paths, never downloaded)", e.getMessage());
    }

    @Test
    void missingModelFilesAndUnknownDetectorsAreClearErrors() {
        DeepFerConfig.Detect conf = ConfigLoader.load(java.util.Optional.empty(),
                java.util.List.of("detect.yunetModel=/nonexistent/yunet.onnx")).detect();
        ConfigException missing = assertThrows(ConfigException.class, () -> FaceDetectors.create("yunet", conf));
        assertTrue(missing.getMessage().startsWith("detect.yunetModel: no such file /nonexistent/yunet.onnx"),
                missing.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> FaceDetectors.create("mtcnn", conf));
        assertTrue(unknown.getMessage().contains("expected yunet, ssd or haar"));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(java.util.Optional.empty(),
                java.util.List.of("detect.detector=retina")));
    }

    @Test
    void aFileThatIsNoCascadeIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path notXml = java.nio.file.Files.writeString(dir.resolve("cascade.xml"), "not a cascade");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HaarDetector(notXml, 0.3, 20));
        assertTrue(e.getMessage().startsWith("not a Haar cascade OpenCV can read: " + notXml), e.getMessage());
        Path notOnnx = java.nio.file.Files.writeString(dir.resolve("yunet.onnx"), "not a network");
        IllegalArgumentException y = assertThrows(IllegalArgumentException.class,
                () -> new YuNetDetector(notOnnx, 0.6, 0.3, 20));
        assertTrue(y.getMessage().startsWith("not a YuNet model OpenCV can load: " + notOnnx), y.getMessage());
    }
}
