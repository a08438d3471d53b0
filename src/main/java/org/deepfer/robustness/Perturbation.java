package org.deepfer.robustness;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.image.Resize;
import org.deepfer.image.Transforms;

/**
 * The corruptions a deployed FER model meets (bad lighting, hands and glasses over the face, tilted
 * heads, soft focus, sensor noise, compression, low-resolution crops), each at three severities
 * chosen so that severity 3 is still a face a person labels without trouble.
 *
 * <p>Sizes scale with the image (the figures below are for 48x48 faces), so a 96 px table is
 * perturbed alike. Random parts (noise, the patch position) come from the caller's generator, which
 * the robustness job seeds per face, perturbation and severity, so a run is reproducible.
 */
public enum Perturbation {
    /** Darker exposure: minus 0.15, 0.30, 0.45 of the grey range. */
    BRIGHTNESS("lighting", "brightness", -0.15, -0.30, -0.45),
    /** Gamma 1.5, 2.0, 3.0: mid-tones crushed, as under-exposed webcams give. */
    GAMMA("lighting", "gamma", 1.5, 2.0, 3.0),
    /** Contrast factor 0.6, 0.4, 0.25 around mid-grey: haze, back-light. */
    CONTRAST("lighting", "contrast factor", 0.6, 0.4, 0.25),
    /** A black square at a random place, side 20, 30, 40 % of the face. */
    OCCLUSION_PATCH("occlusion", "side (share of width)", 0.2, 0.3, 0.4),
    /** A black band over the eyes (sunglasses), 12, 18, 24 % of the height, centred at 38 %. */
    OCCLUSION_EYES("occlusion", "band height (share)", 0.12, 0.18, 0.24),
    /** A black band over the mouth (mask, hand), 15, 22, 30 % of the height, centred at 78 %. */
    OCCLUSION_MOUTH("occlusion", "band height (share)", 0.15, 0.22, 0.30),
    /** In-plane rotation of 10, 20, 30 degrees. */
    ROTATION("geometry", "degrees", 10, 20, 30),
    /** Gaussian blur of sigma 0.75, 1.5, 2.25 px. */
    BLUR("signal", "sigma (px at 48)", 0.75, 1.5, 2.25),
    /** Additive Gaussian noise of std 8, 16, 32 grey levels. */
    NOISE("signal", "std (grey levels)", 8, 16, 32),
    /** JPEG re-compression at quality 40, 20, 8. */
    JPEG("signal", "quality", 40, 20, 8),
    /** Down-sampled to 1/2, 1/3, 1/4 of the size and back (a face far from the camera). */
    DOWNSCALE("geometry", "factor", 2, 3, 4);

    /** The number of severities of every perturbation. */
    public static final int SEVERITIES = 3;

    private static final double EYES_CENTRE = 0.38;
    private static final double MOUTH_CENTRE = 0.78;
    private static final double REFERENCE_SIZE = 48;

    private final String family;
    private final String parameter;
    private final double[] levels;

    Perturbation(String family, String parameter, double... levels) {
        this.family = family;
        this.parameter = parameter;
        this.levels = levels;
    }

    /** lighting | occlusion | geometry | signal: the panel of the robustness plot. */
    public String family() {
        return family;
    }

    /** What {@link #level} measures. */
    public String parameter() {
        return parameter;
    }

    /** The name used in tables: lower case, e.g. {@code occlusion_eyes}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The parameter value at {@code severity} (1..{@value #SEVERITIES}). */
    public double level(int severity) {
        if (severity < 1 || severity > SEVERITIES) {
            throw new IllegalArgumentException("severity is 1.." + SEVERITIES + ", got " + severity);
        }
        return levels[severity - 1];
    }

    public static Perturbation parse(String text) {
        for (Perturbation p : values()) {
            if (p.label().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown perturbation '" + text + "'; known: "
                + List.of(values()).stream().map(Perturbation::label).toList());
    }

    /** {@code face} perturbed at {@code severity}; random choices are drawn from {@code random}. */
    public FaceImage apply(FaceImage face, int severity, SplittableRandom random) {
        double v = level(severity);
        int w = face.width();
        int h = face.height();
        return switch (this) {
            case BRIGHTNESS -> Transforms.adjust(face, v, 1, 1);
            case GAMMA -> Transforms.adjust(face, 0, 1, v);
            case CONTRAST -> Transforms.adjust(face, 0, v, 1);
            case OCCLUSION_PATCH -> {
                int side = Math.max(1, (int) Math.round(v * w));
                yield Transforms.fill(face, random.nextInt(w - side + 1), random.nextInt(h - side + 1), side, side, 0);
            }
            case OCCLUSION_EYES -> band(face, EYES_CENTRE, v);
            case OCCLUSION_MOUTH -> band(face, MOUTH_CENTRE, v);
            case ROTATION -> Transforms.affine(face, random.nextBoolean() ? v : -v, 1, 0, 0, false);
            case BLUR -> Transforms.gaussianBlur(face, v * w / REFERENCE_SIZE);
            case NOISE -> Transforms.gaussianNoise(face, v, random);
            case JPEG -> ImageCodec.decode(ImageCodec.encodeJpeg(face, (float) (v / 100)));
            case DOWNSCALE -> Resize.downAndBack(face, v);
        };
    }

    private static FaceImage band(FaceImage face, double centre, double share) {
        int height = Math.max(1, (int) Math.round(share * face.height()));
        int top = (int) Math.round(centre * face.height() - height / 2.0);
        return Transforms.fill(face, 0, top, face.width(), height, 0);
    }
}
