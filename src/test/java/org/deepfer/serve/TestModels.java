package org.deepfer.serve;

import java.util.List;
import org.deepfer.detect.Face;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.OpenCv;
import org.deepfer.image.FaceImage;
import org.deepfer.realtime.FaceClassifier;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/** Stand-ins for the detector and the model whose outputs a test can predict from what it drew. */
final class TestModels {
    static {
        OpenCv.load();
    }

    private TestModels() {}

    /** Finds the bounding box of pixels brighter than 200 (one face at most). */
    static final class BrightSquareDetector implements FaceDetector {
        @Override
        public List<Face> detect(Mat frame) {
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
    static final class BrightnessClassifier implements FaceClassifier {
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

    /**
     * The seven FER2013 classes, scored from the crop's seven horizontal bands (a band brighter than
     * the crop's mean raises its class): deterministic, varied across faces, and no weights needed.
     */
    static final class BandClassifier implements FaceClassifier {
        private static final List<String> CLASSES = List.of("angry", "disgust", "fear", "happy", "sad", "surprise",
                "neutral");

        @Override
        public float[][] probabilities(List<FaceImage> crops) {
            float[][] out = new float[crops.size()][];
            for (int i = 0; i < crops.size(); i++) {
                FaceImage crop = crops.get(i);
                double[] band = new double[CLASSES.size()];
                double mean = 0;
                for (int y = 0; y < crop.height(); y++) {
                    for (int x = 0; x < crop.width(); x++) {
                        band[y * band.length / crop.height()] += crop.at(x, y);
                        mean += crop.at(x, y);
                    }
                }
                mean /= crop.width() * crop.height();
                double sum = 0;
                double[] e = new double[band.length];
                for (int c = 0; c < band.length; c++) {
                    double bandMean = band[c] / (crop.width() * (double) crop.height() / band.length);
                    e[c] = Math.exp((bandMean - mean) / 12.0);
                    sum += e[c];
                }
                out[i] = new float[band.length];
                for (int c = 0; c < band.length; c++) {
                    out[i][c] = (float) (e[c] / sum);
                }
            }
            return out;
        }

        @Override
        public List<String> classes() {
            return CLASSES;
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

    /** A dark 320x240 frame with a square of gray level {@code level} at (x, y), side {@code side}. */
    static Mat squareFrame(int x, int y, int side, int level) {
        Mat frame = new Mat(240, 320, CvType.CV_8UC3, new Scalar(30, 30, 30));
        Imgproc.rectangle(frame, new Rect(x, y, side, side), new Scalar(level, level, level), -1);
        return frame;
    }

    /** The frame encoded as {@code .jpg} or {@code .png}. */
    static byte[] encode(Mat frame, String extension) {
        MatOfByte out = new MatOfByte();
        MatOfInt params = extension.equals(".jpg") ? new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 95) : new MatOfInt();
        if (!Imgcodecs.imencode(extension, frame, out, params)) {
            throw new IllegalStateException("OpenCV cannot encode " + extension);
        }
        byte[] bytes = out.toArray();
        out.release();
        frame.release();
        return bytes;
    }
}
