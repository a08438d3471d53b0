package org.deepfer.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FaceTest {

    @Test
    void iouOfIdenticalDisjointAndHalfOverlappingBoxes() {
        Face a = Face.box(0, 0, 10, 10, 1);
        assertEquals(1.0, a.iou(Face.box(0, 0, 10, 10, 0.5)), 1e-12);
        assertEquals(0.0, a.iou(Face.box(20, 20, 10, 10, 1)), 1e-12);
        // Shifted by half its width: intersection 50, union 150.
        assertEquals(1.0 / 3, a.iou(Face.box(5, 0, 10, 10, 1)), 1e-12);
    }

    @Test
    void eyeAngleIsZeroForLevelEyesAndPositiveWhenTheLeftEyeIsLower() {
        float[] level = {10, 20, 30, 20, 20, 30, 12, 40, 28, 40};
        assertEquals(0.0, new Face(0, 0, 40, 50, 1, level).eyeAngleDegrees(), 1e-9);
        float[] tilted = {10, 20, 30, 40, 20, 30, 12, 40, 28, 40};
        assertEquals(45.0, new Face(0, 0, 40, 50, 1, tilted).eyeAngleDegrees(), 1e-9);
        assertTrue(Double.isNaN(Face.box(0, 0, 1, 1, 1).eyeAngleDegrees()));
    }

    @Test
    void badBoxesAndLandmarksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Face.box(0, 0, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new Face(0, 0, 10, 10, 1, new float[4]));
    }

    @Test
    void cleaningDropsSmallFacesAndSuppressesTheWeakerOfOverlappingOnes() {
        Face strong = Face.box(0, 0, 40, 40, 0.9);
        Face weakDuplicate = Face.box(2, 2, 40, 40, 0.6);
        Face elsewhere = Face.box(100, 100, 40, 40, 0.7);
        Face tiny = Face.box(200, 200, 8, 8, 0.99);
        List<Face> kept = Detections.clean(List.of(weakDuplicate, tiny, elsewhere, strong), 20, 0.3);
        assertEquals(List.of(strong, elsewhere), kept);
    }

    @Test
    void benchmarkMatchingIsOneToOne() {
        List<Face> truth = List.of(Face.box(0, 0, 10, 10, 1), Face.box(50, 0, 10, 10, 1));
        // Two detections on the first face, none on the second: one match, not two.
        List<Face> detected = List.of(Face.box(0, 0, 10, 10, 0.9), Face.box(1, 0, 10, 10, 0.8));
        assertEquals(1, DetectionBenchmark.matches(truth, detected, 0.5));
        assertEquals(2, DetectionBenchmark.matches(truth, List.of(Face.box(1, 1, 10, 10, 1),
                Face.box(50, 1, 10, 10, 1)), 0.5));
    }
}
