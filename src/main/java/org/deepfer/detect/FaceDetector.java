package org.deepfer.detect;

import java.util.List;
import org.opencv.core.Mat;

/**
 * Finds faces in a frame. Implementations hold native OpenCV objects: close them, and use one
 * detector per thread.
 */
public interface FaceDetector extends AutoCloseable {

    /**
     * The faces in {@code frame}, strongest first.
     *
     * @param frame an 8-bit BGR (3 channels) or gray (1 channel) image
     */
    List<Face> detect(Mat frame);

    /** yunet, ssd or haar. */
    String name();

    /** Whether {@link Face#landmarks()} are filled, so crops can be aligned. */
    boolean findsLandmarks();

    @Override
    void close();
}
