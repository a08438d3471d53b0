package org.deepfer.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.augment.AugmentJob;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.predict.ModelBundle;
import org.deepfer.testing.TestSpark;
import org.deepfer.train.FaceArrays;
import org.deepfer.train.TrainingRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class activation maps must point at the evidence. The synthetic task plants it: faces of noise
 * where class 0 carries a bright cross in the upper left and class 3 the same cross in the lower
 * right, so the only discriminative pixels are the patch. A small model trained on it must reach
 * near-perfect accuracy, and both maps must peak on the patch, moving with it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CamExplainerTest {
    private static final int SIZE = 48;
    private static final int PATCH = 10;

    @TempDir
    static Path root;

    private ModelBundle bundle;

    /** A noise face with the cross patch at (x, y), its top-left corner. */
    private static byte[] face(SplittableRandom r, int x, int y) {
        byte[] px = new byte[SIZE * SIZE];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (70 + r.nextInt(60));
        }
        for (int k = 0; k < PATCH; k++) {
            px[(y + PATCH / 2) * SIZE + x + k] = (byte) 250; // horizontal bar
            px[(y + k) * SIZE + x + PATCH / 2] = (byte) 250; // vertical bar
        }
        return px;
    }

    private static int[] corner(SplittableRandom r, boolean upperLeft) {
        int x = 3 + r.nextInt(8);
        int y = 3 + r.nextInt(8);
        return upperLeft ? new int[] {x, y} : new int[] {SIZE - PATCH - x, SIZE - PATCH - y};
    }

    private static FaceArrays dataset(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] pixels = new byte[n * SIZE * SIZE];
        int[] labels = new int[n];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            boolean upperLeft = i % 2 == 0;
            int[] at = corner(r, upperLeft);
            System.arraycopy(face(r, at[0], at[1]), 0, pixels, i * SIZE * SIZE, SIZE * SIZE);
            labels[i] = upperLeft ? 0 : 3;
            ids[i] = "f" + seed + "-" + i;
        }
        return FaceArrays.of(SIZE, pixels, labels, ids);
    }

    @BeforeAll
    void trainOnThePlantedTask() {
        DeepFerConfig config = TestSpark.config(root, "train.backbone=baseline", "train.width=0.25",
                "train.epochs=4", "train.batchSize=32", "train.learningRate=0.003", "train.augment=false",
                "train.earlyStoppingPatience=0", "train.threads=2");
        TrainingRun.Data data = new TrainingRun.Data(dataset(320, 1), dataset(64, 2),
                new AugmentJob.Normalization(100 / 255.0, 40 / 255.0, 320, 0, "train", SIZE), null, 0, "planted");
        TrainingRun.Result result = new TrainingRun(config, data, root.resolve("models/planted"), false, "test", null)
                .run();
        assertTrue(result.best().valAccuracy() > 0.95, "the planted task is easy: " + result.best());
        bundle = ModelBundle.load(result.modelDir());
    }

    /** The (x, y) centre of mass of the top 5 % of a map. */
    private static double[] hotSpot(float[] map) {
        float[] sorted = map.clone();
        java.util.Arrays.sort(sorted);
        float threshold = sorted[(int) (sorted.length * 0.95)];
        double sx = 0;
        double sy = 0;
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            if (map[i] >= threshold && map[i] > 0) {
                sx += map[i] * (i % SIZE);
                sy += map[i] * (i / SIZE);
                total += map[i];
            }
        }
        return new double[] {sx / total, sy / total};
    }

    @Test
    void gradCamAndScoreCamPeakOnThePlantedPatchAndFollowIt() {
        SplittableRandom r = new SplittableRandom(7);
        List<FaceImage> faces = new ArrayList<>();
        List<int[]> patches = new ArrayList<>();
        int[] classes = new int[8];
        for (int i = 0; i < classes.length; i++) {
            boolean upperLeft = i < 4;
            int[] at = corner(r, upperLeft);
            patches.add(at);
            faces.add(FaceImage.gray(SIZE, SIZE, face(r, at[0], at[1])));
            classes[i] = upperLeft ? 0 : 3;
        }
        try (CamExplainer explainer = new CamExplainer(bundle, 16)) {
            float[][] probabilities = explainer.probabilities(faces);
            for (int i = 0; i < faces.size(); i++) {
                assertTrue(probabilities[i][classes[i]] > 0.5, "face " + i + " is classified by its patch");
            }
            assertEquals(3, explainer.featureMapShape().dimension());
            for (String method : List.of("grad-cam", "score-cam")) {
                float[][] maps = method.equals("grad-cam") ? explainer.gradCam(faces, classes)
                        : explainer.scoreCam(faces, classes);
                for (int i = 0; i < faces.size(); i++) {
                    assertEquals(SIZE * SIZE, maps[i].length);
                    double[] hot = hotSpot(maps[i]);
                    double cx = patches.get(i)[0] + PATCH / 2.0;
                    double cy = patches.get(i)[1] + PATCH / 2.0;
                    double distance = Math.hypot(hot[0] - cx, hot[1] - cy);
                    assertTrue(distance < 12, method + " face " + i + ": hot spot (" + hot[0] + ", " + hot[1]
                            + ") is " + distance + " px from the patch at (" + cx + ", " + cy + ")");
                }
            }
        }
    }

    @Test
    void bilinearUpsamplingKeepsConstantsAndInterpolatesBetweenCentres() {
        float[] flat = {2, 2, 2, 2};
        float[] out = new float[16];
        CamExplainer.bilinear(flat, 0, 2, 2, out, 0, 4);
        for (float v : out) {
            assertEquals(2f, v);
        }
        float[] ramp = {0, 1};
        float[] wide = new float[16];
        CamExplainer.bilinear(ramp, 0, 1, 2, wide, 0, 4);
        assertEquals(0f, wide[0]);
        assertEquals(0.25f, wide[1], 1e-6);
        assertEquals(0.75f, wide[2], 1e-6);
        assertEquals(1f, wide[3]);
    }
}
