package org.deepfer.realtime;

import java.util.List;
import org.deepfer.detect.Face;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.OpenCv;
import org.deepfer.image.FaceImage;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.imgproc.Imgproc;

/**
 * A detector and a classifier whose outputs a test can predict from what it drew, for the tests of
 * the real-time loop and of the demo server.
 */
public final class StandIns {
    static {
        OpenCv.load();
    }

    private StandIns() {}

    /** Finds the bounding box of pixels brighter than 200 (one face at most). */
    public static final class BrightSquareDetector implements FaceDetector {
        /** How many frames it was asked about. */
        public int calls;

        @Override
        public List<Face> detect(Mat frame) {
            calls++;
            Mat gray = new Mat();
            Imgproc.cvtColor(frame, gray, Imgproc.COLOR_BGR2GRAY);
            Mat mask = new Mat();
            Imgproc.threshold(gray, mask, 200, 255, Imgproc.THRESH_BINARY);
            Rect r = Imgproc.boundingRect(mask);
            gray.release();
            mask.release();
            return r.width == 0 ? List.of() : List.of(Face.box(r.x, r.y, r.width, r.height, 0.99));
        }

        @Override
        public String name() {
            return "bright-square";
        }

        @Override
        public boolean findsLandmarks() {
            return false;
        }

        @Override
        public void close() {}
    }

    /** "happy" in proportion to the crop's mean brightness, the rest "sad". */
    public static final class BrightnessClassifier implements FaceClassifier {
        @Override
        public float[][] probabilities(List<FaceImage> crops) {
            float[][] out = new float[crops.size()][];
            for (int i = 0; i < crops.size(); i++) {
                float mean = (float) (crops.get(i).meanAndStd()[0] / 255.0);
                out[i] = new float[] {mean, 1 - mean};
            }
            return out;
        }

        @Override
        public List<String> classes() {
            return List.of("happy", "sad");
        }

        @Override
        public int cropSize() {
            return 48;
        }

        @Override
        public String engine() {
            return "test";
        }

        @Override
        public void close() {}
    }
}
