package org.deepfer.export;

import java.util.List;
import java.util.Map;

/**
 * What a consumer of an exported model needs besides the {@code .onnx} file, and where the file
 * came from; written next to it as {@code <file>.onnx.json}. The same facts are in the ONNX model's
 * own metadata, but a consumer can read this one without an ONNX library.
 *
 * @param modelId the model directory's name (the training run's model id)
 * @param architecture the architecture name ({@code resnet18}, ...)
 * @param width its channel multiplier
 * @param classes class names in the order of the output's columns
 * @param input the graph's input: raw gray pixels
 * @param output the graph's output: class probabilities
 * @param networkInput channels and side of what the network itself sees, after the graph's own
 *     preprocessing
 * @param preprocessing the preprocessing steps the graph performs before the network, in order
 * @param normalization the mean and std (0..1 scale) the graph normalizes with, as in training
 * @param temperature T of the graph's {@code softmax(logits / T)}; 1 leaves the scores as trained
 * @param opset the ONNX opset the graph imports
 * @param irVersion the ONNX IR version of the file
 * @param producer who wrote the file ({@value OnnxExporter#PRODUCER})
 * @param exporterVersion {@link OnnxExporter#VERSION}
 * @param onnxSha256 SHA-256 of the {@code .onnx} file, hex
 * @param exportedAt when, ISO-8601 UTC
 * @param exportedBy the run that exported it (its provenance is under results/runs/), or null
 * @param verification how the file compared with DJL when it was written, or null if it was not
 *     checked (an int8 file is checked against its fp32 file instead: see {@code quantization})
 * @param quantization how an int8 file was made from the fp32 one, or null for an fp32 file
 * @param halfPrecision how a file with float16 weights compared with its float32 export, or null
 *     when the weights are float32
 */
public record OnnxSidecar(String modelId, String architecture, double width, List<String> classes, Tensor input,
        Tensor output, NetworkInput networkInput, List<String> preprocessing, Normalization normalization,
        double temperature, int opset, long irVersion, String producer, String exporterVersion, String onnxSha256,
        String exportedAt, String exportedBy, Verification verification, Quantization quantization,
        HalfPrecision halfPrecision) {

    public OnnxSidecar {
        classes = List.copyOf(classes);
        preprocessing = List.copyOf(preprocessing);
    }

    /**
     * One graph input or output.
     *
     * @param name its name in the graph
     * @param shape dimensions, -1 for the batch dimension (any size)
     * @param dtype element type
     * @param layout the meaning of the dimensions
     * @param values what the values are
     */
    public record Tensor(String name, List<Long> shape, String dtype, String layout, String values) {
        public Tensor {
            shape = List.copyOf(shape);
        }
    }

    /** The input of the network proper: {@code channels} x {@code size} x {@code size}. */
    public record NetworkInput(int channels, int size) {}

    /** {@code (v / 255 - mean) / std}. */
    public record Normalization(double mean, double std) {}

    /**
     * The check {@code deepfer export} makes before writing: random faces through ONNX Runtime and
     * through DJL as {@code FacePredictor} runs it.
     *
     * @param faces how many random 0..255 faces
     * @param seed their seed
     * @param maxAbsDiff the largest absolute difference of any class probability
     * @param top1Agreements faces whose most probable class agreed
     * @param tolerance the largest difference accepted
     */
    public record Verification(int faces, long seed, double maxAbsDiff, int top1Agreements, double tolerance) {}

    /**
     * How {@code deepfer export --int8} made an int8 file from the fp32 one ({@link Int8Quantizer}).
     *
     * @param format {@value Int8Quantizer#FORMAT} and its scheme for weights and activations
     * @param ranges how activation ranges were measured ({@code min-max}, {@code percentile p})
     * @param calibrationFaces the faces they were measured on
     * @param calibrationSource where those faces came from (the table and its version, or the folder)
     * @param quantizedOps nodes of the fp32 graph that run on 8-bit values, by type
     * @param fp32File the file name of the fp32 model it was made from
     * @param fp32Sha256 that file's SHA-256, hex
     * @param agreement how the int8 file compared with the fp32 one when it was written
     */
    public record Quantization(String format, String ranges, int calibrationFaces, String calibrationSource,
            Map<String, Integer> quantizedOps, String fp32File, String fp32Sha256, Agreement agreement) {
        public Quantization {
            quantizedOps = Map.copyOf(quantizedOps);
        }
    }

    /**
     * The int8 model against the fp32 one on real faces the calibration did not see.
     *
     * @param faces how many faces
     * @param source where they came from
     * @param top1Agreements faces whose most probable class agreed
     * @param maxAbsDiff the largest |p_int8 - p_fp32| of any class probability
     * @param meanAbsDiff the mean |p_int8 - p_fp32| over all faces and classes
     * @param minTop1Agreement the least share of agreeing faces accepted
     */
    public record Agreement(int faces, String source, int top1Agreements, double maxAbsDiff, double meanAbsDiff,
            double minTop1Agreement) {}

    /**
     * Weights stored as float16 ({@link OnnxWeights#halfPrecision}), and how the file compared with
     * its float32 export on the random faces of the export's check.
     *
     * @param storage {@code float16}
     * @param faces how many faces
     * @param maxAbsDiff the largest |p_fp16 - p_fp32| of any class probability
     * @param top1Agreements faces whose most probable class agreed
     * @param tolerance the largest difference accepted
     */
    public record HalfPrecision(String storage, int faces, double maxAbsDiff, int top1Agreements, double tolerance) {}

    /** This sidecar completed with what is known once the file is written. */
    OnnxSidecar written(String sha256, String at, String by, Verification check) {
        return new OnnxSidecar(modelId, architecture, width, classes, input, output, networkInput, preprocessing,
                normalization, temperature, opset, irVersion, producer, exporterVersion, sha256, at, by, check,
                quantization, halfPrecision);
    }

    /** The sidecar of an int8 file made from this one's, before it is written. */
    OnnxSidecar quantized(Quantization how) {
        return new OnnxSidecar(modelId, architecture, width, classes, input, output, networkInput, preprocessing,
                normalization, temperature, opset, irVersion, producer, exporterVersion, null, null, null, null, how,
                null);
    }

    /** The sidecar of this export with its weights stored as float16, before it is written. */
    OnnxSidecar halved(HalfPrecision how) {
        return new OnnxSidecar(modelId, architecture, width, classes, input, output, networkInput, preprocessing,
                normalization, temperature, opset, irVersion, producer, exporterVersion, null, null, null, null, null,
                how);
    }
}
