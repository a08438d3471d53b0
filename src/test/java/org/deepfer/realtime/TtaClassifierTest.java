package org.deepfer.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;
import org.deepfer.predict.FacePredictor;
import org.junit.jupiter.api.Test;

class TtaClassifierTest {
    private static final int SIZE = 48;

    /**
     * Four classes scored from the crop's quadrants (softmax of their mean brightness), so mirrors
     * and crops of a face score differently; it records the sizes it was given.
     */
    static final class QuadrantClassifier implements FaceClassifier {
        final List<Integer> widths = new ArrayList<>();
        int calls;

        @Override
        public float[][] probabilities(List<FaceImage> crops) {
            calls++;
            float[][] out = new float[crops.size()][];
            for (int i = 0; i < crops.size(); i++) {
                FaceImage c = crops.get(i);
                widths.add(c.width());
                double[] q = new double[4];
                for (int y = 0; y < c.height(); y++) {
                    for (int x = 0; x < c.width(); x++) {
                        q[(y * 2 / c.height()) * 2 + x * 2 / c.width()] += c.at(x, y) / (c.width() * c.height() / 4.0);
                    }
                }
                double sum = 0;
                for (int k = 0; k < 4; k++) {
                    q[k] = Math.exp(q[k] / 20);
                    sum += q[k];
                }
                out[i] = new float[4];
                for (int k = 0; k < 4; k++) {
                    out[i][k] = (float) (q[k] / sum);
                }
            }
            return out;
        }

        @Override
        public List<String> classes() {
            return List.of("a", "b", "c", "d");
        }

        @Override
        public int cropSize() {
            return SIZE;
        }

        @Override
        public String engine() {
            return "test";
        }

        @Override
        public void close() {}
    }

    private static FaceImage noise(long seed) {
        byte[] px = new byte[SIZE * SIZE];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        return FaceImage.gray(SIZE, SIZE, px);
    }

    @Test
    void eachFaceIsTheMeanOfItsOwnTenViewsAskedForInOneCallAtTheInputSize() {
        List<FaceImage> faces = List.of(noise(1), noise(2), noise(3));
        QuadrantClassifier inner = new QuadrantClassifier();
        float[][] tta = new TtaClassifier(inner, FacePredictor.Tta.TENCROP).probabilities(faces);
        assertEquals(1, inner.calls, "all views in one call");
        assertEquals(30, inner.widths.size());
        assertTrue(inner.widths.stream().allMatch(w -> w == SIZE), "views are resized to the input");

        QuadrantClassifier plain = new QuadrantClassifier();
        int c = 44;
        int[][] at = {{2, 2}, {0, 0}, {SIZE - c, 0}, {0, SIZE - c}, {SIZE - c, SIZE - c}};
        for (int f = 0; f < faces.size(); f++) {
            List<FaceImage> views = new ArrayList<>();
            for (int[] xy : at) {
                FaceImage v = Resize.to(Transforms.crop(faces.get(f), xy[0], xy[1], c, c), SIZE, SIZE);
                views.add(v);
                views.add(Transforms.flipHorizontal(v));
            }
            float[][] each = plain.probabilities(views);
            for (int k = 0; k < 4; k++) {
                double mean = 0;
                for (float[] p : each) {
                    mean += p[k] / each.length;
                }
                assertEquals(mean, tta[f][k], 1e-6, "face " + f + " class " + k);
            }
        }
    }

    @Test
    void flipAveragesTheCropAndItsMirrorAndNoneLeavesTheClassifierAsItIs() {
        FaceImage face = noise(4);
        QuadrantClassifier inner = new QuadrantClassifier();
        float[] flip = new TtaClassifier(inner, FacePredictor.Tta.FLIP).probabilities(List.of(face))[0];
        float[][] both = inner.probabilities(List.of(face, Transforms.flipHorizontal(face)));
        for (int k = 0; k < 4; k++) {
            assertEquals((both[0][k] + both[1][k]) / 2, flip[k], 1e-6);
        }
        assertTrue(Math.abs(both[0][0] - both[1][0]) > 1e-4, "the mirror must score differently for this to test");
        assertSame(inner, TtaClassifier.of(inner, FacePredictor.Tta.NONE));
        assertEquals("test (tta flip)", TtaClassifier.of(inner, FacePredictor.Tta.FLIP).engine());
    }
}
