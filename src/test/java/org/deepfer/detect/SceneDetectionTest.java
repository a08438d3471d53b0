package org.deepfer.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * The real detectors on a generated scene: a face cut from a real photo pasted twice, at known
 * places and sizes, onto a plain background. Needs the shared model files and photos beside the
 * project (../shared), so it skips itself where they are absent.
 */
class SceneDetectionTest {
    private static final Path MODELS = Path.of("..", "shared", "models", "face");
    private static final Path LENA = Path.of("..", "shared", "media", "photos", "lena.jpg");

    @BeforeAll
    static void loadOpenCv() {
        OpenCv.load();
    }

    @Test
    void yunetAndSsdFindBothPastedFacesWithTheirBoxes() {
        assumeTrue(Files.isDirectory(MODELS) && Files.isRegularFile(LENA), "../shared models and photos absent");
        Mat photo = Imgcodecs.imread(LENA.toString(), Imgcodecs.IMREAD_COLOR);
        DeepFerConfig.Detect conf = ConfigLoader.load(Optional.empty(), List.of(
                "detect.yunetModel=" + MODELS.resolve("face_detection_yunet_2023mar.onnx"),
                "detect.ssdModel=" + MODELS.resolve("opencv_face_detector_uint8.pb"),
                "detect.ssdConfig=" + MODELS.resolve("opencv_face_detector.pbtxt"))).detect();
        // Where the face is in the photo, as YuNet sees it there.
        Face inPhoto;
        try (FaceDetector yunet = FaceDetectors.create("yunet", conf)) {
            List<Face> found = yunet.detect(photo);
            assertEquals(1, found.size(), "one face in lena.jpg");
            inPhoto = found.get(0);
        }
        // A head-and-shoulders patch around it, pasted at two sizes onto a 640x480 grey scene.
        int side = (int) (Math.max(inPhoto.width(), inPhoto.height()) * 2);
        int px = (int) Math.max(0, inPhoto.centerX() - side / 2.0);
        int py = (int) Math.max(0, inPhoto.centerY() - side / 2.0);
        side = Math.min(side, Math.min(photo.cols() - px, photo.rows() - py));
        Mat patch = photo.submat(new Rect(px, py, side, side));
        Mat scene = new Mat(480, 640, CvType.CV_8UC3, new Scalar(90, 110, 120));
        int[][] placements = {{40, 60, 200}, {360, 200, 140}};
        Face[] truth = new Face[placements.length];
        for (int i = 0; i < placements.length; i++) {
            int x = placements[i][0];
            int y = placements[i][1];
            int s = placements[i][2];
            Mat resized = new Mat();
            Imgproc.resize(patch, resized, new Size(s, s));
            resized.copyTo(scene.submat(new Rect(x, y, s, s)));
            double k = (double) s / side;
            truth[i] = Face.box(x + (inPhoto.x() - px) * k, y + (inPhoto.y() - py) * k, inPhoto.width() * k,
                    inPhoto.height() * k, 1);
        }
        for (String name : List.of("yunet", "ssd")) {
            try (FaceDetector detector = FaceDetectors.create(name, conf)) {
                List<Face> found = detector.detect(scene);
                assertEquals(2, found.size(), name + " finds both faces: " + found);
                for (Face t : truth) {
                    assertTrue(found.stream().anyMatch(f -> f.iou(t) > 0.5), name + " has a box on " + t + ": " + found);
                }
            }
        }
    }
}
