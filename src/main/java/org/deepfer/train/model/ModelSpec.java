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
 */
public record ModelSpec(
        String name, int inputChannels, int inputSize, int classes, double dropout) {

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
    }

    /** The FER2013 setting: 48x48 gray faces, one output per label of {@link Labels}. */
    public static ModelSpec fer(String name, double dropout) {
        return new ModelSpec(name, 1, 48, Labels.count(), dropout);
    }

    /** The same architecture and input with a head for {@code otherClasses} classes. */
    public ModelSpec withClasses(int otherClasses) {
        return new ModelSpec(name, inputChannels, inputSize, otherClasses, dropout);
    }

    /** The same architecture with another input: {@code channels} x {@code size} x {@code size}. */
    public ModelSpec withInput(int channels, int size) {
        return new ModelSpec(name, channels, size, classes, dropout);
    }

    /** NCHW shape of a batch of {@code batchSize} inputs. */
    public Shape inputShape(long batchSize) {
        return new Shape(batchSize, inputChannels, inputSize, inputSize);
    }
}
