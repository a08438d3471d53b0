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
 * label with confidence and track id above it (staggered or below where that is taken), and a bar
 * chart of all class probabilities on a dimmed patch beside it, inside the frame and clear of the
 * other faces, the labels and the other charts (left out where it fits nowhere: crowds), all drawn
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
     * Draws every face of a frame (BGR) with its (smoothed) probabilities. A face's label goes above
     * it, or higher up or below it where above it would cover another face or an earlier label,
     * slid left where it would leave the frame ({@link #label}). Its bars go right of it, else left,
     * else below: on the first side that stays in the frame and covers no other face, no label and no
     * bars drawn before. Where no side does, they go over the face's own right side if the face is
     * at least twice their size (a close-up) and they cover nothing else there, and are left out
     * otherwise (the label still names the class). Boxes are drawn first, then bars, then labels, so
     * no box line or chart ever hides a label.
     */
    public void drawAll(Mat frame, List<Integer> trackIds, List<Face> faces, List<float[]> probabilities) {
        List<Rect> boxes = faces.stream().map(Overlay::rect).toList();
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < faces.size(); i++) {
            labels.add(label(frame, trackIds.get(i), boxes.get(i), probabilities.get(i), others(boxes, i),
                    labels.stream().map(Label::area).toList()));
        }
        List<Scalar> colours = probabilities.stream().map(p -> colour(argmax(p))).toList();
        double k = scale(frame);
        for (int i = 0; i < faces.size(); i++) {
            Imgproc.rectangle(frame, boxes.get(i), colours.get(i), (int) Math.round(2 * k));
        }
        List<Rect> taken = new ArrayList<>();
        for (int i = 0; i < faces.size(); i++) {
            List<Rect> avoid = others(boxes, i);
            avoid.addAll(taken);
            labels.forEach(l -> avoid.add(l.area()));
            Rect chart = bars(frame, boxes.get(i), probabilities.get(i), avoid);
            if (chart != null) {
                taken.add(chart);
            }
        }
        for (int i = 0; i < faces.size(); i++) {
            Label l = labels.get(i);
            Imgproc.rectangle(frame, l.area(), colours.get(i), -1);
            Imgproc.putText(frame, l.text(), l.origin(), FONT, 0.5 * k, new Scalar(0, 0, 0), textThickness(k),
                    Imgproc.LINE_AA);
        }
    }

    /** Every box but the {@code i}th, in a list to add to. */
    private static List<Rect> others(List<Rect> boxes, int i) {
        List<Rect> others = new ArrayList<>(boxes);
        others.remove(i);
        return others;
    }

    /** A face's label: its text, where its filled background goes, and where the text starts. */
    private record Label(String text, Rect area, Point origin) {}

    /**
     * The label of {@code box}: the first place, of above it, one or two label heights higher (labels
     * of faces side by side stagger) and below it, each at the box's left edge and then at its right,
     * slid into the frame, that covers none of {@code faces} (the other faces) and {@code labels} (the
     * earlier ones). Where every place covers something (a crowd), the one hiding the least of the
     * earlier labels, then of the faces: a label may cover a face, but hides another label only where
     * nothing else can be done.
     */
    private Label label(Mat frame, int trackId, Rect box, float[] probabilities, List<Rect> faces, List<Rect> labels) {
        double k = scale(frame);
        int best = argmax(probabilities);
        String text = String.format(Locale.ROOT, "#%d %s %.0f%%", trackId, classes.get(best), 100 * probabilities[best]);
        var size = Imgproc.getTextSize(text, FONT, 0.5 * k, textThickness(k), new int[1]);
        int pad = (int) Math.round(4 * k);
        int width = (int) Math.round(size.width + pad);
        int height = (int) Math.round(size.height + 1.75 * pad);
        int above = Math.max(0, box.y - height);
        int[] tops = {above, above - height, above - 2 * height, box.y + box.height + (int) Math.round(k)};
        int[] lefts = {box.x, box.x + box.width - width};
        Rect area = null;
        long[] leastHidden = null;
        for (int top : tops) {
            if (top < 0 || top + height > frame.rows()) {
                continue;
            }
            for (int left : lefts) {
                Rect place = new Rect(Math.max(0, Math.min(left, frame.cols() - width)), top, width, height);
                long[] hidden = {coveredArea(place, labels), coveredArea(place, faces)};
                if (hidden[0] == 0 && hidden[1] == 0) {
                    return label(text, place, size.height, pad);
                }
                if (leastHidden == null || hidden[0] < leastHidden[0]
                        || (hidden[0] == leastHidden[0] && hidden[1] < leastHidden[1])) {
                    area = place;
                    leastHidden = hidden;
                }
            }
        }
        if (area == null) { // a frame lower than one label: at its top
            area = new Rect(Math.max(0, Math.min(box.x, frame.cols() - width)), 0, width, height);
        }
        return label(text, area, size.height, pad);
    }

    private static Label label(String text, Rect area, double textHeight, int pad) {
        return new Label(text, area, new Point(area.x + pad / 2.0, area.y + textHeight + pad));
    }

    /** The pixels of {@code r} that {@code others} cover, counted once per other rectangle. */
    private static long coveredArea(Rect r, List<Rect> others) {
        long area = 0;
        for (Rect o : others) {
            long w = Math.min(r.x + r.width, o.x + o.width) - (long) Math.max(r.x, o.x);
            long h = Math.min(r.y + r.height, o.y + o.height) - (long) Math.max(r.y, o.y);
            if (w > 0 && h > 0) {
                area += w * h;
            }
        }
        return area;
    }

    private static int textThickness(double k) {
        return Math.max(1, (int) Math.round(k));
    }

    private static Rect rect(Face face) {
        return new Rect((int) Math.round(face.x()), (int) Math.round(face.y()), (int) Math.round(face.width()),
                (int) Math.round(face.height()));
    }

    /** Draws the bar chart of one face; returns where it went, or null where it was left out. */
    private Rect bars(Mat frame, Rect box, float[] probabilities, List<Rect> avoid) {
        double k = scale(frame);
        int text = textThickness(k);
        int row = (int) Math.round(ROW * k);
        int names = (int) Math.round(56 * k);
        int bar = (int) Math.round(BAR_WIDTH * k);
        Rect chart = chartPlace(frame, box, names + bar + (int) Math.round(2 * k), row * classes.size(),
                (int) Math.round(6 * k), avoid);
        if (chart == null) {
            return null;
        }
        int x0 = chart.x;
        int y0 = chart.y;
        int inset = (int) Math.round(2 * k);
        darken(frame, new Rect(x0 - inset, y0 - inset, chart.width + 2 * inset, chart.height + 2 * inset));
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

    /** Dims {@code area} (clipped to the frame) to 40 % so white class names stay legible on any background. */
    private static void darken(Mat frame, Rect area) {
        int x = Math.max(0, area.x);
        int y = Math.max(0, area.y);
        int w = Math.min(frame.cols(), area.x + area.width) - x;
        int h = Math.min(frame.rows(), area.y + area.height) - y;
        if (w > 0 && h > 0) {
            Mat region = frame.submat(new Rect(x, y, w, h));
            region.convertTo(region, -1, 0.4, 0);
            region.release();
        }
    }

    /**
     * Where the probability chart ({@code width} x {@code height}) of {@code box} goes; null where
     * it would cover one of {@code avoid} wherever it went.
     */
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
            if (inside && !coversAny(side, avoid)) {
                return side;
            }
        }
        // A face that fills the frame (a webcam close-up) gets its bars over its own right side, if
        // they hide no more than a quarter of it; a smaller face keeps its face visible, bars left out.
        if (2 * width > box.width || 2 * height > box.height) {
            return null;
        }
        Rect over = new Rect(Math.max(0, Math.min(box.x + box.width + gap, frame.cols() - width)), top, width, height);
        return coversAny(over, avoid) ? null : over;
    }

    private static boolean coversAny(Rect r, List<Rect> others) {
        return coveredArea(r, others) > 0;
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
