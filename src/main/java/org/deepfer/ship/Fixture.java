package org.deepfer.ship;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.deepfer.export.ExportedModel;
import org.deepfer.export.OnnxParity;
import org.deepfer.export.OnnxRunner;
import org.deepfer.export.OnnxSidecar;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.run.Reports;
import org.deepfer.sample.SyntheticFaces;

/**
 * What a shipped model predicts for a few fixed faces, recorded when it was shipped: the faces as
 * PNG files under {@code fixture/} (procedural faces, {@link SyntheticFaces}: no dataset image is
 * copied into the repository) and, in {@code fixture.json}, the probabilities DJL and ONNX Runtime
 * gave each. {@link #check} runs the model again and compares.
 *
 * @param temperature the softmax temperature both engines used (the ONNX file's)
 * @param faces one entry per face
 */
public record Fixture(double temperature, List<Face> faces) {
    public static final String FILE = "fixture.json";
    public static final String DIR = "fixture";
    /** The largest difference of a class probability accepted, between engines and against the record. */
    public static final double TOLERANCE = 1e-4;
    static final int FACES = 14;
    static final long SEED = 20261201L;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Fixture {
        faces = List.copyOf(faces);
    }

    /**
     * One face and what the model made of it.
     *
     * @param file its PNG, relative to the model directory
     * @param drawn the expression the generator drew (not a label the model is expected to give)
     * @param djl DJL's class probabilities
     * @param onnx ONNX Runtime's, on {@code model.onnx}
     * @param top1 the most probable class
     */
    public record Face(String file, String drawn, float[] djl, float[] onnx, String top1) {}

    /**
     * Draws the fixture faces into the model directory's {@code fixture/}, runs both engines on
     * them and records the result in its {@code fixture.json}.
     *
     * @throws IllegalStateException when the engines disagree beyond {@link #TOLERANCE}
     */
    static Fixture record(ModelBundle bundle) {
        Path modelDir = bundle.dir();
        OnnxSidecar sidecar = Reports.readJson(ExportedModel.sidecarFile(modelDir.resolve(ModelBundle.ONNX)),
                OnnxSidecar.class);
        int size = Math.toIntExact(sidecar.input().shape().get(2));
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> files = new ArrayList<>();
        List<String> drawn = new ArrayList<>();
        try {
            Files.createDirectories(modelDir.resolve(DIR));
            for (int i = 0; i < FACES; i++) {
                int expression = i % SyntheticFaces.EXPRESSION_COUNT;
                FaceImage face = SyntheticFaces.draw(expression, size, random).toGray();
                String file = String.format(Locale.ROOT, "%s/%02d-%s.png", DIR, i, bundle.classNames().get(expression));
                Files.write(modelDir.resolve(file), ImageCodec.encodePng(face));
                files.add(file);
                drawn.add(bundle.classNames().get(expression));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fixture faces under " + modelDir.resolve(DIR), e);
        }
        Run r = run(bundle, sidecar.temperature(), files);
        if (r.maxEngineDiff() > TOLERANCE || r.topMismatches() > 0) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: DJL and ONNX Runtime differ by up to %.3g"
                    + " on the fixture faces (tolerance %.0g), top-1 on %d; re-export the model", modelDir,
                    r.maxEngineDiff(), TOLERANCE, r.topMismatches()));
        }
        List<Face> faces = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            faces.add(new Face(files.get(i), drawn.get(i), r.djl()[i], r.onnx()[i],
                    bundle.classNames().get(FacePredictor.argmax(r.djl()[i]))));
        }
        Fixture fixture = new Fixture(sidecar.temperature(), faces);
        try {
            JSON.writeValue(modelDir.resolve(FILE).toFile(), fixture);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + modelDir.resolve(FILE), e);
        }
        return fixture;
    }

    /** The fixture recorded in {@code modelDir}. */
    public static Fixture read(Path modelDir) {
        return Reports.readJson(modelDir.resolve(FILE), Fixture.class);
    }

    /**
     * How the model in {@code modelDir} does on its recorded fixture now.
     *
     * @param maxDjlDiff the largest |p - recorded p| of DJL over faces and classes
     * @param maxOnnxDiff the same for ONNX Runtime
     * @param maxEngineDiff the largest |p_djl - p_onnx|
     * @param top1Changed faces whose most probable class (by either engine) is not the recorded one
     */
    public record Check(int faces, double maxDjlDiff, double maxOnnxDiff, double maxEngineDiff, int top1Changed) {
        public boolean passed() {
            return maxDjlDiff <= TOLERANCE && maxOnnxDiff <= TOLERANCE && maxEngineDiff <= TOLERANCE && top1Changed == 0;
        }
    }

    /** Runs the model in {@code modelDir} on its fixture faces with both engines and compares with the record. */
    public static Check check(Path modelDir) {
        Fixture recorded = read(modelDir);
        ModelBundle bundle = ModelBundle.load(modelDir);
        Run r = run(bundle, recorded.temperature(), recorded.faces().stream().map(Face::file).toList());
        double djl = OnnxParity.compare(recorded.faces().stream().map(Face::djl).toArray(float[][]::new), r.djl())
                .maxAbsDiff();
        double onnx = OnnxParity.compare(recorded.faces().stream().map(Face::onnx).toArray(float[][]::new), r.onnx())
                .maxAbsDiff();
        int changed = 0;
        for (int i = 0; i < recorded.faces().size(); i++) {
            Face face = recorded.faces().get(i);
            String top = bundle.classNames().get(FacePredictor.argmax(r.djl()[i]));
            String topOnnx = bundle.classNames().get(FacePredictor.argmax(r.onnx()[i]));
            if (!top.equals(face.top1()) || !topOnnx.equals(face.top1())) {
                changed++;
            }
        }
        return new Check(recorded.faces().size(), djl, onnx, r.maxEngineDiff(), changed);
    }

    private record Run(float[][] djl, float[][] onnx, double maxEngineDiff, int topMismatches) {}

    private static Run run(ModelBundle bundle, double temperature, List<String> files) {
        Path modelDir = bundle.dir();
        List<FaceImage> faces = new ArrayList<>();
        List<byte[]> pixels = new ArrayList<>();
        for (String file : files) {
            try {
                FaceImage face = ImageCodec.decode(Files.readAllBytes(modelDir.resolve(file))).toGray();
                faces.add(face);
                pixels.add(face.pixels());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read fixture face " + modelDir.resolve(file), e);
            }
        }
        float[][] djl;
        try (FacePredictor predictor = new FacePredictor(bundle,
                new FacePredictor.Settings(FacePredictor.Tta.NONE, temperature, files.size()))) {
            djl = predictor.probabilitiesOf(faces);
        }
        float[][] onnx;
        try (OnnxRunner runner = OnnxRunner.open(modelDir.resolve(ModelBundle.ONNX), 1)) {
            onnx = runner.probabilitiesOfGray(pixels);
        }
        OnnxParity.Result engines = OnnxParity.compare(djl, onnx);
        return new Run(djl, onnx, engines.maxAbsDiff(), engines.faces() - engines.top1Agreements());
    }
}
