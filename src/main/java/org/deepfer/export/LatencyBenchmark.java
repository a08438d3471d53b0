package org.deepfer.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.deepfer.config.ConfigLoader;
import org.deepfer.predict.FacePredictor;
import org.deepfer.predict.ModelBundle;
import org.deepfer.predict.PredictJob;
import org.deepfer.run.Reports;
import org.deepfer.run.RunContext;

/**
 * Classifier latency of one model three ways: DJL eager ({@link FacePredictor} on the model
 * directory), ONNX Runtime on {@code model.onnx} (fp32) and on {@code model.int8.onnx} (written by
 * {@code deepfer export --int8}), at batch 1 and 32 with 1 and 2 threads, on real FER2013
 * validation faces. Each call is timed from gray face bytes to class probabilities (preprocessing
 * included, in Java for DJL and in the graph for ONNX Runtime), after a warm-up; p50/p95/p99 per
 * batch and images/s go to {@code results/latency_benchmark.csv} and a table. Before timing, every
 * validation face goes through each engine once for its accuracy and the int8 / fp32 agreement.
 *
 * <p>Thread counts: DJL's is process-wide ({@link PredictJob#useThreads}), ONNX Runtime's is per
 * session ({@link OnnxRunner#open}); each engine runs alone, one configuration after the other.
 * {@code bench/latency_benchmark.sh} runs it; on a busy machine the timings mean little.
 *
 * <p>Usage: {@code LatencyBenchmark <model dir> [faces dir] [iterations] [warm-up]}
 */
public final class LatencyBenchmark {
    static final List<Integer> BATCHES = List.of(1, 32);
    static final List<Integer> THREADS = List.of(1, 2);
    static final Path CSV = Path.of("results", "latency_benchmark.csv");
    static final String HEADER = "engine,batch,threads,p50_ms,p95_ms,p99_ms,images_per_s,model_id,run_id";
    /** Faces per call in the accuracy pass. */
    static final int ACCURACY_BATCH = 128;

    /** One way of turning gray faces into probabilities. */
    private interface Engine extends AutoCloseable {
        float[][] probabilities(List<byte[]> faces);

        @Override
        void close();
    }

    /**
     * One measured configuration.
     *
     * @param engine {@code djl-eager}, {@code ort-fp32} or {@code ort-int8}
     * @param batch faces per call
     * @param threads intra-op threads
     * @param p50 median latency of a call, ms
     * @param p95 95th percentile, ms
     * @param p99 99th percentile, ms
     * @param imagesPerSecond faces per second over the timed calls
     */
    record Row(String engine, int batch, int threads, double p50, double p95, double p99, double imagesPerSecond) {
        String csv(String modelId, String runId) {
            return String.format(Locale.ROOT, "%s,%d,%d,%.3f,%.3f,%.3f,%.1f,%s,%s", engine, batch, threads, p50, p95,
                    p99, imagesPerSecond, modelId, runId);
        }
    }

