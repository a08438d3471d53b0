package org.deepfer.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deepfer.detect.Face;
import org.deepfer.detect.OpenCv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/** The overlay keeps its video size on video frames and grows with large photos, so labels stay legible. */
class OverlayTest {
    private static final List<String> FER = List.of("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral");
    /** Happy at 40 %, every other class at 10 %. */
    private static final float[] P = {0.1f, 0.1f, 0.1f, 0.4f, 0.1f, 0.1f, 0.1f};

    /** A 640x480 frame of {@code background} gray with {@code faces} drawn, tracks 1, 2, ..., each at {@link #P}. */
    private static Mat drawn(double background, Face... faces) {
        Mat frame = new Mat(480, 640, CvType.CV_8UC3, Scalar.all(background));
        List<Integer> ids = new ArrayList<>();
        List<float[]> p = new ArrayList<>();
        for (int i = 0; i < faces.length; i++) {
            ids.add(i + 1);
            p.add(P);
        }
        new Overlay(FER).drawAll(frame, ids, List.of(faces), p);
        return frame;
    }

    @BeforeAll
    static void loadOpenCv() {
        OpenCv.load();
    }

    /** Drawn pixels along the row through the middle of the box, from its left edge inwards. */
    private static int boxEdgeWidth(int width, int height) {
        Mat frame = new Mat(height, width, CvType.CV_8UC3, new Scalar(0, 0, 0));
        int x = width / 4;
        int y = height / 4;
        int side = height / 3;
        new Overlay(List.of("happy", "sad")).drawAll(frame, List.of(1), List.of(Face.box(x, y, side, side, 0.9)),
                List.of(new float[] {0.9f, 0.1f}));
        int drawn = 0;
        for (int dx = -side / 4; dx < side / 4; dx++) {
            if (frame.get(y + side / 2, x + dx)[2] > 0) {
                drawn++;
            }
        }
        frame.release();
        return drawn;
    }

    @Test
    void aVideoFrameGetsTheTwoPixelBoxAndALargePhotoAThickerOne() {
        assertEquals(1.0, Overlay.scale(new Mat(480, 640, CvType.CV_8UC3)), 1e-9);
        assertEquals(3, boxEdgeWidth(640, 480), "a 2-pixel line drawn across a pixel boundary covers 3");
        double k = Overlay.scale(new Mat(2160, 3240, CvType.CV_8UC3));
        assertEquals(4.0, k, 1e-9);
        int large = boxEdgeWidth(3240, 2160);
        assertTrue(large >= 8 && large <= 10, "an 8-pixel line on a 3240x2160 photo, got " + large);
    }

    @Test
    void aFacesBarsGoWhereTheyCoverNoOtherFace() {
        // The bars (118 x 84 pixels) of the left face would reach over the right one (130 pixels on).
        Mat frame = drawn(0, Face.box(200, 100, 100, 100, 0.9), Face.box(330, 100, 100, 100, 0.9));
        assertEquals(0, Core.countNonZero(gray(frame, new Rect(335, 105, 90, 90))),
                "nothing drawn over the right face");
        assertTrue(Core.countNonZero(gray(frame, new Rect(76, 100, 118, 84))) > 500,
                "the left face's bars are left of it");
        assertTrue(Core.countNonZero(gray(frame, new Rect(436, 100, 118, 84))) > 500, "the right face's right of it");
        frame.release();
    }

    @Test
    void barsGoBelowAFaceWhenBothSidesAreTakenAndNeverOverBarsDrawnBefore() {
        // The first face's bars go right of it (x 136..254); the second face, at the frame's right edge,
        // has no room right of it, and left of it (x 236..354) they would cover the first one's: below.
        Mat frame = drawn(0, Face.box(30, 60, 100, 100, 0.9), Face.box(360, 60, 270, 100, 0.9));
        assertTrue(Core.countNonZero(gray(frame, new Rect(136, 60, 118, 84))) > 500, "the first face's bars");
        assertTrue(Core.countNonZero(gray(frame, new Rect(360, 166, 118, 84))) > 500, "the second's, below it");
        assertEquals(0, Core.countNonZero(gray(frame, new Rect(256, 60, 98, 84))), "none left of the second face");
        frame.release();
    }

    @Test
    void barsStayOffAnotherFacesLabel() {
        // Right of the upper face the bars (x 306..424, y 200..284) would miss the lower face's box
        // (from y 290) but cover its label, drawn above that box (about y 271..289).
        Mat frame = drawn(0, Face.box(200, 200, 100, 100, 0.9), Face.box(310, 290, 100, 100, 0.9));
        assertEquals(0, Core.countNonZero(gray(frame, new Rect(306, 200, 118, 60))), "nothing right of the upper face");
        assertTrue(Core.countNonZero(gray(frame, new Rect(76, 200, 118, 84))) > 500, "its bars are left of it");
        frame.release();
    }

    @Test
    void labelsOfFacesSideBySideStaggerAndEveryFaceKeepsItsBars() {
        // The first label (x 200..320) reaches over where the second face's would go (x 270..390).
        Mat frame = drawn(0, Face.box(200, 200, 60, 60, 0.9), Face.box(270, 200, 60, 60, 0.9));
        assertEquals(0, Core.countNonZero(gray(frame, new Rect(330, 185, 40, 12))),
                "the second label is not just above its face");
        assertTrue(Core.countNonZero(gray(frame, new Rect(330, 166, 40, 14))) > 100, "but one row higher");
        assertTrue(Core.countNonZero(gray(frame, new Rect(336, 200, 118, 84))) > 500, "its bars right of it");
        assertTrue(Core.countNonZero(gray(frame, new Rect(76, 200, 118, 84))) > 500, "the first's left of it");
        frame.release();
    }

