package org.deepfer.export;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an fp32 model through ONNX Runtime on calibration faces and records the range of chosen
 * intermediate tensors: a copy of the graph declares them as extra outputs, every batch updates
 * each tensor's minimum and maximum, and, for percentile ranges, a second pass fills a histogram
 * between them.
 */
final class ActivationCalibrator {
    /** Histogram resolution of the percentile pass. */
    static final int BINS = 4096;

    /** The observed range of one tensor: [min, max], or the percentile range inside it. */
    record Range(double min, double max) {}

    private final OnnxMl.ModelProto model;
    private final List<String> tensors;
    private final int batchSize;
    private final int threads;

    /**
     * @param model the fp32 model, one float input (N, C, H, W)
     * @param tensors names of the tensors to measure
     * @param batchSize faces per ONNX Runtime run
     * @param threads intra-op threads, 0 for ONNX Runtime's default
     */
    ActivationCalibrator(OnnxMl.ModelProto model, List<String> tensors, int batchSize, int threads) {
        this.model = model;
        this.tensors = List.copyOf(new LinkedHashSet<>(tensors));
        this.batchSize = batchSize;
        this.threads = threads;
    }

    /**
     * The range of every tensor over {@code pixels} ({@code count} images laid out one after the
     * other, raw 0..255): the full [min, max] when {@code percentile} is 1, otherwise the
     * {@code 1 - percentile} and {@code percentile} quantiles of all its values.
     */
    Map<String, Range> ranges(float[] pixels, int count, double percentile) {
        try (OrtSession session = openWithOutputs()) {
            String input = session.getInputNames().iterator().next();
            Map<String, double[]> minMax = new LinkedHashMap<>();
            for (String t : tensors) {
                minMax.put(t, new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY});
            }
            forEachBatch(session, input, pixels, count, (name, values) -> {
                double[] mm = minMax.get(name);
                for (int i = 0; i < values.limit(); i++) {
                    float v = values.get(i);
                    if (v < mm[0]) {
                        mm[0] = v;
                    }
                    if (v > mm[1]) {
                        mm[1] = v;
                    }
                }
            });
            Map<String, Range> ranges = new LinkedHashMap<>();
            if (percentile >= 1.0) {
                minMax.forEach((name, mm) -> ranges.put(name, new Range(mm[0], mm[1])));
                return ranges;
            }
            Map<String, long[]> histograms = new LinkedHashMap<>();
            for (String t : tensors) {
                histograms.put(t, new long[BINS]);
            }
            forEachBatch(session, input, pixels, count, (name, values) -> {
                double[] mm = minMax.get(name);
                long[] h = histograms.get(name);
                double width = (mm[1] - mm[0]) / BINS;
                for (int i = 0; i < values.limit(); i++) {
                    int bin = width > 0 ? (int) ((values.get(i) - mm[0]) / width) : 0;
                    h[Math.min(BINS - 1, Math.max(0, bin))]++;
                }
            });
            for (String t : tensors) {
                double[] mm = minMax.get(t);
                long[] h = histograms.get(t);
                ranges.put(t, new Range(quantile(h, mm, 1 - percentile), quantile(h, mm, percentile)));
            }
            return ranges;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed while calibrating: " + e.getMessage(), e);
        }
    }

    private interface TensorVisitor {
        void accept(String tensor, FloatBuffer values);
    }

    private void forEachBatch(OrtSession session, String input, float[] pixels, int count, TensorVisitor visitor)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = inputShape(session);
        int perImage = pixels.length / count;
        Set<String> wanted = new LinkedHashSet<>(tensors);
        for (int from = 0; from < count; from += batchSize) {
            int n = Math.min(batchSize, count - from);
            long[] batchShape = {n, shape[1], shape[2], shape[3]};
            FloatBuffer batch = FloatBuffer.wrap(pixels, from * perImage, n * perImage).slice();
            try (OnnxTensor x = OnnxTensor.createTensor(env, batch, batchShape);
                    OrtSession.Result result = session.run(Map.of(input, x), wanted)) {
                for (Map.Entry<String, OnnxValue> out : result) {
                    visitor.accept(out.getKey(), ((OnnxTensor) out.getValue()).getFloatBuffer());
                }
            }
        }
    }

    /** The model with every measured tensor declared as a graph output, in a session of its own. */
    private OrtSession openWithOutputs() throws OrtException {
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        Set<String> declared = new LinkedHashSet<>();
        for (OnnxMl.ValueInfoProto out : graph.getOutputList()) {
            declared.add(out.getName());
        }
        OnnxMl.TypeProto floatTensor = OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor
                .newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)).build();
        for (String t : tensors) {
            if (declared.add(t)) {
                graph.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(t).setType(floatTensor));
            }
        }
        byte[] bytes = model.toBuilder().setGraph(graph).build().toByteArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            return OrtEnvironment.getEnvironment().createSession(bytes, options);
        }
    }

    private static long[] inputShape(OrtSession session) throws OrtException {
        ai.onnxruntime.NodeInfo info = session.getInputInfo().values().iterator().next();
        return ((ai.onnxruntime.TensorInfo) info.getInfo()).getShape();
    }

    /** The value below which a fraction {@code q} of the histogram's values lie (bin centre). */
    private static double quantile(long[] histogram, double[] minMax, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        double target = q * total;
        long seen = 0;
        double width = (minMax[1] - minMax[0]) / histogram.length;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= target && seen > 0) {
                return Math.min(minMax[1], Math.max(minMax[0], minMax[0] + (b + (q < 0.5 ? 0 : 1)) * width));
            }
        }
        return minMax[1];
    }
}
