package org.deepfer.realtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deepfer.detect.Face;
import org.junit.jupiter.api.Test;

class SmoothingAndTrackingTest {

    @Test
    void emaWeighsTheNewestFrameByAlpha() {
        Smoothing ema = new Smoothing.Ema(0.25);
        assertArrayEquals(new float[] {1, 0}, ema.add(new float[] {1, 0}), 1e-6f);
        // 0.25 * (0, 1) + 0.75 * (1, 0)
        assertArrayEquals(new float[] {0.75f, 0.25f}, ema.add(new float[] {0, 1}), 1e-6f);
        assertArrayEquals(new float[] {0.5625f, 0.4375f}, ema.add(new float[] {0, 1}), 1e-6f);
    }

    @Test
    void medianIgnoresOneOutlyingFrame() {
        Smoothing median = new Smoothing.Median(5);
        float[] happy = {0.1f, 0.8f, 0.1f};
        float[] out = null;
        for (int i = 0; i < 4; i++) {
            out = median.add(happy);
        }
        out = median.add(new float[] {0.98f, 0.01f, 0.01f});
        assertEquals(1, Overlay.argmax(out), "a single confident frame does not flip the label");
        double sum = 0;
        for (float v : out) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Smoothing.Factory.of("kalman", 0.5, 3));
    }

    @Test
    void tracksKeepTheirIdWhileTheFaceMovesAndNewFacesGetNewIds() {
        FaceTracker tracker = new FaceTracker(0.3, 2, Smoothing.Factory.of("none", 1, 1));
        int id = tracker.update(List.of(Face.box(100, 100, 50, 50, 0.9))).get(0).id();
        for (int step = 1; step <= 5; step++) {
            List<FaceTracker.Track> seen = tracker.update(List.of(Face.box(100 + 8 * step, 100, 50, 50, 0.9),
                    Face.box(400, 300, 40, 40, 0.8)));
            assertEquals(id, seen.get(0).id(), "same face, same id at step " + step);
            assertNotEquals(id, seen.get(1).id());
        }
        assertEquals(2, tracker.size());
    }

    @Test
    void aTrackEndsAfterMaxMissedDetectionFrames() {
        FaceTracker tracker = new FaceTracker(0.3, 2, Smoothing.Factory.of("none", 1, 1));
        int id = tracker.update(List.of(Face.box(0, 0, 50, 50, 1))).get(0).id();
        tracker.update(List.of());
        tracker.update(List.of());
        assertEquals(1, tracker.size(), "two misses are tolerated");
        assertEquals(id, tracker.update(List.of(Face.box(2, 0, 50, 50, 1))).get(0).id(), "and the face is picked up again");
        tracker.update(List.of());
        tracker.update(List.of());
        tracker.update(List.of());
        assertEquals(0, tracker.size(), "the third miss ends it");
        assertNotEquals(id, tracker.update(List.of(Face.box(2, 0, 50, 50, 1))).get(0).id());
    }

    @Test
    void resetForgetsEveryTrackAndStartsTheIdsAgain() {
        FaceTracker tracker = new FaceTracker(0.3, 2, Smoothing.Factory.of("ema", 0.5, 1));
        List<FaceTracker.Track> first = tracker.update(List.of(Face.box(0, 0, 50, 50, 1), Face.box(200, 0, 50, 50, 1)));
        first.get(1).observe(new float[] {1, 0});
        tracker.reset();
        assertEquals(0, tracker.size());
        List<FaceTracker.Track> next = tracker.update(List.of(Face.box(200, 0, 50, 50, 1)));
        assertEquals(1, next.get(0).id(), "the face where track 2 was is track 1 of a new picture");
        assertArrayEquals(new float[] {0, 1}, next.get(0).observe(new float[] {0, 1}), 1e-6f,
                "and its smoothing starts afresh");
    }

    @Test
    void betweenDetectionsBoxesMoveOnAtTheirVelocity() {
        FaceTracker tracker = new FaceTracker(0.3, 2, Smoothing.Factory.of("none", 1, 1));
        tracker.update(List.of(Face.box(100, 100, 50, 50, 1)));
        tracker.update(List.of(Face.box(110, 104, 50, 50, 1)));
        List<FaceTracker.Track> coasted = tracker.coast();
        assertEquals(1, coasted.size());
        assertEquals(120, coasted.get(0).face().x(), 1e-9);
        assertEquals(108, coasted.get(0).face().y(), 1e-9);
        assertTrue(!coasted.get(0).detectedNow());
        // The next detection two frames later is matched, and the velocity is per frame.
        tracker.update(List.of(Face.box(130, 112, 50, 50, 1)));
        assertEquals(140, tracker.coast().get(0).face().x(), 1e-9);
    }

    @Test
    void stageQuantilesAreNearestRank() {
        StageTimes times = new StageTimes();
        for (int i = 1; i <= 100; i++) {
            times.add(i, 0, 0, 0, 0, 0, 0, i);
        }
        assertEquals(50.5, times.mean("decode"), 1e-9);
        assertEquals(50, times.quantile("decode", 0.5), 1e-9);
        assertEquals(95, times.quantile("total", 0.95), 1e-9);
        assertEquals(100, times.quantile("total", 1.0), 1e-9);
        assertTrue(times.csv().startsWith("stage,mean_ms,p50_ms,p95_ms,p99_ms,max_ms\ndecode,50.500,50.000,95.000"));
    }
}
