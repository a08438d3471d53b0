package org.deepfer.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.deepfer.detect.OpenCv;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * ONNX Runtime against DJL on real faces: the exported {@code model.onnx} of a model directory and
 * its DJL parameters run over labelled face images ({@code <folder>/<label>/<file>}, e.g. FER2013
 * validation); prints the largest probability difference, top-1 agreement and both accuracies.
 *
 * <p>Usage: {@code ParityBenchmark <model dir> <image folder> [faces=1000]} (every n-th file in name
 * order).
 */
public final class ParityBenchmark {
    private ParityBenchmark() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ParityBenchmark <model dir> <image folder> [faces=1000]");
            System.exit(2);
        }
        ModelBundle bundle = ModelBundle.load(Path.of(args[0]));
        Path folder = Path.of(args[1]);
        int wanted = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Path onnx = bundle.dir().resolve(ModelBundle.ONNX);
        OpenCv.load();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
        }
        int step = Math.max(1, files.size() / wanted);
        List<byte[]> faces = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int size = -1;
        for (int i = 0; i < files.size() && faces.size() < wanted; i += step) {
            Path f = files.get(i);
            Mat m = Imgcodecs.imread(f.toString(), Imgcodecs.IMREAD_GRAYSCALE);
            if (m.empty() || m.rows() != m.cols() || (size > 0 && m.rows() != size)) {
                throw new IllegalArgumentException("not a square gray face of the common size: " + f);
            }
            size = m.rows();
            byte[] pixels = new byte[size * size];
            m.get(0, 0, pixels);
            m.release();
            faces.add(pixels);
            labels.add(bundle.classNames().indexOf(f.getParent().getFileName().toString()));
        }
        float[][] ort;
        try (OnnxRunner runner = OnnxRunner.open(onnx, 0)) {
            ort = runner.probabilitiesOfGray(faces);
        }
        float[][] djl;
        try (FacePredictor predictor = new FacePredictor(bundle,
                new FacePredictor.Settings(FacePredictor.Tta.NONE, ExportedModel.temperatureOf(onnx), 128))) {
            djl = predictor.probabilities(faces, size);
        }
        OnnxParity.Result r = OnnxParity.compare(djl, ort);
        System.out.printf(Locale.ROOT, "%s: %d faces of %s: max |p_onnx - p_djl| %.3g, top-1 agreement %d/%d;"
                + " accuracy DJL %.4f, ONNX Runtime %.4f%n", bundle.modelId(), r.faces(), folder, r.maxAbsDiff(),
                r.top1Agreements(), r.faces(), accuracy(djl, labels), accuracy(ort, labels));
    }

    private static double accuracy(float[][] p, List<Integer> labels) {
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += FacePredictor.argmax(p[i]) == labels.get(i) ? 1 : 0;
        }
        return (double) right / p.length;
    }
}
