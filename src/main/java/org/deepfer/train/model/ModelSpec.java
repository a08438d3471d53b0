package org.deepfer.train.model;

import ai.djl.ndarray.types.Shape;

import org.deepfer.tables.Labels;

import java.util.Locale;

/**
 * What to build: an architecture name (see {@link Models#NAMES}), the input it will see and the
 * number of classes its head predicts.
 *
 * @param name architecture name, case-insensitive
 * @param inputChannels 1 for grayscale faces, 3 for RGB
 * @param inputSize side of the square input in pixels (48 for FER2013, 224 for ImageNet)
 * @param classes number of output classes (7 for FER2013)
 * @param dropout dropout rate in front of the classifier, in [0, 1)
 * @param width channel multiplier of the architectures that have one ({@link #WIDTH_MODELS});
 *     1.0 is the published width
 */
public record ModelSpec(
        String name, int inputChannels, int inputSize, int classes, double dropout, double width) {

    /** Architectures whose channel counts scale with {@link #width()}. */
    public static final java.util.List<String> WIDTH_MODELS = java.util.List.of("baseline", "vgg-fer", "resnet18", "resnet50");

    /** Smallest input every architecture can take: five stride-2 reductions leave 1x1. */
    public static final int MIN_INPUT_SIZE = 32;

    public ModelSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(
                    "model name must not be empty; known: " + Models.NAMES);
        }
        name = name.trim().toLowerCase(Locale.ROOT);
        if (inputChannels != 1 && inputChannels != 3) {
            throw new IllegalArgumentException(
                    "inputChannels must be 1 (gray) or 3 (RGB), got " + inputChannels);
        }
        if (inputSize < MIN_INPUT_SIZE) {
            throw new IllegalArgumentException(
                    "inputSize must be at least " + MIN_INPUT_SIZE + " pixels, got " + inputSize);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be at least 2, got " + classes);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(width > 0 && width <= 4)) {
            throw new IllegalArgumentException("width must be in (0, 4], got " + width);
        }
        if (width != 1.0 && !WIDTH_MODELS.contains(name)) {
            throw new IllegalArgumentException("width " + width + " is not supported by '" + name
                    + "'; only " + WIDTH_MODELS + " scale their channels");
        }
    }

    /** A model at its published width. */
    public ModelSpec(String name, int inputChannels, int inputSize, int classes, double dropout) {
        this(name, inputChannels, inputSize, classes, dropout, 1.0);
    }

    /** {@code published} channels scaled by {@link #width()}, rounded to a multiple of 8 (at least 8). */
    public int channels(int published) {
        return Math.max(8, (int) Math.round(published * width / 8.0) * 8);
    }

    /** The FER2013 setting: 48x48 gray faces, one output per label of {@link Labels}. */
    public static ModelSpec fer(String name, double dropout) {
        return new ModelSpec(name, 1, 48, Labels.count(), dropout);
    }

    /** The same architecture and input with a head for {@code otherClasses} classes. */
    public ModelSpec withClasses(int otherClasses) {
        return new ModelSpec(name, inputChannels, inputSize, otherClasses, dropout, width);
    }

    /** The same architecture with another input: {@code channels} x {@code size} x {@code size}. */
    public ModelSpec withInput(int channels, int size) {
        return new ModelSpec(name, channels, size, classes, dropout, width);
    }

    /** NCHW shape of a batch of {@code batchSize} inputs. */
    public Shape inputShape(long batchSize) {
        return new Shape(batchSize, inputChannels, inputSize, inputSize);
    }
}
