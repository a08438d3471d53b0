package org.deepfer.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.CvException;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.FaceDetectorYN;

/**
 * OpenCV's YuNet ({@code FaceDetectorYN}): a small CNN that returns boxes with five landmarks.
 * The network runs at the frame's own size (set per frame when it changes), so small faces in large
 * frames are found without tiling.
 */
public final class YuNetDetector implements FaceDetector {
    static {
        OpenCv.load(); // before the Mat fields below are made
    }

    /** Values per detection row: box (4), landmarks (10), score. */
    private static final int ROW = 15;
    private static final int TOP_K = 5000;

    private final FaceDetectorYN detector;
    private final int minFaceSize;
    private final double nmsThreshold;
    private final Mat bgr = new Mat();
    private final Mat out = new Mat();
    private Size inputSize = new Size(320, 320);

    public YuNetDetector(Path model, double scoreThreshold, double nmsThreshold, int minFaceSize) {
        try {
            this.detector = FaceDetectorYN.create(model.toString(), "", inputSize, (float) scoreThreshold,
                    (float) nmsThreshold, TOP_K);
        } catch (CvException e) {
            throw new IllegalArgumentException("not a YuNet model OpenCV can load: " + model + " (" + OpenCv.reason(e)
                    + ")", e);
        }
        this.minFaceSize = minFaceSize;
        this.nmsThreshold = nmsThreshold;
    }

    @Override
    public List<Face> detect(Mat frame) {
        Mat input = frame;
        if (frame.channels() == 1) {
            Imgproc.cvtColor(frame, bgr, Imgproc.COLOR_GRAY2BGR);
            input = bgr;
        }
        Size size = input.size();
        if (size.width != inputSize.width || size.height != inputSize.height) {
            inputSize = size;
            detector.setInputSize(size);
        }
        detector.detect(input, out);
        List<Face> faces = new ArrayList<>(out.rows());
        float[] row = new float[ROW];
        for (int r = 0; r < out.rows(); r++) {
            out.get(r, 0, row);
            if (row[2] <= 0 || row[3] <= 0) {
                continue;
            }
            float[] landmarks = new float[Face.LANDMARK_VALUES];
            System.arraycopy(row, 4, landmarks, 0, Face.LANDMARK_VALUES);
            faces.add(new Face(row[0], row[1], row[2], row[3], row[14], landmarks));
        }
        return Detections.clean(faces, minFaceSize, nmsThreshold);
    }

    @Override
    public String name() {
        return "yunet";
    }

    @Override
    public boolean findsLandmarks() {
        return true;
    }

    @Override
    public void close() {
        bgr.release();
        out.release();
    }
}
