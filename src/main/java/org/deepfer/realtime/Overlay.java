package org.deepfer.realtime;

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
 * beside it (inside the frame, on whichever side has room).
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

    /** Draws one face with its (smoothed) probabilities onto {@code frame} (BGR). */
    public void draw(Mat frame, int trackId, Face face, float[] probabilities) {
        int best = argmax(probabilities);
        Scalar colour = colour(best);
        Rect box = new Rect((int) Math.round(face.x()), (int) Math.round(face.y()), (int) Math.round(face.width()),
                (int) Math.round(face.height()));
        Imgproc.rectangle(frame, box, colour, 2);
        String label = String.format(Locale.ROOT, "#%d %s %.0f%%", trackId, classes.get(best), 100 * probabilities[best]);
        int[] baseline = new int[1];
        var size = Imgproc.getTextSize(label, FONT, 0.5, 1, baseline);
        int ty = Math.max((int) size.height + 4, box.y - 4);
        Imgproc.rectangle(frame, new Point(box.x, ty - size.height - 4), new Point(box.x + size.width + 4, ty + 3),
                colour, -1);
        Imgproc.putText(frame, label, new Point(box.x + 2, ty), FONT, 0.5, new Scalar(0, 0, 0), 1, Imgproc.LINE_AA);

        // Probability bars: right of the box when there is room, else left of it.
        int chartWidth = BAR_WIDTH + 58;
        int x0 = box.x + box.width + 6;
        if (x0 + chartWidth > frame.cols()) {
            x0 = Math.max(0, box.x - chartWidth - 6);
        }
        int y0 = Math.max(0, Math.min(box.y, frame.rows() - ROW * classes.size() - 2));
        for (int c = 0; c < classes.size() && c < probabilities.length; c++) {
            int y = y0 + c * ROW;
            String name = classes.get(c);
            Imgproc.putText(frame, name.length() > 8 ? name.substring(0, 8) : name, new Point(x0, y + ROW - 3), FONT,
                    0.33, new Scalar(255, 255, 255), 1, Imgproc.LINE_AA);
            int bx = x0 + 56;
            Imgproc.rectangle(frame, new Point(bx, y + 2), new Point(bx + BAR_WIDTH, y + ROW - 2),
                    new Scalar(60, 60, 60), -1);
            int len = (int) Math.round(BAR_WIDTH * Math.max(0, Math.min(1, probabilities[c])));
            if (len > 0) {
                Imgproc.rectangle(frame, new Point(bx, y + 2), new Point(bx + len, y + ROW - 2), colour(c), -1);
            }
        }
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
