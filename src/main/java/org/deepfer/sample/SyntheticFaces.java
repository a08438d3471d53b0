package org.deepfer.sample;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.QuadCurve2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;

/**
 * Draws procedural grayscale faces whose brows, eyes and mouth follow one of FER2013's seven
 * expressions, so that the pipeline can be exercised end to end without downloading FER2013.
 *
 * <p>Everything random comes from the caller's {@link SplittableRandom}: the same seed draws the
 * same pixels. Shapes are laid out on a 48-unit canvas and scaled to the requested size.
 */
public final class SyntheticFaces {
    /** Expressions in FER2013's label order (index = emotion code). */
    public static final int ANGRY = 0;
    public static final int DISGUST = 1;
    public static final int FEAR = 2;
    public static final int HAPPY = 3;
    public static final int SAD = 4;
    public static final int SURPRISE = 5;
    public static final int NEUTRAL = 6;
    public static final int EXPRESSION_COUNT = 7;

    private static final double CANVAS = 48.0;
    private static final double CENTRE = CANVAS / 2;
    /** Face and background must differ this much, or the face dissolves into the background. */
    private static final int MIN_FACE_CONTRAST = 45;

    private SyntheticFaces() {}

    /** One {@code size}x{@code size} gray face showing {@code expression} (0..6, FER2013 order). */
    public static FaceImage draw(int expression, int size, SplittableRandom random) {
        if (expression < 0 || expression >= EXPRESSION_COUNT) {
            throw new IllegalArgumentException(
                    "expression must be 0.." + (EXPRESSION_COUNT - 1) + ", got " + expression);
        }
        if (size < 8) {
            throw new IllegalArgumentException("face size must be at least 8 pixels, got " + size);
        }
        BufferedImage canvas = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.scale(size / CANVAS, size / CANVAS);
            new FaceSketch(expression, random).paint(g);
        } finally {
            g.dispose();
        }
        // Drawn in RGB and converted: Java2D treats TYPE_BYTE_GRAY as linear gray and would
        // distort the shades picked below.
        FaceImage face = ImageCodec.fromBufferedImage(canvas).toGray();
        return withSensorNoise(face, 1.5 + 3.0 * random.nextDouble(), random);
    }

    private static FaceImage withSensorNoise(FaceImage face, double std, SplittableRandom random) {
        byte[] in = face.pixels();
        byte[] out = new byte[in.length];
        // Box-Muller yields two independent normal draws per pair of uniforms; use both.
        for (int i = 0; i < in.length; i += 2) {
            double radius = std * Math.sqrt(-2 * Math.log(1.0 - random.nextDouble()));
            double angle = 2 * Math.PI * random.nextDouble();
            out[i] = (byte) clamp((int) Math.round((in[i] & 0xFF) + radius * Math.cos(angle)));
            if (i + 1 < in.length) {
                out[i + 1] = (byte) clamp((int) Math.round((in[i + 1] & 0xFF) + radius * Math.sin(angle)));
            }
        }
        return FaceImage.gray(face.width(), face.height(), out);
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }

    private static Color gray(double value) {
        int v = clamp((int) Math.round(value));
        return new Color(v, v, v);
    }

    /**
     * All random choices for one face, drawn in a fixed order so a seed reproduces the face, then
     * painted layer by layer: background, hair, face, brows, eyes, nose, mouth.
     */
    private static final class FaceSketch {
        private final int expression;
        private final SplittableRandom random;
        private final int background;
        private final int skin;
        private final int feature;
        private final double lightAngle;
        private final double lightStrength;

        FaceSketch(int expression, SplittableRandom random) {
            this.expression = expression;
            this.random = random;
            this.skin = 70 + random.nextInt(151);
            int candidate;
            do {
                candidate = random.nextInt(256);
            } while (Math.abs(candidate - skin) < MIN_FACE_CONTRAST);
            this.background = candidate;
            this.feature = Math.max(0, skin - 60 - random.nextInt(60));
            this.lightAngle = random.nextDouble() * 2 * Math.PI;
            this.lightStrength = random.nextDouble() * 70;
        }

        void paint(Graphics2D g) {
            g.setPaint(lit(background, 0, 0, CANVAS));
            g.fill(new Rectangle2D.Double(0, 0, CANVAS, CANVAS));

            // Pose: the whole face turns, shifts and scales around the canvas centre.
            g.translate(CENTRE + uniform(-3, 3), CENTRE + uniform(-3, 3));
            g.rotate(Math.toRadians(uniform(-15, 15)));
            double scale = uniform(0.85, 1.1);
            g.scale(scale, scale);
            g.translate(-CENTRE, -CENTRE);

            double faceWidth = uniform(29, 35);
            double faceHeight = uniform(37, 43);
            if (random.nextDouble() < 0.6) {
                int hair = clamp(skin - 50 - random.nextInt(100));
                g.setPaint(lit(hair, CENTRE - faceWidth / 2, 4, faceHeight));
                double hairWidth = faceWidth + uniform(1, 6);
                g.fill(new Ellipse2D.Double(
                        CENTRE - hairWidth / 2, CENTRE - faceHeight / 2 - uniform(1, 4), hairWidth, faceHeight * 0.7));
            }
            g.setPaint(lit(skin, CENTRE - faceWidth / 2, CENTRE - faceHeight / 2, faceHeight));
            g.fill(new Ellipse2D.Double(CENTRE - faceWidth / 2, CENTRE - faceHeight / 2 + 1, faceWidth, faceHeight));

            g.setColor(gray(feature));
            paintBrows(g);
            paintEyes(g);
            g.setColor(gray(feature));
            paintNose(g);
            paintMouth(g);
        }

        /** A gradient in the face's light direction: {@code shade} darker on one side, brighter on the other. */
        private GradientPaint lit(int shade, double x, double y, double extent) {
            double dx = Math.cos(lightAngle) * extent / 2;
            double dy = Math.sin(lightAngle) * extent / 2;
            double cx = x + extent / 2;
            double cy = y + extent / 2;
            return new GradientPaint(
                    (float) (cx - dx), (float) (cy - dy), gray(shade - lightStrength / 2),
                    (float) (cx + dx), (float) (cy + dy), gray(shade + lightStrength / 2));
        }

        private void paintBrows(Graphics2D g) {
            // Heights of the inner and outer brow ends (smaller y = higher on the face).
            double inner;
            double outer;
            switch (expression) {
                case ANGRY -> {
                    inner = 17;
                    outer = 13.5;
                }
                case DISGUST -> {
                    inner = 16.5;
                    outer = 15.5;
                }
                case FEAR -> {
                    inner = 11.5;
                    outer = 12.5;
                }
                case SAD -> {
                    inner = 12.5;
                    outer = 16;
                }
                case SURPRISE -> {
                    inner = 10.5;
                    outer = 10.5;
                }
                default -> {
                    inner = 14.5;
                    outer = 14.5;
                }
            }
            g.setStroke(new BasicStroke((float) uniform(1.4, 2.0), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int side = -1; side <= 1; side += 2) {
                // Disgust pulls one brow lower than the other.
                double tilt = expression == DISGUST && side > 0 ? 1.2 : 0;
                double innerX = CENTRE + side * uniform(2.5, 3.5);
                double outerX = CENTRE + side * uniform(9.5, 11);
                double arch = expression == SURPRISE || expression == HAPPY ? -1.5 : 0;
                g.draw(new QuadCurve2D.Double(
                        innerX, inner + tilt + jitter(),
                        (innerX + outerX) / 2, (inner + outer) / 2 + arch + tilt + jitter(),
                        outerX, outer + tilt + jitter()));
            }
        }

        private void paintEyes(Graphics2D g) {
            double height = switch (expression) {
                case DISGUST -> 1.1;
                case FEAR -> 4.2;
                case SURPRISE -> 4.8;
                case HAPPY -> 1.8;
                case ANGRY -> 2.0;
                default -> 2.6;
            };
            boolean wide = expression == FEAR || expression == SURPRISE;
            double eyeY = 19.5 + jitter();
            for (int side = -1; side <= 1; side += 2) {
                double width = uniform(4.5, 5.8);
                double h = height * uniform(0.85, 1.15);
                double cx = CENTRE + side * uniform(6.3, 7.5);
                if (wide) {
                    // Visible whites around the iris read as "eyes wide open".
                    g.setColor(gray(Math.min(255, skin + 60)));
                    g.fill(new Ellipse2D.Double(cx - width / 2, eyeY - h / 2, width, h));
                    g.setColor(gray(feature - 20));
                    g.fill(new Ellipse2D.Double(cx - 1.3, eyeY - 1.3, 2.6, 2.6));
                } else {
                    g.setColor(gray(feature - 10));
                    g.fill(new Ellipse2D.Double(cx - width / 2, eyeY - h / 2, width, h));
                }
            }
        }

        private void paintNose(Graphics2D g) {
            g.setStroke(new BasicStroke(1.1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double tipY = uniform(27, 29);
            double x = CENTRE + jitter();
            g.draw(new QuadCurve2D.Double(x - 0.5, 21.5, x + 1.5, tipY - 2, x, tipY));
            g.draw(new QuadCurve2D.Double(x - 2.5, tipY, x, tipY + 1.5, x + 2.5, tipY));
            if (expression == DISGUST) {
                // Wrinkles across the bridge of the nose.
                for (int i = 0; i < 2; i++) {
                    double y = 22.5 + 1.6 * i + jitter() / 2;
                    g.draw(new Line2D.Double(x - 1.8, y, x + 1.8, y - 0.4));
                }
            }
        }

        private void paintMouth(Graphics2D g) {
            double y = uniform(34, 36);
            double halfWidth = uniform(5, 6.5);
            g.setStroke(new BasicStroke((float) uniform(1.4, 2.0), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            switch (expression) {
                case ANGRY -> {
                    // Tight, short, slightly pressed down at the corners.
                    double w = halfWidth * 0.7;
                    g.draw(new QuadCurve2D.Double(CENTRE - w, y + 0.8, CENTRE, y - 0.6, CENTRE + w, y + 0.8));
                }
                case DISGUST -> {
                    // Upper lip raised on one side only.
                    Path2D.Double lip = new Path2D.Double();
                    lip.moveTo(CENTRE - halfWidth, y + 1);
                    lip.quadTo(CENTRE - 1, y + 0.5, CENTRE + 1.5, y - 1.5);
                    lip.quadTo(CENTRE + halfWidth * 0.7, y - 2.5, CENTRE + halfWidth, y - 0.5);
                    lip.quadTo(CENTRE + 1, y + 1.5, CENTRE - halfWidth, y + 1);
                    g.fill(lip);
                    g.draw(lip);
                }
                case FEAR -> {
                    // Open and stretched sideways.
                    double w = halfWidth * 1.25;
                    g.fill(new Ellipse2D.Double(CENTRE - w, y - 2, 2 * w, uniform(3.5, 5)));
                }
                case HAPPY -> paintSmile(g, y, halfWidth);
                case SAD -> g.draw(new QuadCurve2D.Double(
                        CENTRE - halfWidth, y + 2, CENTRE, y - 3 + jitter(), CENTRE + halfWidth, y + 2));
                case SURPRISE -> {
                    double w = uniform(2.5, 3.5);
                    double h = uniform(4, 5.5);
                    g.fill(new Ellipse2D.Double(CENTRE - w, y - h / 2, 2 * w, h));
                }
                default -> g.draw(new Line2D.Double(
                        CENTRE - halfWidth, y + jitter() / 3, CENTRE + halfWidth, y + jitter() / 3));
            }
        }

        private void paintSmile(Graphics2D g, double y, double halfWidth) {
            double depth = uniform(3.5, 5.5);
            Path2D.Double mouth = new Path2D.Double();
            mouth.moveTo(CENTRE - halfWidth, y - 1.5);
            mouth.quadTo(CENTRE, y + 0.5, CENTRE + halfWidth, y - 1.5);
            mouth.quadTo(CENTRE, y + 2 * depth, CENTRE - halfWidth, y - 1.5);
            mouth.closePath();
            g.fill(mouth);
            if (random.nextBoolean()) {
                // Teeth: a light band under the upper lip.
                Shape saved = g.getClip();
                g.clip(mouth);
                g.setColor(gray(Math.min(255, skin + 50)));
                g.fill(new Rectangle2D.Double(CENTRE - halfWidth, y - 1.5, 2 * halfWidth, 2.2));
                g.setClip(saved);
                g.setColor(gray(feature));
            }
        }

        private double uniform(double low, double high) {
            return low + (high - low) * random.nextDouble();
        }

        private double jitter() {
            return uniform(-0.7, 0.7);
        }
    }
}
