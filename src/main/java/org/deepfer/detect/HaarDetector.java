package org.deepfer.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.CvException;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.CascadeClassifier;

/**
 * A Viola-Jones cascade on the histogram-equalized gray frame (scale step 1.1, 5 neighbours). Its
 * score is the cascade's level weight, which is not a probability: the score threshold of the
 * configuration does not apply to it.
 */
public final class HaarDetector implements FaceDetector {
    static {
        OpenCv.load(); // before the Mat fields below are made
    }

    private static final double SCALE_STEP = 1.1;
    private static final int MIN_NEIGHBOURS = 5;

    private final CascadeClassifier cascade;
    private final double nmsThreshold;
    private final int minFaceSize;
    private final Mat gray = new Mat();

    public HaarDetector(Path cascadeFile, double nmsThreshold, int minFaceSize) {
        CascadeClassifier loaded;
        try {
            loaded = new CascadeClassifier(cascadeFile.toString());
        } catch (CvException e) {
            throw new IllegalArgumentException("not a Haar cascade OpenCV can read: " + cascadeFile + " ("
                    + OpenCv.reason(e) + ")", e);
        }
        this.cascade = loaded;
        if (cascade.empty()) {
            throw new IllegalArgumentException("not a Haar cascade OpenCV can read: " + cascadeFile);
        }
        this.nmsThreshold = nmsThreshold;
        this.minFaceSize = minFaceSize;
    }

    @Override
    public List<Face> detect(Mat frame) {
        if (frame.channels() == 1) {
            Imgproc.equalizeHist(frame, gray);
        } else {
            Imgproc.cvtColor(frame, gray, Imgproc.COLOR_BGR2GRAY);
            Imgproc.equalizeHist(gray, gray);
        }
        MatOfRect boxes = new MatOfRect();
        MatOfInt levels = new MatOfInt();
        MatOfDouble weights = new MatOfDouble();
        cascade.detectMultiScale3(gray, boxes, levels, weights, SCALE_STEP, MIN_NEIGHBOURS, 0,
                new Size(minFaceSize, minFaceSize), new Size(), true);
        Rect[] rects = boxes.toArray();
        double[] scores = rects.length == 0 ? new double[0] : weights.toArray();
        List<Face> faces = new ArrayList<>(rects.length);
        for (int i = 0; i < rects.length; i++) {
            Rect r = rects[i];
            faces.add(Face.box(r.x, r.y, r.width, r.height, i < scores.length ? scores[i] : 0));
        }
        boxes.release();
        levels.release();
        weights.release();
        return Detections.clean(faces, minFaceSize, nmsThreshold);
    }

    @Override
    public String name() {
        return "haar";
    }

    @Override
    public boolean findsLandmarks() {
        return false;
    }

    @Override
    public void close() {
        gray.release();
    }
}
