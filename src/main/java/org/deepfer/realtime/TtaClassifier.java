package org.deepfer.realtime;

import java.util.ArrayList;
import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;
import org.deepfer.predict.FacePredictor;

/**
 * A classifier whose every crop is averaged over the views of a test-time augmentation
 * ({@link FacePredictor.Tta}): the crop and its mirror, or ten crops. The views are made as the batch
 * jobs make them (cropped, resized to the classifier's input, mirrored after resizing), so a model
 * scores the same here as in {@code evaluate --tta}; one face costs {@link FacePredictor.Tta#views()}
 * classifications, all in one call to the wrapped classifier.
 */
public final class TtaClassifier implements FaceClassifier {
    private final FaceClassifier inner;
    private final FacePredictor.Tta tta;

    /** Wraps {@code inner}; the wrapper owns it and closes it. */
    public TtaClassifier(FaceClassifier inner, FacePredictor.Tta tta) {
        this.inner = inner;
        this.tta = tta;
    }

    /** {@code inner}, wrapped unless {@code tta} is none. */
    public static FaceClassifier of(FaceClassifier inner, FacePredictor.Tta tta) {
        return tta == FacePredictor.Tta.NONE ? inner : new TtaClassifier(inner, tta);
    }

    @Override
    public float[][] probabilities(List<FaceImage> crops) {
        int views = tta.views();
        int size = inner.cropSize();
        List<FaceImage> all = new ArrayList<>(crops.size() * views);
        for (FaceImage crop : crops) {
            for (FaceImage view : tta.crops(crop)) {
                FaceImage resized = Resize.to(view, size, size);
                all.add(resized);
                if (tta.mirrored()) {
                    all.add(Transforms.flipHorizontal(resized));
                }
            }
        }
        float[][] each = inner.probabilities(all);
        float[][] out = new float[crops.size()][];
        for (int f = 0; f < crops.size(); f++) {
            float[] mean = new float[each[f * views].length];
            for (int v = 0; v < views; v++) {
                float[] p = each[f * views + v];
                for (int c = 0; c < mean.length; c++) {
                    mean[c] += p[c] / views;
                }
            }
            out[f] = mean;
        }
        return out;
    }

    @Override
    public List<String> classes() {
        return inner.classes();
    }

    @Override
    public int cropSize() {
        return inner.cropSize();
    }

    @Override
    public String engine() {
        return inner.engine() + " (tta " + tta.label() + ")";
    }

    @Override
    public void close() {
        inner.close();
    }
}
