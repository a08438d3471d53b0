package org.deepfer.export;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;

/**
 * An exported model in memory: the ONNX model and its sidecar, ready to be checked (ONNX Runtime can
 * run {@link #bytes()} directly) and then written.
 *
 * @param model the ONNX model
 * @param sidecar what goes into {@code <file>.onnx.json}, completed by {@link #write}
 */
public record ExportedModel(OnnxMl.ModelProto model, OnnxSidecar sidecar) {

    /** The {@code .onnx} file's contents. */
    public byte[] bytes() {
        return model.toByteArray();
    }

    /**
     * The int8 model made of this export ({@link Int8Quantizer}), whose sidecar is this one's plus
     * {@code how} it was quantized.
     */
    public ExportedModel int8(OnnxMl.ModelProto quantized, OnnxSidecar.Quantization how) {
        return new ExportedModel(quantized, sidecar.quantized(how));
    }

    /**
     * This export with its weights stored as float16 ({@link OnnxWeights#halfPrecision}), given
     * {@code how} that file compared with this one.
     */
    public ExportedModel halfPrecision(OnnxMl.ModelProto halved, OnnxSidecar.HalfPrecision how) {
        return new ExportedModel(halved, sidecar.halved(how));
    }

    /**
     * Where the int8 model of {@code onnxFile} goes: {@code model.onnx} gives {@code
     * model.int8.onnx} beside it.
     */
    public static Path int8File(Path onnxFile) {
        String name = onnxFile.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".onnx")
                ? name.substring(0, name.length() - ".onnx".length()) : name;
        return onnxFile.resolveSibling(stem + ".int8.onnx");
    }

    /** Where the sidecar of {@code onnxFile} goes: the same name with {@code .json} appended. */
    public static Path sidecarFile(Path onnxFile) {
        return onnxFile.resolveSibling(onnxFile.getFileName() + ".json");
    }

    /**
     * The temperature baked into {@code onnxFile}'s probabilities, as its sidecar records it; 1 when
     * the file has no sidecar. A DJL run compared with the file must divide its logits by the same.
     */
    public static double temperatureOf(Path onnxFile) {
        Path sidecar = sidecarFile(onnxFile);
        return Files.isRegularFile(sidecar) ? Reports.readJson(sidecar, OnnxSidecar.class).temperature() : 1.0;
    }

    /**
     * Writes {@code onnxFile} and its sidecar, each atomically, replacing earlier ones.
     *
     * @param run the run doing it, recorded in the sidecar and given both files as outputs; null for
     *     none
     * @param verification the check made before writing, or null if none was made
     * @return the sidecar as written
     */
    public OnnxSidecar write(Path onnxFile, RunContext run, OnnxSidecar.Verification verification) {
        byte[] bytes = bytes();
        Reports.writeBytes(run, onnxFile, bytes);
        OnnxSidecar written = sidecar.written(sha256(bytes), Instant.now().toString(),
                run == null ? null : run.runId(), verification);
        Reports.writeJson(run, sidecarFile(onnxFile), written);
        return written;
    }

    /** SHA-256 of {@code bytes}, hex, as sidecars record it. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