    @Test
    void barsThatFitNowhereAreLeftOutRatherThanDrawnOverAnotherFace() {
        // The middle face is boxed in: faces left, right and below it.
        Mat frame = drawn(0, Face.box(260, 180, 100, 100, 0.9), Face.box(140, 180, 100, 100, 0.9),
                Face.box(380, 180, 100, 100, 0.9), Face.box(260, 300, 100, 100, 0.9));
        for (Rect inside : List.of(new Rect(145, 185, 90, 90), new Rect(385, 185, 90, 90), new Rect(265, 305, 90, 90),
                new Rect(265, 185, 90, 90))) {
            assertEquals(0, Core.countNonZero(gray(frame, inside)), "nothing drawn inside the face at " + inside);
        }
        frame.release();
    }

    @Test
    void aFaceFillingTheFrameGetsItsBarsOverItsOwnRightSide() {
        Mat frame = drawn(0, Face.box(60, 40, 520, 420, 0.9));
        assertTrue(Core.countNonZero(gray(frame, new Rect(522, 40, 118, 84))) > 500);
        frame.release();
    }

    @Test
    void aSmallFaceWithNoRoomForItsBarsKeepsItsFaceClear() {
        // In the bottom-right corner with a face to its left: no side has room; the bars (118 x 84) are
        // more than half the face's size (100 x 100), so they are not drawn over it.
        Mat frame = drawn(0, Face.box(540, 380, 100, 100, 0.9), Face.box(400, 380, 100, 100, 0.9));
        assertEquals(0, Core.countNonZero(gray(frame, new Rect(545, 385, 90, 90))), "nothing inside the corner face");
        frame.release();
    }

    @Test
    void theBarsSitOnADimmedPatchSoTheirNamesReadOnABrightBackground() {
        Mat frame = drawn(250, Face.box(200, 100, 100, 100, 0.9));
        // The chart starts 6 pixels right of the box (x 306, y 100); its patch reaches 2 pixels further.
        assertEquals(100.0, frame.get(101, 305)[0], 1.0, "the patch's margin is dimmed to 40 %");
        assertEquals(250.0, frame.get(101, 302)[0], 1e-9, "the frame beside the patch is not");
        assertEquals(250.0, frame.get(400, 600)[0], 1e-9, "nor the rest of the frame");
        frame.release();
    }

    @Test
    void aLabelAtTheFramesRightEdgeSlidesLeftIntoTheFrame() {
        // The label (about 110 pixels wide) would start at the box's left edge, x 610, and leave the frame.
        Mat frame = drawn(0, Face.box(610, 200, 28, 28, 0.9));
        Rect label = labelSize("#1 happy 40%");
        assertTrue(colourCount(frame, new Rect(640 - label.width, 0, label.width, 200), HAPPY)
                > 0.5 * label.width * label.height, "the whole label is inside the frame");
        frame.release();
    }

    @Test
    void inACrowdAtTheTopOfTheFrameNoLabelCoversAnEarlierOne() {
        // Two faces at the top edge, 10 pixels apart: no room above them, faces below them. Above the
        // first one, at its left edge, its label would reach over the second face and under the second
        // label; right-aligned with its face it covers nothing.
        Mat frame = new Mat(480, 640, CvType.CV_8UC3, Scalar.all(0));
        float[] angry = {0.9f, 0, 0, 0.1f, 0, 0, 0};
        float[] happy = {0.1f, 0, 0, 0.9f, 0, 0, 0};
        List<Face> faces = List.of(Face.box(150, 0, 40, 40, 0.9), Face.box(200, 0, 40, 40, 0.9),
                Face.box(150, 50, 40, 40, 0.9), Face.box(200, 50, 40, 40, 0.9));
        new Overlay(FER).drawAll(frame, List.of(1, 2, 3, 4), faces, List.of(angry, happy, happy, happy));
        Rect label = labelSize("#1 angry 90%");
        // Its top rows, above the text, are one unbroken run of its fill.
        assertTrue(longestRun(frame, 1, ANGRY) >= label.width - 1,
                "the first face's label is not hidden under the second's: " + longestRun(frame, 1, ANGRY));
        frame.release();
    }

    private static final Scalar ANGRY = new Scalar(40, 40, 220);
    private static final Scalar HAPPY = new Scalar(40, 200, 240);

    /** A label's size at video scale, as the overlay measures it. */
    private static Rect labelSize(String text) {
        var size = Imgproc.getTextSize(text, Imgproc.FONT_HERSHEY_SIMPLEX, 0.5, 1, new int[1]);
        return new Rect(0, 0, (int) Math.round(size.width + 4), (int) Math.round(size.height + 7));
    }

    /** Pixels of {@code region} exactly in {@code colour}: a label's fill (about two thirds of it; the rest is text). */
    private static int colourCount(Mat frame, Rect region, Scalar colour) {
        Mat mask = new Mat();
        Core.inRange(frame.submat(region), colour, colour, mask);
        int n = Core.countNonZero(mask);
        mask.release();
        return n;
    }

    /** The longest run of pixels in {@code colour} along row {@code y}. */
    private static int longestRun(Mat frame, int y, Scalar colour) {
        int longest = 0;
        int run = 0;
        for (int x = 0; x < frame.cols(); x++) {
            double[] p = frame.get(y, x);
            boolean same = p[0] == colour.val[0] && p[1] == colour.val[1] && p[2] == colour.val[2];
            run = same ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    private static Mat gray(Mat frame, Rect region) {
        Mat gray = new Mat();
        Imgproc.cvtColor(frame.submat(region), gray, Imgproc.COLOR_BGR2GRAY);
        return gray;
    }
}
