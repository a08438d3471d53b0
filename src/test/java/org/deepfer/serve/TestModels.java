package org.deepfer.serve;

import java.util.List;
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

/**
 * A model stand-in of seven classes and frames for the demo server's tests (the detector and the
 * two-class classifier are {@link org.deepfer.realtime.StandIns}).
 */
final class TestModels {
    static {
        OpenCv.load();
    }

    private TestModels() {}

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