    private LatencyBenchmark() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: LatencyBenchmark <model dir> [faces dir=../shared/data/fer2013/validation]"
                    + " [iterations=200] [warm-up=20]");
            System.exit(2);
        }
        Path modelDir = Path.of(args[0]);
        Path facesDir = Path.of(args.length > 1 ? args[1] : "../shared/data/fer2013/validation");
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        ModelBundle bundle = ModelBundle.load(modelDir);
        Path fp32 = modelDir.resolve(ModelBundle.ONNX);
        Path int8 = ExportedModel.int8File(fp32);
        for (Path file : List.of(fp32, int8)) {
            if (!Files.isRegularFile(file)) {
                System.err.println(file + " does not exist: run deepfer export --model " + modelDir + " --int8 first");
                System.exit(2);
            }
        }
        RunContext run = RunContext.start("latency-benchmark", ConfigLoader.load(Optional.empty(), List.of()));
        try {
            run(bundle, fp32, int8, facesDir, iterations, warmUp, run);
            run.finish(null);
        } catch (RuntimeException e) {
            run.finish(e);
            throw e;
        }
    }

    private static void run(ModelBundle bundle, Path fp32, Path int8, Path facesDir, int iterations, int warmUp,
            RunContext run) {
        int size;
        try (OnnxRunner runner = OnnxRunner.open(fp32, 1)) {
            size = Math.toIntExact(runner.imageShape()[1]);
        }
        List<FaceFolder.Face> faces = FaceFolder.read(facesDir, size);
        List<byte[]> pixels = faces.stream().map(FaceFolder.Face::pixels).toList();
        int[] labels = labels(faces, bundle.classNames(), facesDir);
        run.fact("faces", facesDir.toAbsolutePath().normalize() + " (" + faces.size() + " images)");
        System.out.printf("model %s (%s, width %s), %d faces from %s%n", bundle.modelId(), bundle.spec().name(),
                bundle.spec().width(), faces.size(), facesDir);
        System.out.println("ONNX Runtime kernels of the int8 model: " + Int8Quantizer.runtimeOps(readAll(int8)));

        double temperature = ExportedModel.temperatureOf(fp32);
        accuracy(bundle, temperature, size, fp32, int8, pixels, labels, run);

        List<Row> rows = new ArrayList<>();
        for (int threads : THREADS) {
            for (int batch : BATCHES) {
                rows.add(time("djl-eager", djl(bundle, temperature, size, batch, threads), pixels, batch, threads,
                        iterations, warmUp));
                rows.add(time("ort-fp32", ort(fp32, threads), pixels, batch, threads, iterations, warmUp));
                rows.add(time("ort-int8", ort(int8, threads), pixels, batch, threads, iterations, warmUp));
            }
        }
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) {
            csv.append(r.csv(bundle.modelId(), run.runId())).append('\n');
        }
        Reports.writeText(run, CSV, csv.toString());
        printTable(rows, iterations, warmUp);
        System.out.println("wrote " + CSV + " (provenance: " + run.dir() + ")");
    }

    /** Accuracy of each engine on every face, and how closely int8 follows fp32. */
    private static void accuracy(ModelBundle bundle, double temperature, int size, Path fp32, Path int8,
            List<byte[]> faces, int[] labels, RunContext run) {
        float[][] djl;
        try (Engine e = djl(bundle, temperature, size, ACCURACY_BATCH, 0)) {
            djl = inBatches(e, faces);
        }
        float[][] onnx;
        try (Engine e = ort(fp32, 0)) {
            onnx = inBatches(e, faces);
        }
        float[][] quantized;
        try (Engine e = ort(int8, 0)) {
            quantized = inBatches(e, faces);
        }
        double accDjl = accuracy(djl, labels);
        double accFp32 = accuracy(onnx, labels);
        double accInt8 = accuracy(quantized, labels);
        OnnxParity.Result agreement = OnnxParity.compare(onnx, quantized);
        OnnxParity.Result parity = OnnxParity.compare(djl, onnx);
        run.fact("accuracyDjl", accDjl);
        run.fact("accuracyOrtFp32", accFp32);
        run.fact("accuracyOrtInt8", accInt8);
        run.fact("int8Top1Agreement", agreement.top1Agreements() + "/" + agreement.faces());
        run.fact("int8MaxAbsProbabilityDiff", agreement.maxAbsDiff());
        run.fact("int8MeanAbsProbabilityDiff", agreement.meanAbsDiff());
        System.out.printf(Locale.ROOT, "%naccuracy on %d faces: DJL %.4f, ORT fp32 %.4f, ORT int8 %.4f (int8 - fp32 ="
                + " %+.2f points)%n", faces.size(), accDjl, accFp32, accInt8, 100 * (accInt8 - accFp32));
        System.out.printf(Locale.ROOT, "int8 vs fp32: top-1 agreement %d/%d (%.2f%%), max |dp| %.4f, mean |dp| %.5f%n",
                agreement.top1Agreements(), agreement.faces(), 100.0 * agreement.top1Agreements() / agreement.faces(),
                agreement.maxAbsDiff(), agreement.meanAbsDiff());
        System.out.printf(Locale.ROOT, "fp32 vs DJL:  top-1 agreement %d/%d, max |dp| %.2e%n%n",
                parity.top1Agreements(), parity.faces(), parity.maxAbsDiff());
    }

    private static float[][] inBatches(Engine engine, List<byte[]> faces) {
        float[][] out = new float[faces.size()][];
        for (int from = 0; from < faces.size(); from += ACCURACY_BATCH) {
            int to = Math.min(faces.size(), from + ACCURACY_BATCH);
            float[][] p = engine.probabilities(faces.subList(from, to));
            System.arraycopy(p, 0, out, from, p.length);
        }
        return out;
    }

    private static double accuracy(float[][] probabilities, int[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (FacePredictor.argmax(probabilities[i]) == labels[i]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }

    /** Warm-up calls, then {@code iterations} timed calls on consecutive batches of the faces. */
    private static Row time(String name, Engine engine, List<byte[]> faces, int batch, int threads, int iterations,
            int warmUp) {
        try (engine) {
            long[] nanos = new long[iterations];
            int next = 0;
            for (int i = -warmUp; i < iterations; i++) {
                if (next + batch > faces.size()) {
                    next = 0;
                }
                List<byte[]> calls = faces.subList(next, next + batch);
                next += batch;
                long start = System.nanoTime();
                float[][] p = engine.probabilities(calls);
                long elapsed = System.nanoTime() - start;
                if (p.length != batch) {
                    throw new IllegalStateException(name + " gave " + p.length + " rows for " + batch + " faces");
                }
                if (i >= 0) {
                    nanos[i] = elapsed;
                }
            }
            long total = Arrays.stream(nanos).sum();
            Arrays.sort(nanos);
            Row row = new Row(name, batch, threads, percentile(nanos, 0.50), percentile(nanos, 0.95),
                    percentile(nanos, 0.99), batch * (double) iterations / (total / 1e9));
            System.out.printf(Locale.ROOT, "  %-9s batch %2d threads %d: p50 %.2f ms%n", name, batch, threads,
                    row.p50());
            return row;
        }
    }

    /** The nearest-rank percentile of sorted nanoseconds, in ms. */
    static double percentile(long[] sortedNanos, double q) {
        int rank = (int) Math.ceil(q * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }

    /**
     * DJL eager on {@code threads} PyTorch threads (process-wide; 0 leaves the setting alone), for
     * faces of {@code size}², at {@code temperature}: the one the ONNX file has in its graph.
     */
    private static Engine djl(ModelBundle bundle, double temperature, int size, int batch, int threads) {
        PredictJob.useThreads(threads);
        FacePredictor predictor = new FacePredictor(bundle, new FacePredictor.Settings(FacePredictor.Tta.NONE,
                temperature, batch));
        return new Engine() {
            @Override
            public float[][] probabilities(List<byte[]> faces) {
                return predictor.probabilities(faces, size);
            }

            @Override
            public void close() {
                predictor.close();
            }
        };
    }

    /** ONNX Runtime on {@code file} with a session of {@code threads} intra-op threads (0: its default). */
    private static Engine ort(Path file, int threads) {
        OnnxRunner runner = OnnxRunner.open(file, threads);
        return new Engine() {
            @Override
            public float[][] probabilities(List<byte[]> faces) {
                return runner.probabilitiesOfGray(faces);
            }

            @Override
            public void close() {
                runner.close();
            }
        };
    }

    /** Each face's class index in the model's order, from the name of its folder. */
    private static int[] labels(List<FaceFolder.Face> faces, List<String> classNames, Path facesDir) {
        int[] labels = new int[faces.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classNames.indexOf(faces.get(i).label());
            if (labels[i] < 0) {
                throw new IllegalArgumentException(faces.get(i).file() + " lies in folder '" + faces.get(i).label()
                        + "', which is none of the model's classes " + classNames + " (expected " + facesDir
                        + "/<class>/<image>)");
            }
        }
        return labels;
    }

    private static void printTable(List<Row> rows, int iterations, int warmUp) {
        System.out.printf(Locale.ROOT, "%nlatency per call (%d timed calls after %d warm-up, faces to probabilities)%n",
                iterations, warmUp);
        System.out.printf(Locale.ROOT, "%-10s %5s %7s %9s %9s %9s %10s%n", "engine", "batch", "threads", "p50 ms",
                "p95 ms", "p99 ms", "images/s");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-10s %5d %7d %9.2f %9.2f %9.2f %10.1f%n", r.engine(), r.batch(),
                    r.threads(), r.p50(), r.p95(), r.p99(), r.imagesPerSecond());
        }
        System.out.println();
        for (int threads : THREADS) {
            Row eager = find(rows, "djl-eager", 1, threads);
            Row onnx = find(rows, "ort-fp32", 1, threads);
            System.out.printf(Locale.ROOT, "speed-up ORT fp32 / DJL eager, batch 1, %d thread(s): %.2fx (p50)%n",
                    threads, eager.p50() / onnx.p50());
        }
        for (int threads : THREADS) {
            for (int batch : BATCHES) {
                Row onnx = find(rows, "ort-fp32", batch, threads);
                Row quantized = find(rows, "ort-int8", batch, threads);
                System.out.printf(Locale.ROOT, "speed-up int8 / fp32, batch %d, %d thread(s): %.2fx (p50), %.2fx"
                        + " (images/s)%n", batch, threads, onnx.p50() / quantized.p50(),
                        quantized.imagesPerSecond() / onnx.imagesPerSecond());
            }
        }
    }

    private static Row find(List<Row> rows, String engine, int batch, int threads) {
        return rows.stream().filter(r -> r.engine().equals(engine) && r.batch() == batch && r.threads() == threads)
                .findFirst().orElseThrow();
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
