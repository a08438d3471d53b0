package org.deepfer.realtime;

import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;

/** The trained model run eagerly through DJL's PyTorch engine, as the batch jobs run it. */
public final class DjlClassifier implements FaceClassifier {
    private final ModelBundle bundle;
    private final FacePredictor predictor;
    private final int cropSize;

    public DjlClassifier(ModelBundle bundle, double temperature, int cropSize) {
        this.bundle = bundle;
        this.predictor = new FacePredictor(bundle,
                new FacePredictor.Settings(FacePredictor.Tta.NONE, temperature, FacePredictor.Settings.DEFAULT_BATCH));
        this.cropSize = cropSize;
    }

    @Override
    public float[][] probabilities(List<FaceImage> crops) {
        return crops.isEmpty() ? new float[0][] : predictor.probabilitiesOf(crops);
    }

    @Override
    public List<String> classes() {
        return bundle.classNames();
    }

    @Override
    public int cropSize() {
        return cropSize;
    }

    @Override
    public String engine() {
        return "djl";
    }

    @Override
    public void close() {
        predictor.close();
    }
}
