package org.deepfer.realtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.deepfer.detect.Face;

/**
 * Keeps an identity per face across frames: each frame's detections are matched to the current
 * tracks by box overlap (greedy, highest IoU first, at least {@code minIou}); unmatched detections
 * start new tracks, and a track unmatched for more than {@code maxMissed} detection frames ends.
 * On frames without detection ({@link #coast()}) every track moves on at the velocity of its last
 * two detections, so a detector run every N frames still gives a box per frame.
 */
public final class FaceTracker {

    /** One tracked face. */
    public static final class Track {
        private final int id;
        private final Smoothing smoothing;
        private Face face;
        private Face lastDetection;
        private double vx;
        private double vy;
        private int framesSinceDetection;
        private int missed;
        private float[] probabilities;

        Track(int id, Face face, Smoothing smoothing) {
            this.id = id;
            this.face = face;
            this.lastDetection = face;
            this.smoothing = smoothing;
        }

        public int id() {
            return id;
        }

        /** The current box: detected this frame, or carried forward from the last detection. */
        public Face face() {
            return face;
        }

        /** Whether the box comes from this frame's detector (not carried forward). */
        public boolean detectedNow() {
            return framesSinceDetection == 0 && missed == 0;
        }

        /** The smoothed probabilities after the latest {@link #observe}, or null before the first. */
        public float[] probabilities() {
            return probabilities == null ? null : probabilities.clone();
        }

        /** Adds this frame's class probabilities for the face; returns the smoothed ones. */
        public float[] observe(float[] frameProbabilities) {
            probabilities = smoothing.add(frameProbabilities);
            return probabilities.clone();
        }

        void matched(Face detection) {
            // Per frame, from the last detection (not from the carried box, which moved at the old velocity).
            int frames = framesSinceDetection + 1;
            vx = (detection.centerX() - lastDetection.centerX()) / frames;
            vy = (detection.centerY() - lastDetection.centerY()) / frames;
            face = detection;
            lastDetection = detection;
            framesSinceDetection = 0;
            missed = 0;
        }

        void coast() {
            face = new Face(face.x() + vx, face.y() + vy, face.width(), face.height(), face.score(),
                    shifted(face.landmarks(), vx, vy));
        }

        private static float[] shifted(float[] landmarks, double dx, double dy) {
            if (landmarks == null) {
                return null;
            }
            for (int i = 0; i < landmarks.length; i += 2) {
                landmarks[i] += (float) dx;
                landmarks[i + 1] += (float) dy;
            }
            return landmarks;
        }
    }

    private final double minIou;
    private final int maxMissed;
    private final Smoothing.Factory smoothing;
    private final List<Track> tracks = new ArrayList<>();
    private int nextId = 1;

    public FaceTracker(double minIou, int maxMissed, Smoothing.Factory smoothing) {
        if (!(minIou > 0 && minIou <= 1) || maxMissed < 0) {
            throw new IllegalArgumentException("tracker IoU must be in (0, 1] and max missed frames 0 or more");
        }
        this.minIou = minIou;
        this.maxMissed = maxMissed;
        this.smoothing = smoothing;
    }

    /**
     * Matches this frame's detections to the tracks and returns the tracks seen in this frame
     * (matched or new), in detection order.
     */
    public List<Track> update(List<Face> detections) {
        record Pair(int track, int detection, double iou) {}
        List<Pair> pairs = new ArrayList<>();
        for (int t = 0; t < tracks.size(); t++) {
            for (int d = 0; d < detections.size(); d++) {
                double iou = tracks.get(t).face.iou(detections.get(d));
                if (iou >= minIou) {
                    pairs.add(new Pair(t, d, iou));
                }
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::iou).reversed());
        Track[] byDetection = new Track[detections.size()];
        boolean[] trackUsed = new boolean[tracks.size()];
        for (Pair p : pairs) {
            if (!trackUsed[p.track] && byDetection[p.detection] == null) {
                trackUsed[p.track] = true;
                byDetection[p.detection] = tracks.get(p.track);
                tracks.get(p.track).matched(detections.get(p.detection));
            }
        }
        List<Track> ended = new ArrayList<>();
        for (int t = 0; t < trackUsed.length; t++) {
            if (!trackUsed[t]) {
                Track track = tracks.get(t);
                track.missed++;
                track.framesSinceDetection++;
                if (track.missed > maxMissed) {
                    ended.add(track);
                }
            }
        }
        tracks.removeAll(ended);
        List<Track> seen = new ArrayList<>(detections.size());
        for (int d = 0; d < detections.size(); d++) {
            if (byDetection[d] == null) {
                byDetection[d] = new Track(nextId++, detections.get(d), smoothing.create());
                tracks.add(byDetection[d]);
            }
            seen.add(byDetection[d]);
        }
        return seen;
    }

    /** A frame without detection: every live track moves on by its velocity; returns them. */
    public List<Track> coast() {
        List<Track> live = new ArrayList<>();
        for (Track t : tracks) {
            t.framesSinceDetection++;
            if (t.missed == 0) {
                t.coast();
                live.add(t);
            }
        }
        return live;
    }

    /** Forgets every track and starts the ids from 1 again: the next frame is an unrelated picture. */
    public void reset() {
        tracks.clear();
        nextId = 1;
    }

    /** Tracks alive now (seen within the last {@code maxMissed} detection frames). */
    public int size() {
        return tracks.size();
    }
}
