package org.deepfer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Checks that PyTorch's CPU convolutions compute what they should on this machine, against a plain
 * Java convolution.
 *
 * <p>oneDNN 3.7.1 (inside PyTorch 2.7.1) was seen computing batched 3x3 convolutions wrongly when the
 * input channels span more than one SIMD block (16 floats with AVX-512, 8 with AVX2) without filling a
 * whole number of them: errors as large as the outputs, on an AMD EPYC (Zen 5) virtual machine, while
 * the same jars were exact on Intel machines. Every model with such a layer (the baseline at width
 * 0.45, MobileNetV2, EfficientNet) then trains and predicts garbage there without any error. Capped at
 * SSE4.1 ({@code ONEDNN_MAX_CPU_ISA=SSE41}, read once when the native library starts), oneDNN takes
 * other kernels, which are exact. {@code spark-submit.sh} runs this probe once per machine and build
 * ({@code jobs/lib/onednn.sh}) and sets the cap where it fails.
 *
 * <p>{@link #main} prints the {@link Result}; exit code 0 exact, 3 wrong beyond {@link #TOLERANCE}.
 */
public final class OneDnnProbe {
    /**
     * Input channels, output channels and side of the convolutions checked: a tail of the AVX-512
     * block (24), a tail of the AVX2 block (29), and whole blocks (32). Batches of 4, because PyTorch
     * sends single small images to its own kernels rather than to oneDNN.
     */
    static final int[][] SHAPES = {{24, 48, 12}, {29, 58, 12}, {32, 64, 12}};
    static final int BATCH = 4;
    /** Seen: 2e-6 where the kernels are right, 1.4-2.8 where they are wrong. */
    static final double TOLERANCE = 1e-3;

    private static final Logger LOG = LogManager.getLogger(OneDnnProbe.class);
    private static Result checked;

    private OneDnnProbe() {}

    /**
     * Runs the probe the first time a JVM builds a model (about 0.1 s) and warns, naming the fix, when
     * the convolutions are wrong: the safety net for JVMs not started by {@code spark-submit.sh}.
     */
    public static synchronized Result checkOnce() {
        if (checked == null) {
            checked = run();
            if (!checked.exact()) {
                LOG.warn("PyTorch's convolutions are wrong on this machine ({}): models with layers whose input"
                        + " channels are not a multiple of 16 (baseline at width 0.45, mobilenetv2, efficientnet-*)"
                        + " get wrong outputs and gradients through DJL. Start the JVM with ONEDNN_MAX_CPU_ISA=SSE41,"
                        + " as spark-submit.sh does after its own check.", checked);
            }
        }
        return checked;
    }

    /** The largest error of the checked convolutions and the shape it was met at. */
    public record Result(double maxError, String worstShape) {
        public boolean exact() {
            return maxError <= TOLERANCE;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: max |pytorch - reference| %.3g at conv %s (tolerance %.0e)",
                    exact() ? "exact" : "WRONG", maxError, worstShape, TOLERANCE);
        }
    }

    /** Runs every shape of {@link #SHAPES} through PyTorch and through {@link #reference}. */
    public static Result run() {
        SplittableRandom random = new SplittableRandom(20261202);
        double worst = -1;
        String worstShape = "";
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int[] s : SHAPES) {
                int in = s[0];
                int out = s[1];
                int side = s[2];
                float[] x = gaussian(random, BATCH * in * side * side, 1.0);
                float[] w = gaussian(random, out * in * 9, 0.1);
                NDArray y = Conv2d.conv2d(manager.create(x, new Shape(BATCH, in, side, side)),
                        manager.create(w, new Shape(out, in, 3, 3)), null, new Shape(1, 1), new Shape(1, 1),
                        new Shape(1, 1), 1).singletonOrThrow();
                double error = maxAbsDiff(y.toFloatArray(), reference(x, w, BATCH, in, out, side));
                if (error > worst) {
                    worst = error;
                    worstShape = in + "->" + out + " 3x3 at " + side + "x" + side;
                }
            }
        }
        return new Result(worst, worstShape);
    }

    /**
     * A 3x3 convolution, stride 1, zero padding 1, no bias, of {@code x} [batch, in, side, side] with
     * {@code w} [out, in, 3, 3], summed in double.
     */
    static float[] reference(float[] x, float[] w, int batch, int in, int out, int side) {
        float[] y = new float[batch * out * side * side];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < side; i++) {
                    for (int j = 0; j < side; j++) {
                        double sum = 0;
                        for (int c = 0; c < in; c++) {
                            for (int di = -1; di <= 1; di++) {
                                int row = i + di;
                                if (row < 0 || row >= side) {
                                    continue;
                                }
                                for (int dj = -1; dj <= 1; dj++) {
                                    int col = j + dj;
                                    if (col >= 0 && col < side) {
                                        sum += (double) x[((b * in + c) * side + row) * side + col]
                                                * w[((o * in + c) * 3 + di + 1) * 3 + dj + 1];
                                    }
                                }
                            }
                        }
                        y[((b * out + o) * side + i) * side + j] = (float) sum;
                    }
                }
            }
        }
        return y;
    }

    private static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (std * Mixing.gaussian(random));
        }
        return v;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    public static void main(String[] args) {
        Result result = run();
        System.out.println(result);
        System.exit(result.exact() ? 0 : 3);
    }
}
