package org.deepfer.detect;

import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Runs another detector on a copy of the frame shrunk to at most {@code maxWidth} pixels wide and
 * maps its boxes and landmarks back to frame pixels: detection cost falls with the square of the
 * scale, while faces that stay above the detector's minimum size are still found.
 */
public final class ScaledDetector implements FaceDetector {
    static {
        OpenCv.load(); // before the Mat field below is made
    }

    private final FaceDetector inner;
    private final int maxWidth;
    private final Mat small = new Mat();

    public ScaledDetector(FaceDetector inner, int maxWidth) {
        if (maxWidth < 16) {
            throw new IllegalArgumentException("detection width must be at least 16 pixels, got " + maxWidth);
        }
        this.inner = inner;
        this.maxWidth = maxWidth;
    }

    @Override
    public List<Face> detect(Mat frame) {
        if (frame.cols() <= maxWidth) {
            return inner.detect(frame);
        }
        double scale = (double) maxWidth / frame.cols();
        Imgproc.resize(frame, small, new Size(maxWidth, Math.max(1, Math.round(frame.rows() * scale))), 0, 0,
                Imgproc.INTER_AREA);
        List<Face> found = inner.detect(small);
        List<Face> faces = new ArrayList<>(found.size());
        for (Face f : found) {
            float[] landmarks = f.landmarks();
            if (landmarks != null) {
                for (int i = 0; i < landmarks.length; i++) {
                    landmarks[i] /= (float) scale;
                }
            }
            faces.add(new Face(f.x() / scale, f.y() / scale, f.width() / scale, f.height() / scale, f.score(),
                    landmarks));
        }
        return faces;
    }

    @Override
    public String name() {
        return inner.name() + "@" + maxWidth + "px";
    }

    @Override
    public boolean findsLandmarks() {
        return inner.findsLandmarks();
    }

    @Override
    public void close() {
        small.release();
        inner.close();
    }
}
