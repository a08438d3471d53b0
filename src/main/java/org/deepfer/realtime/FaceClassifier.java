package org.deepfer.realtime;

import java.util.List;
import org.deepfer.image.FaceImage;

/** Class probabilities for face crops, whatever runs the network (ONNX Runtime or DJL). */
public interface FaceClassifier extends AutoCloseable {

    /** One probability vector per crop, in {@link #classes()} order. */
    float[][] probabilities(List<FaceImage> crops);

    /** The class names, in output order. */
    List<String> classes();

    /** Side of the square gray crop the classifier takes (the stored face size, 48 for FER2013). */
    int cropSize();

    /** What runs the network, e.g. "onnxruntime" or "djl". */
    String engine();

    @Override
    void close();
}
