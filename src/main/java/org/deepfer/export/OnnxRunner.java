package org.deepfer.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An exported model loaded into ONNX Runtime (CPU), turning batches of raw gray faces into class
 * probabilities: what real-time code runs instead of DJL. It owns a native session (close it).
 *
 * <p>The model is one {@link OnnxExporter} wrote: one float input (N, C, H, W) with a free batch
 * dimension, one (N, classes) output. A session may be shared by threads (ONNX Runtime allows
 * concurrent {@code run} calls); each call allocates its own input tensor.
 */
public final class OnnxRunner implements AutoCloseable {
    private final OrtSession session;
    private final String input;
    private final long[] imageShape;
    private final int classes;

    private OnnxRunner(OrtSession session, String source) throws OrtException {
        this.session = session;
        if (session.getNumInputs() != 1 || session.getNumOutputs() != 1) {
            throw new IllegalArgumentException(source + " has " + session.getNumInputs() + " inputs and "
                    + session.getNumOutputs() + " outputs; an exported DeepFER model has one of each");
        }
        Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
        this.input = in.getKey();
        long[] shape = tensorShape(in.getValue(), source);
        if (shape.length != 4 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
            throw new IllegalArgumentException(source + ": input '" + input + "' has shape "
                    + java.util.Arrays.toString(shape) + "; expected (batch, channels, height, width)");
        }
        this.imageShape = new long[] {shape[1], shape[2], shape[3]};
        long[] out = tensorShape(session.getOutputInfo().values().iterator().next(), source);
        if (out.length != 2 || out[1] < 1) {
            throw new IllegalArgumentException(source + ": output has shape " + java.util.Arrays.toString(out)
                    + "; expected (batch, classes)");
        }
        this.classes = Math.toIntExact(out[1]);
    }

    /**
     * Loads {@code file}.
     *
     * @param intraOpThreads threads one inference may use; 0 for ONNX Runtime's default (all cores)
     * @throws IllegalArgumentException naming the file when it is missing or not such a model
     */
    public static OnnxRunner open(Path file, int intraOpThreads) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("ONNX model " + file + " does not exist");
        }
        return open(file.toString(), intraOpThreads, (env, options) -> env.createSession(file.toString(), options));
    }

    /** Loads a model from its bytes (an {@link ExportedModel} not yet written, say). */
    public static OnnxRunner open(byte[] model, int intraOpThreads) {
        return open("ONNX model (" + model.length + " bytes)", intraOpThreads,
                (env, options) -> env.createSession(model, options));
    }

    private interface SessionFactory {
        OrtSession create(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;
    }

    private static OnnxRunner open(String source, int intraOpThreads, SessionFactory factory) {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intra-op threads must be 0 (default) or more, got " + intraOpThreads);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            OrtSession session = factory.create(env, options);
            try {
                return new OnnxRunner(session, source);
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + source + ": " + e.getMessage(), e);
        }
    }

    /** Channels, height and width of one input image. */
    public long[] imageShape() {
        return imageShape.clone();
    }

    /** Number of classes, the width of every probability row. */
    public int classes() {
        return classes;
    }

    /** The model's custom metadata ({@code model_id}, {@code classes}, ... for an exported model). */
    public Map<String, String> metadata() {
        try {
            return session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot read the model's metadata: " + e.getMessage(), e);
        }
    }

    /**
     * Probabilities of {@code count} images laid out one after the other in {@code pixels}, each
     * (C, H, W) as {@link #imageShape()} says, with raw values 0..255. Row i belongs to image i.
     */
    public float[][] probabilities(float[] pixels, int count) {
        long perImage = imageShape[0] * imageShape[1] * imageShape[2];
        if (count < 1 || pixels.length != perImage * count) {
            throw new IllegalArgumentException(pixels.length + " values do not make " + count + " images of "
                    + perImage + " values each");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {count, imageShape[0], imageShape[1], imageShape[2]};
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
                OrtSession.Result result = session.run(Map.of(input, tensor))) {
            return (float[][]) result.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + count + ": " + e.getMessage(), e);
        }
    }

    /**
     * Probabilities of gray faces stored as in the faces table ({@code H x W} bytes each, row-major),
     * for a model with one input channel.
     */
    public float[][] probabilitiesOfGray(List<byte[]> faces) {
        if (imageShape[0] != 1) {
            throw new IllegalStateException("the model takes " + imageShape[0] + " channels, not gray faces");
        }
        int perFace = Math.toIntExact(imageShape[1] * imageShape[2]);
        float[] pixels = new float[faces.size() * perFace];
        for (int f = 0; f < faces.size(); f++) {
            byte[] face = faces.get(f);
            if (face.length != perFace) {
                throw new IllegalArgumentException("face " + f + " has " + face.length + " pixels; the model takes "
                        + imageShape[1] + "x" + imageShape[2]);
            }
            for (int p = 0; p < perFace; p++) {
                pixels[f * perFace + p] = face[p] & 0xFF;
            }
        }
        return probabilities(pixels, faces.size());
    }

    private static long[] tensorShape(NodeInfo info, String source) {
        if (!(info.getInfo() instanceof TensorInfo tensor)) {
            throw new IllegalArgumentException(source + ": '" + info.getName() + "' is not a tensor");
        }
        return tensor.getShape();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot close its session: " + e.getMessage(), e);
        }
    }
}
