package org.deepfer.tune;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deepfer.config.DeepFerConfig;

/**
 * The hyperparameter space of {@code tune.space}: turns a trial number into a point (one config
 * override per parameter) and a point back into unit coordinates for the importance plot.
 *
 * <p>Every point is a pure function of (sampler, seed, index), so a trial can be recomputed on any
 * executor, and a search that is extended with more trials keeps its first points unchanged.
 *
 * <p>Each parameter is first drawn as a number {@code u} in [0, 1) and then mapped to its range:
 * <ul>
 *   <li>{@code uniform}: {@code low + u (high - low)};
 *   <li>{@code loguniform}: {@code exp(log low + u (log high - log low))}, so each decade of, say, a
 *       learning rate gets the same share of trials;
 *   <li>{@code int}: {@code floor(low + u (high - low + 1))}, so both bounds are reachable and every
 *       integer gets an equal share;
 *   <li>{@code choice}: {@code values[floor(u n)]}.
 * </ul>
 *
 * <p>Samplers: {@code random} draws every {@code u} independently; {@code halton} takes the
 * Halton sequence (one prime base per parameter, in config order), which covers the cube far more
 * evenly than random points do for the few dozen trials a search can afford. The Halton point of
 * index 0 would be all zeros (every parameter at its lower bound), so trial {@code i} takes
 * sequence element {@code i + 1}; each dimension is shifted by a seeded random offset modulo 1
 * (a Cranley–Patterson rotation), so that two seeds give two different designs that are both still
 * evenly spread; and each dimension's digits go through a seeded permutation (a scrambled Halton
 * sequence; see {@link #digitPermutation}), so that parameters with large bases are not sampled
 * in lockstep.
 */
public final class SearchSpace {
    /** Significant digits of sampled real values: far finer than any effect training can show. */
    private static final MathContext DIGITS = new MathContext(6);
    /**
     * Spreads the streams of one seed's random points apart, so that seeds s and s + 1 share no
     * point unless a search runs more than a million trials.
     */
    private static final long RANDOM_SEED_STRIDE = 1_000_003L;

    private final List<DeepFerConfig.TuneParam> params;
    private final int[] bases;

