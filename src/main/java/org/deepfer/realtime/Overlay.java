package org.deepfer.realtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepfer.detect.Face;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/**
 * Draws each tracked face on the frame: its box in the colour of its predicted expression, the
 * label with confidence and track id above it, and a small bar chart of all class probabilities
 * beside it (inside the frame, clear of the other faces and their charts where it fits), all drawn
 * larger on large frames.
 */
public final class Overlay {
    /** BGR colours per class, in FER2013 order (angry, disgust, fear, happy, sad, surprise, neutral). */
    private static final Scalar[] COLOURS = {
        new Scalar(40, 40, 220), new Scalar(40, 140, 40), new Scalar(160, 60, 160), new Scalar(40, 200, 240),
        new Scalar(200, 120, 40), new Scalar(40, 160, 255), new Scalar(180, 180, 180)
    };
    private static final int FONT = Imgproc.FONT_HERSHEY_SIMPLEX;
    private static final int BAR_WIDTH = 60;
    private static final int ROW = 12;

    private final List<String> classes;

    public Overlay(List<String> classes) {
        this.classes = List.copyOf(classes);
    }

    static Scalar colour(int c) {
        return COLOURS[c % COLOURS.length];
    }

    /**
     * How much larger than at video size the overlay is drawn on {@code frame}: 1 up to a 540-pixel
     * short side, then in proportion, so labels stay readable on large photos.
     */
    static double scale(Mat frame) {
        return Math.max(1.0, Math.min(frame.cols(), frame.rows()) / 540.0);
    }

    /**
     * Draws every face of a frame (BGR) with its (smoothed) probabilities. Each face's bars go right of
     * it, else left, else below: on the first side that stays in the frame and covers no other face and
     * no bars drawn before; where none does, right when there is room, else left.
     */
    public void drawAll(Mat frame, List<Integer> trackIds, List<Face> faces, List<float[]> probabilities) {
        List<Rect> boxes = faces.stream().map(Overlay::rect).toList();
        List<Rect> taken = new ArrayList<>();
        for (int i = 0; i < faces.size(); i++) {
            List<Rect> avoid = new ArrayList<>(taken);
            for (int j = 0; j < boxes.size(); j++) {
                if (j != i) {
                    avoid.add(boxes.get(j));
                }
            }
            taken.add(draw(frame, trackIds.get(i), boxes.get(i), probabilities.get(i), avoid));
        }
    }

    private static Rect rect(Face face) {
        return new Rect((int) Math.round(face.x()), (int) Math.round(face.y()), (int) Math.round(face.width()),
                (int) Math.round(face.height()));
    }

    /** Draws one face; returns where its bars went. */
    private Rect draw(Mat frame, int trackId, Rect box, float[] probabilities, List<Rect> avoid) {
        double k = scale(frame);
        int line = (int) Math.round(2 * k);
        int text = Math.max(1, (int) Math.round(k));
        int row = (int) Math.round(ROW * k);
        int best = argmax(probabilities);
        Scalar colour = colour(best);
        Imgproc.rectangle(frame, box, colour, line);
        String label = String.format(Locale.ROOT, "#%d %s %.0f%%", trackId, classes.get(best), 100 * probabilities[best]);
        int[] baseline = new int[1];
        var size = Imgproc.getTextSize(label, FONT, 0.5 * k, text, baseline);
        int pad = (int) Math.round(4 * k);
        int ty = Math.max((int) size.height + pad, box.y - pad);
        Imgproc.rectangle(frame, new Point(box.x, ty - size.height - pad), new Point(box.x + size.width + pad,
                ty + 0.75 * pad), colour, -1);
        Imgproc.putText(frame, label, new Point(box.x + pad / 2.0, ty), FONT, 0.5 * k, new Scalar(0, 0, 0), text,
                Imgproc.LINE_AA);

        int names = (int) Math.round(56 * k);
        int bar = (int) Math.round(BAR_WIDTH * k);
        Rect chart = chartPlace(frame, box, names + bar + (int) Math.round(2 * k), row * classes.size(),
                (int) Math.round(6 * k), avoid);
        int x0 = chart.x;
        int y0 = chart.y;
        int inset = (int) Math.round(2 * k);
        for (int c = 0; c < classes.size() && c < probabilities.length; c++) {
            int y = y0 + c * row;
            String name = classes.get(c);
            Imgproc.putText(frame, name.length() > 8 ? name.substring(0, 8) : name,
                    new Point(x0, y + row - 3 * k), FONT, 0.33 * k, new Scalar(255, 255, 255), text, Imgproc.LINE_AA);
            int bx = x0 + names;
            Imgproc.rectangle(frame, new Point(bx, y + inset), new Point(bx + bar, y + row - inset),
                    new Scalar(60, 60, 60), -1);
            int len = (int) Math.round(bar * Math.max(0, Math.min(1, probabilities[c])));
            if (len > 0) {
                Imgproc.rectangle(frame, new Point(bx, y + inset), new Point(bx + len, y + row - inset), colour(c), -1);
            }
        }
        return chart;
    }

    /** Where the probability chart ({@code width} x {@code height}) of {@code box} goes. */
    private static Rect chartPlace(Mat frame, Rect box, int width, int height, int gap, List<Rect> avoid) {
        int top = Math.max(0, Math.min(box.y, frame.rows() - height - 2));
        Rect[] sides = {
            new Rect(box.x + box.width + gap, top, width, height),
            new Rect(box.x - width - gap, top, width, height),
            new Rect(box.x, box.y + box.height + gap, width, height),
        };
        for (Rect side : sides) {
            boolean inside = side.x >= 0 && side.y >= 0 && side.x + side.width <= frame.cols()
                    && side.y + side.height <= frame.rows();
            if (inside && avoid.stream().noneMatch(r -> overlaps(side, r))) {
                return side;
            }
        }
        int right = box.x + box.width + gap;
        return new Rect(right + width > frame.cols() ? Math.max(0, box.x - width - gap) : right, top, width, height);
    }

    private static boolean overlaps(Rect a, Rect b) {
        return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
