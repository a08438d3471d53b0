package org.deepfer.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

class ScaledDetectorTest {

    @BeforeAll
    static void loadOpenCv() {
        OpenCv.load();
    }

    /** Reports one face at a fixed place of whatever image it sees, and the width it saw. */
    static final class FixedDetector implements FaceDetector {
        int seenWidth;

        @Override
        public List<Face> detect(Mat frame) {
            seenWidth = frame.cols();
            return List.of(new Face(10, 20, 30, 40, 0.9, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        }

        @Override
        public String name() {
            return "fixed";
        }

        @Override
        public boolean findsLandmarks() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void boxesAndLandmarksFromTheShrunkFrameAreMappedBack() {
        FixedDetector inner = new FixedDetector();
        try (ScaledDetector scaled = new ScaledDetector(inner, 320)) {
            Face f = scaled.detect(Mat.zeros(480, 640, CvType.CV_8UC3)).get(0);
            assertEquals(320, inner.seenWidth);
            assertEquals(20, f.x(), 1e-9);
            assertEquals(40, f.y(), 1e-9);
            assertEquals(60, f.width(), 1e-9);
            assertEquals(80, f.height(), 1e-9);
            assertEquals(2f, f.landmarks()[0], 1e-6f);
            assertEquals(20f, f.landmarks()[9], 1e-6f);
            assertEquals("fixed@320px", scaled.name());

            // A frame already narrow enough goes through untouched.
            Face same = scaled.detect(Mat.zeros(240, 300, CvType.CV_8UC3)).get(0);
            assertEquals(300, inner.seenWidth);
            assertEquals(10, same.x(), 1e-9);
        }
    }
}
