package org.deepfer.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What every detector does to its raw boxes: drop the small ones, suppress overlaps, sort. */
final class Detections {
    private Detections() {}

    /**
     * {@code faces} with boxes narrower or lower than {@code minSize} left out, then greedy
     * non-maximum suppression: strongest first, each face dropped when it overlaps a kept one by
     * more than {@code maxIou}.
     */
    static List<Face> clean(List<Face> faces, int minSize, double maxIou) {
        List<Face> sorted = new ArrayList<>();
        for (Face f : faces) {
            if (f.width() >= minSize && f.height() >= minSize) {
                sorted.add(f);
            }
        }
        sorted.sort(Comparator.comparingDouble(Face::score).reversed());
        List<Face> kept = new ArrayList<>();
        for (Face f : sorted) {
            boolean overlaps = false;
            for (Face k : kept) {
                if (f.iou(k) > maxIou) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) {
                kept.add(f);
            }
        }
        return kept;
    }
}
