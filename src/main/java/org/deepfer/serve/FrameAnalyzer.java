package org.deepfer.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deepfer.detect.Face;
import org.deepfer.detect.FaceCropper;
import org.deepfer.detect.FaceDetector;
import org.deepfer.detect.OpenCv;
import org.deepfer.image.FaceImage;
import org.deepfer.realtime.FaceClassifier;
import org.deepfer.realtime.FaceTracker;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * One frame from a client → its faces: decode, detect, track (one {@link FaceTracker} per client
 * session, so each browser tab keeps its own track ids and smoothing), crop and classify all faces
 * in one batch. The detector, cropper and classifier are single-threaded native objects, so frames
 * are analysed one at a time; decoding happens outside that lock.
 */
public final class FrameAnalyzer implements AutoCloseable {
    static {
        OpenCv.load();
    }

    /** One face of a frame: its track, box, and the classifier's probabilities, smoothed and raw. */
    public record FaceResult(int track, Face face, float[] probabilities, float[] frameProbabilities) {}

    /**
     * What one frame gave.
     *
     * @param frame the frame's number within its session (1 = first)
     * @param width frame width in pixels (boxes are in these pixels)
     * @param height frame height in pixels
     * @param faces the faces, in detection order
     * @param decodeMs time to decode the image
     * @param detectMs time to detect and track
     * @param classifyMs time to crop, classify and smooth
     */
    public record Analysis(int frame, int width, int height, List<FaceResult> faces, double decodeMs, double detectMs,
            double classifyMs) {}

    /** A client's tracker and how many frames it has seen. */
    private static final class Session {
        final FaceTracker tracker;
        int frames;

        Session(FaceTracker tracker) {
            this.tracker = tracker;
        }
    }

    private final FaceDetector detector;
    private final FaceClassifier classifier;
    private final FaceCropper cropper;
    private final Supplier<FaceTracker> trackers;
    private final Map<String, Session> sessions;

    /**
     * @param detector finds the faces (not closed here: the caller owns it)
     * @param classifier gives their class probabilities (not closed here)
     * @param cropMargin margin around each box before cropping ({@code detect.cropMargin})
     * @param align level the eyes of crops when the detector finds them ({@code detect.align})
     * @param trackers makes a new session's tracker, with its smoothing
     * @param maxSessions sessions kept at once; the least recently seen one is dropped beyond this
     */
    public FrameAnalyzer(FaceDetector detector, FaceClassifier classifier, double cropMargin, boolean align,
            Supplier<FaceTracker> trackers, int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1, got " + maxSessions);
        }
        this.detector = detector;
        this.classifier = classifier;
        this.cropper = new FaceCropper(classifier.cropSize(), cropMargin, align);
        this.trackers = trackers;
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
                return size() > maxSessions;
            }
        };
    }

    public List<String> classes() {
        return classifier.classes();
    }

    public String detectorName() {
        return detector.name();
    }

    public String engine() {
        return classifier.engine();
    }

    /**
     * Analyses an encoded image (anything OpenCV decodes; the server checks the format and size first).
     *
     * @param session the client's session id, whose tracker carries track ids and smoothing across
     *     frames; null analyses the image on its own, with a fresh tracker
     * @throws IllegalArgumentException when the bytes do not decode to an image
     */
    public Analysis analyze(String session, byte[] encoded) {
        long t0 = System.nanoTime();
        MatOfByte buffer = new MatOfByte(encoded);
        Mat frame = Imgcodecs.imdecode(buffer, Imgcodecs.IMREAD_COLOR);
        buffer.release();
        try {
            if (frame.empty()) {
                throw new IllegalArgumentException("the image cannot be decoded (truncated or corrupt?)");
            }
            return analyze(session, frame, ms(t0, System.nanoTime()));
        } finally {
            frame.release();
        }
    }

    private synchronized Analysis analyze(String sessionId, Mat frame, double decodeMs) {
        Session session = sessionId == null ? new Session(trackers.get())
                : sessions.computeIfAbsent(sessionId, id -> new Session(trackers.get()));
        session.frames++;
        long t1 = System.nanoTime();
        List<FaceTracker.Track> tracks = session.tracker.update(detector.detect(frame));
        long t2 = System.nanoTime();
        List<FaceImage> crops = new ArrayList<>(tracks.size());
        for (FaceTracker.Track t : tracks) {
            crops.add(cropper.crop(frame, t.face()));
        }
        float[][] probabilities = classifier.probabilities(crops);
        List<FaceResult> faces = new ArrayList<>(tracks.size());
        for (int i = 0; i < tracks.size(); i++) {
            FaceTracker.Track t = tracks.get(i);
            faces.add(new FaceResult(t.id(), t.face(), t.observe(probabilities[i]), probabilities[i]));
        }
        long t3 = System.nanoTime();
        return new Analysis(session.frames, frame.cols(), frame.rows(), faces, decodeMs, ms(t1, t2), ms(t2, t3));
    }

    /** Sessions whose trackers are kept now. */
    public synchronized int sessions() {
        return sessions.size();
    }

    private static double ms(long from, long to) {
        return (to - from) / 1e6;
    }

    /** Frees the cropper's native buffers; the detector and classifier belong to the caller. */
    @Override
    public synchronized void close() {
        sessions.clear();
        cropper.release();
    }
}
