package org.deepfer.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.deepfer.detect.OpenCv;
import org.deepfer.image.FaceImage;
import org.deepfer.image.Resize;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Face crops stored as image files, one folder per class as FER2013's {@code train/} and {@code
 * validation/} are laid out: read as gray with OpenCV and brought to the side a model takes as
 * training does ({@link Resize#to}), each with the name of the folder it lies in.
 */
public final class FaceFolder {
    /**
     * One face.
     *
     * @param file the image file
     * @param label the name of its folder (the class, in FER2013's layout)
     * @param pixels {@code size x size} gray values, row-major
     */
    public record Face(Path file, String label, byte[] pixels) {}

    private FaceFolder() {}

    /** The image files under {@code folder} (any depth: .jpg, .jpeg, .png, .bmp), in path order. */
    public static List<Path> imageFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("image folder " + folder + " does not exist");
        }
        try (Stream<Path> files = Files.walk(folder)) {
            List<Path> images = files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString()
                    .toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|bmp)$")).sorted().toList();
            if (images.isEmpty()) {
                throw new IllegalArgumentException("no .jpg, .png or .bmp images under " + folder);
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list images under " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Every image under {@code folder} as a {@code size x size} gray face. */
    public static List<Face> read(Path folder, int size) {
        return read(imageFiles(folder), size);
    }

    /**
     * {@code files} as {@code size x size} gray faces, in the order given.
     *
     * @throws IllegalArgumentException naming a file OpenCV cannot read
     */
    public static List<Face> read(List<Path> files, int size) {
        OpenCv.load();
        List<Face> faces = new ArrayList<>(files.size());
        for (Path file : files) {
            Mat image = Imgcodecs.imread(file.toString(), Imgcodecs.IMREAD_GRAYSCALE);
            try {
                if (image.empty()) {
                    throw new IllegalArgumentException("OpenCV cannot read " + file + " as an image");
                }
                byte[] pixels = new byte[image.rows() * image.cols()];
                image.get(0, 0, pixels);
                FaceImage face = Resize.to(FaceImage.gray(image.cols(), image.rows(), pixels), size, size);
                String label = file.getParent() == null ? "" : file.getParent().getFileName().toString();
                faces.add(new Face(file, label, face.pixels()));
            } finally {
                image.release();
            }
        }
        return faces;
    }
}
