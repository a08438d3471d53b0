package org.deepfer.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.export.TestModels;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;
import org.deepfer.tables.Labels;
import org.deepfer.train.model.ModelSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FacePredictorTest {
    private static final int SIZE = 48;

    @TempDir
    static Path dir;

    private static ModelBundle bundle;
    private static List<FaceImage> faces;

    @BeforeAll
    static void model() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelSpec spec = new ModelSpec("baseline", 1, SIZE, Labels.count(), 0.3, 0.25);
            bundle = TestModels.writeBundle(TestModels.randomModel(spec, manager, 17), SIZE, dir.resolve("m"));
        }
        faces = new ArrayList<>();
        for (byte[] px : TestModels.syntheticFaces(5, SIZE, 9)) {
            faces.add(FaceImage.gray(SIZE, SIZE, px));
        }
    }

    private static float[][] predict(FacePredictor.Tta tta, int batch, List<FaceImage> of) {
        try (FacePredictor p = new FacePredictor(bundle, new FacePredictor.Settings(tta, 1.0, batch))) {
            return p.probabilitiesOf(of);
        }
    }

    /** The ten views of a face built by hand: the 44-pixel crops, resized, and their mirrors. */
    private static List<FaceImage> tenViews(FaceImage face) {
        int c = 44;
        int[][] corners = {{2, 2}, {0, 0}, {SIZE - c, 0}, {0, SIZE - c}, {SIZE - c, SIZE - c}};
        List<FaceImage> views = new ArrayList<>();
        for (int[] at : corners) {
            FaceImage view = Resize.to(Transforms.crop(face, at[0], at[1], c, c), SIZE, SIZE);
            views.add(view);
            views.add(Transforms.flipHorizontal(view));
        }
        return views;
    }

    @Test
    void tenCropAveragesEachFacesOwnTenViewsAcrossBatches() {
        // Batches of 2 over 5 faces: a view averaged into the wrong face, or a batch's rows shifted, shows.
        float[][] tenCrop = predict(FacePredictor.Tta.TENCROP, 2, faces);
        float spread = 0;
        for (int f = 0; f < faces.size(); f++) {
            float[][] views = predict(FacePredictor.Tta.NONE, 128, tenViews(faces.get(f)));
            float sum = 0;
            for (int k = 0; k < Labels.count(); k++) {
                double mean = 0;
                for (float[] v : views) {
                    mean += v[k] / views.length;
                }
                assertEquals(mean, tenCrop[f][k], 2e-6, "face " + f + " class " + k);
                sum += tenCrop[f][k];
                spread = Math.max(spread, Math.abs(tenCrop[f][k] - tenCrop[0][k]));
            }
            assertEquals(1, sum, 1e-5);
        }
        assertTrue(spread > 1e-3, "the faces must get different probabilities for the test to mean anything");
    }

    @Test
    void flipAveragesTheFaceAndItsMirror() {
        float[][] flip = predict(FacePredictor.Tta.FLIP, 3, faces);
        for (int f = 0; f < faces.size(); f++) {
            float[][] both = predict(FacePredictor.Tta.NONE, 2,
                    List.of(faces.get(f), Transforms.flipHorizontal(faces.get(f))));
            for (int k = 0; k < Labels.count(); k++) {
                assertEquals((both[0][k] + both[1][k]) / 2, flip[f][k], 2e-6);
            }
        }
    }

    @Test
    void ttaModesParseByNameAndAnUnknownOneIsNamed() {
        assertEquals(FacePredictor.Tta.TENCROP, FacePredictor.Tta.parse(" TenCrop "));
        assertEquals(10, FacePredictor.Tta.TENCROP.views());
        assertEquals(2, FacePredictor.Tta.FLIP.views());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FacePredictor.Tta.parse("five"));
        assertEquals("unknown test-time augmentation 'five'; expected none, flip or tencrop", e.getMessage());
        assertEquals(DeepFerConfig.Realtime.TTA_MODES,
                java.util.Arrays.stream(FacePredictor.Tta.values()).map(FacePredictor.Tta::label).toList(),
                "realtime.tta accepts exactly the modes there are");
    }
}
