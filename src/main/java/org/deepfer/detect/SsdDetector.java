package org.deepfer.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.CvException;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;
import org.opencv.imgproc.Imgproc;

/**
 * OpenCV's ResNet-10 SSD face detector (the TensorFlow 8-bit model): the frame is resized to
 * 300x300 with the BGR means it was trained with subtracted; boxes come back in 0..1 coordinates.
 */
public final class SsdDetector implements FaceDetector {
    static {
        OpenCv.load(); // before the Mat fields below are made
    }

    private static final Size INPUT = new Size(300, 300);
    private static final Scalar MEAN = new Scalar(104, 177, 123);
    /** Values per detection: image id, class, confidence, x1, y1, x2, y2. */
    private static final int ROW = 7;

    private final Net net;
    private final double scoreThreshold;
    private final double nmsThreshold;
    private final int minFaceSize;
    private final Mat bgr = new Mat();

    public SsdDetector(Path weights, Path graph, double scoreThreshold, double nmsThreshold, int minFaceSize) {
        try {
            this.net = Dnn.readNetFromTensorflow(weights.toString(), graph.toString());
        } catch (CvException e) {
            throw new IllegalArgumentException("not an SSD face detector OpenCV can load: " + weights + " with "
                    + graph + " (" + OpenCv.reason(e) + ")", e);
        }
        this.scoreThreshold = scoreThreshold;
        this.nmsThreshold = nmsThreshold;
        this.minFaceSize = minFaceSize;
    }

    @Override
    public List<Face> detect(Mat frame) {
        Mat input = frame;
        if (frame.channels() == 1) {
            Imgproc.cvtColor(frame, bgr, Imgproc.COLOR_GRAY2BGR);
            input = bgr;
        }
        int w = input.cols();
        int h = input.rows();
        Mat blob = Dnn.blobFromImage(input, 1.0, INPUT, MEAN, false, false);
        net.setInput(blob);
        Mat out = net.forward();
        Mat rows = out.reshape(1, (int) (out.total() / ROW));
        List<Face> faces = new ArrayList<>();
        float[] row = new float[ROW];
        for (int r = 0; r < rows.rows(); r++) {
            rows.get(r, 0, row);
            if (row[2] < scoreThreshold) {
                continue;
            }
            double x1 = clamp(row[3]) * w;
            double y1 = clamp(row[4]) * h;
            double x2 = clamp(row[5]) * w;
            double y2 = clamp(row[6]) * h;
            if (x2 > x1 && y2 > y1) {
                faces.add(Face.box(x1, y1, x2 - x1, y2 - y1, row[2]));
            }
        }
        blob.release();
        out.release();
        return Detections.clean(faces, minFaceSize, nmsThreshold);
    }

    private static double clamp(float v) {
        return Math.max(0, Math.min(1, v));
    }

    @Override
    public String name() {
        return "ssd";
    }

    @Override
    public boolean findsLandmarks() {
        return false;
    }

    @Override
    public void close() {
        bgr.release();
    }
}
