package org.deepfer.detect;

import org.deepfer.image.FaceImage;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Turns a detection into the input a FER model takes: a square gray crop around the box, widened by
 * a margin, rotated so the eyes are level when the face has landmarks, resized to {@code size}
 * pixels (area averaging when shrinking). Parts of the square outside the frame repeat the border
 * pixels, so faces at the edge still give full crops.
 */
public final class FaceCropper {
    static {
        OpenCv.load(); // before the Mat fields below are made
    }

    private final int size;
    private final double margin;
    private final boolean align;
    private final Mat gray = new Mat();
    private final Mat square = new Mat();
    private final Mat resized = new Mat();

    /**
     * @param size side of the crop in pixels (48 for FER2013 models)
     * @param margin added on each side, as a fraction of the box's larger side
     * @param align level the eyes when the face has landmarks
     */
    public FaceCropper(int size, double margin, boolean align) {
        if (size < 1 || !(margin >= 0)) {
            throw new IllegalArgumentException("crop size must be positive and margin non-negative");
        }
        this.size = size;
        this.margin = margin;
        this.align = align;
    }

    /** The crop of {@code face} in {@code frame} (8-bit BGR or gray). */
    public FaceImage crop(Mat frame, Face face) {
        if (frame.channels() == 1) {
            frame.copyTo(gray);
        } else {
            Imgproc.cvtColor(frame, gray, Imgproc.COLOR_BGR2GRAY);
        }
        double side = Math.max(face.width(), face.height()) * (1 + 2 * margin);
        int squareSide = Math.max(1, (int) Math.round(side));
        double angle = align && face.hasLandmarks() ? Math.toRadians(face.eyeAngleDegrees()) : 0;
        // One affine map from the frame to the square: rotate by -angle about the box centre (which
        // levels the eyes) and put that centre in the middle of the square, at scale 1. The shrink to
        // `size` comes after, with area averaging, which warpAffine cannot do.
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cx = face.centerX();
        double cy = face.centerY();
        double mid = (squareSide - 1) / 2.0;
        Mat m = new Mat(2, 3, CvType.CV_64F);
        m.put(0, 0, cos, sin, mid - (cos * cx + sin * cy), -sin, cos, mid - (-sin * cx + cos * cy));
        Imgproc.warpAffine(gray, square, m, new Size(squareSide, squareSide), Imgproc.INTER_LINEAR,
                Core.BORDER_REPLICATE);
        m.release();
        int interpolation = squareSide > size ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR;
        Imgproc.resize(square, resized, new Size(size, size), 0, 0, interpolation);
        byte[] pixels = new byte[size * size];
        resized.get(0, 0, pixels);
        return FaceImage.gray(size, size, pixels);
    }

    /** Frees the native buffers. */
    public void release() {
        gray.release();
        square.release();
        resized.release();
    }
}