    /**
     * A space over {@code params}, sampled in list order (which fixes each parameter's Halton base,
     * so reordering the config changes the design).
     *
     * @throws IllegalArgumentException for a type other than uniform, loguniform, int or choice,
     *     bounds that leave nothing to draw, or a key listed twice (the point is a map by key)
     */
    public SearchSpace(List<DeepFerConfig.TuneParam> params) {
        if (params == null) {
            throw new IllegalArgumentException("search space needs a parameter list (use an empty list)");
        }
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < params.size(); i++) {
            DeepFerConfig.TuneParam p = params.get(i);
            if (p == null || p.key() == null || p.key().isBlank()) {
                throw new IllegalArgumentException("search space parameter " + i + " has no key");
            }
            if (!keys.add(p.key())) {
                throw new IllegalArgumentException("search space lists '" + p.key() + "' twice");
            }
            check(p);
        }
        this.params = List.copyOf(params);
        this.bases = primes(params.size());
    }

    /** The parameters, in sampling order. */
    public List<DeepFerConfig.TuneParam> params() {
        return params;
    }

    /** The parameter keys in sampling order: the order of {@link #sample} and {@link #unitCoordinates}. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>(params.size());
        for (DeepFerConfig.TuneParam p : params) {
            keys.add(p.key());
        }
        return keys;
    }

    /**
     * The {@code index}-th point (0-based) of the design, as config override values: one entry per
     * parameter in config order, reals with six significant digits in plain notation (no exponent,
     * so any number parser reads them), integers without a decimal point, choices verbatim.
     *
     * @param sampler {@code halton} or {@code random}
     * @param seed chooses the design: the Halton shifts or the random stream
     * @param index trial number; the result depends only on (sampler, seed, index)
     */
    public LinkedHashMap<String, String> sample(String sampler, long seed, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("sample index must be >= 0, got " + index);
        }
        double[] u = unitPoint(sampler, seed, index);
        LinkedHashMap<String, String> point = new LinkedHashMap<>();
        for (int d = 0; d < params.size(); d++) {
            point.put(params.get(d).key(), value(params.get(d), u[d]));
        }
        return point;
    }

    /**
     * The raw point in the unit cube [0, 1)^d before mapping to parameter ranges; exposed so tests
     * and diagnostics can look at the sampler's spread independently of the parameter types.
     */
    public double[] unitPoint(String sampler, long seed, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("sample index must be >= 0, got " + index);
        }
        int dims = params.size();
        double[] u = new double[dims];
        if ("halton".equals(sampler)) {
            // Shifts and digit permutations depend on the seed only, never on the index: every
            // point of one design is transformed alike, which keeps the design's evenness.
            SplittableRandom random = new SplittableRandom(seed);
            double[] shifts = new double[dims];
            for (int d = 0; d < dims; d++) {
                shifts[d] = random.nextDouble();
            }
            for (int d = 0; d < dims; d++) {
                int[] digits = digitPermutation(bases[d], random);
                double shifted = radicalInverse(index + 1L, bases[d], digits) + shifts[d];
                u[d] = shifted - Math.floor(shifted);
                if (u[d] >= 1.0) {
                    u[d] = Math.nextDown(1.0); // frac of a value just below an integer can round up
                }
            }
        } else if ("random".equals(sampler)) {
            SplittableRandom random = new SplittableRandom(seed * RANDOM_SEED_STRIDE + index);
            for (int d = 0; d < dims; d++) {
                u[d] = random.nextDouble();
            }
        } else {
            throw new IllegalArgumentException("unknown sampler '" + sampler + "'; expected halton or random");
        }
        return u;
    }

    /** {@code point} as {@code key=value} strings, in the map's order, as {@code --set} takes them. */
    public static List<String> overrides(Map<String, String> point) {
        List<String> out = new ArrayList<>(point.size());
        for (Map.Entry<String, String> e : point.entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /**
     * Where {@code point} lies in each parameter's range, as a number in [0, 1] per parameter in
     * config order: linear position for uniform and int, position on the log scale for
     * loguniform (the scale the sampler spreads over, so importance is measured on the scale that
     * matters), and {@code index / (n - 1)} for a choice (0 for a single value). Feeds the
     * parameter-importance plot, which needs one comparable number per parameter.
     *
     * @throws IllegalArgumentException if a parameter is missing from {@code point}, a numeric value
     *     does not parse, or a choice value is not among the choices
     */
    public double[] unitCoordinates(Map<String, String> point) {
        double[] coords = new double[params.size()];
        for (int d = 0; d < params.size(); d++) {
            DeepFerConfig.TuneParam p = params.get(d);
            String raw = point.get(p.key());
            if (raw == null) {
                throw new IllegalArgumentException("point has no value for '" + p.key() + "'");
            }
            coords[d] = clamp01(unit(p, raw.trim()));
        }
        return coords;
    }

    private static double unit(DeepFerConfig.TuneParam p, String raw) {
        if (p.type().equals("choice")) {
            int i = p.values().indexOf(raw);
            if (i < 0) {
                throw new IllegalArgumentException("'" + raw + "' is not one of the choices " + p.values()
                        + " for '" + p.key() + "'");
            }
            return p.values().size() == 1 ? 0 : (double) i / (p.values().size() - 1);
        }
        double v;
        try {
            v = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + raw + "' is not a number, but '" + p.key() + "' is "
                    + p.type(), e);
        }
        switch (p.type()) {
            case "loguniform":
                if (!(v > 0)) {
                    return 0;
                }
                return (Math.log(v) - Math.log(p.low())) / (Math.log(p.high()) - Math.log(p.low()));
            case "int": {
                double lo = Math.ceil(p.low());
                double hi = Math.floor(p.high());
                return hi == lo ? 0 : (v - lo) / (hi - lo);
            }
            default:
                return (v - p.low()) / (p.high() - p.low());
        }
    }

    /** Maps {@code u} in [0, 1) to a value of {@code p}, formatted as an override string. */
    private static String value(DeepFerConfig.TuneParam p, double u) {
        switch (p.type()) {
            case "choice": {
                int n = p.values().size();
                return p.values().get(Math.min(n - 1, (int) Math.floor(u * n)));
            }
            case "int": {
                long lo = (long) Math.ceil(p.low());
                long hi = (long) Math.floor(p.high());
                long v = (long) Math.floor(lo + u * (hi - lo + 1));
                return Long.toString(Math.max(lo, Math.min(hi, v)));
            }
            case "loguniform": {
                double logLow = Math.log(p.low());
                double v = Math.exp(logLow + u * (Math.log(p.high()) - logLow));
                return real(Math.max(p.low(), Math.min(p.high(), v)));
            }
            default: {
                double v = p.low() + u * (p.high() - p.low());
                return real(Math.max(p.low(), Math.min(p.high(), v)));
            }
        }
    }

    /** Six significant digits in plain notation, trailing zeros dropped ("0.00025", "12.5", "3"). */
    static String real(double v) {
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(DIGITS).stripTrailingZeros().toPlainString();
    }

    private static void check(DeepFerConfig.TuneParam p) {
        String where = "search space parameter '" + p.key() + "'";
        if (p.type() == null) {
            throw new IllegalArgumentException(where + " has no type");
        }
        switch (p.type()) {
            case "choice":
                if (p.values().isEmpty()) {
                    throw new IllegalArgumentException(where + ": a choice needs values");
                }
                break;
            case "uniform":
            case "loguniform":
                if (!(p.low() < p.high()) || !Double.isFinite(p.low()) || !Double.isFinite(p.high())) {
                    throw new IllegalArgumentException(where + " needs finite low < high, got " + p.low()
                            + " and " + p.high());
                }
                if (p.type().equals("loguniform") && !(p.low() > 0)) {
                    throw new IllegalArgumentException(where + " is loguniform and needs low > 0, got " + p.low());
                }
                break;
            case "int":
                if (!Double.isFinite(p.low()) || !Double.isFinite(p.high())
                        || Math.ceil(p.low()) > Math.floor(p.high())) {
                    throw new IllegalArgumentException(where + " has no integer between " + p.low() + " and "
                            + p.high());
                }
                break;
            default:
                throw new IllegalArgumentException(where + " has unknown type '" + p.type()
                        + "'; expected loguniform, uniform, int or choice");
        }
    }

    /**
     * The van der Corput radical inverse: the digits of {@code n} in {@code base} mirrored behind
     * the point, e.g. 6 = 110 in base 2 gives 0.011 = 0.375.
     */
    static double radicalInverse(long n, int base) {
        int[] identity = new int[base];
        for (int i = 0; i < base; i++) {
            identity[i] = i;
        }
        return radicalInverse(n, base, identity);
    }

    /** The radical inverse with every digit {@code k} written as {@code digits[k]}. */
    static double radicalInverse(long n, int base, int[] digits) {
        double inverse = 0;
        double scale = 1.0 / base;
        while (n > 0) {
            inverse += digits[(int) (n % base)] * scale;
            n /= base;
            scale /= base;
        }
        return inverse;
    }

    /**
     * A random permutation of the digits 0..base-1 that keeps 0 in place (so the infinitely many
     * leading zeros of a number stay zeros). Why scramble at all: for {@code n < base} the plain
     * radical inverse is just {@code n / base}, so with a dozen trials every parameter with a base
     * above 12 (the 6th parameter on) would rise in lockstep with the trial number and with each
     * other, making those parameters indistinguishable in the importance plot. Permuting digits
     * keeps each dimension exactly as evenly stratified, and decouples the dimensions.
     */
    static int[] digitPermutation(int base, SplittableRandom random) {
        int[] digits = new int[base];
        for (int i = 0; i < base; i++) {
            digits[i] = i;
        }
        for (int i = base - 1; i > 1; i--) {
            int j = 1 + random.nextInt(i); // in 1..i: digit 0 never moves
            int swap = digits[i];
            digits[i] = digits[j];
            digits[j] = swap;
        }
        return digits;
    }

    /** The first {@code count} primes, the Halton bases: 2, 3, 5, 7, 11, … */
    static int[] primes(int count) {
        int[] primes = new int[count];
        int found = 0;
        for (int candidate = 2; found < count; candidate++) {
            boolean prime = true;
            for (int i = 0; i < found && primes[i] * primes[i] <= candidate; i++) {
                if (candidate % primes[i] == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                primes[found++] = candidate;
            }
        }
        return primes;
    }

    private static double clamp01(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }
}
