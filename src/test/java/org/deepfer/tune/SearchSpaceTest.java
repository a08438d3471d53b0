package org.deepfer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deepfer.config.DeepFerConfig.TuneParam;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    private static final List<TuneParam> SPACE = List.of(
            new TuneParam("train.learningRate", "loguniform", 1e-5, 1e-1, null),
            new TuneParam("train.dropout", "uniform", 0.0, 0.5, null),
            new TuneParam("train.batchSize", "choice", 0, 0, List.of("32", "64", "128")),
            new TuneParam("train.epochs", "int", 3, 7, null));
    private static final List<String> SAMPLERS = List.of("halton", "random");

    @Test
    void everyTypeStaysWithinItsBoundsAndChoicesAreVerbatim() {
        SearchSpace space = new SearchSpace(SPACE);
        for (String sampler : SAMPLERS) {
            for (int i = 0; i < 2000; i++) {
                Map<String, String> point = space.sample(sampler, 42, i);
                assertEquals(List.copyOf(point.keySet()), space.keys(), "one entry per parameter, in config order");
                double lr = Double.parseDouble(point.get("train.learningRate"));
                assertTrue(lr >= 1e-5 && lr <= 1e-1, sampler + " learning rate " + lr);
                double dropout = Double.parseDouble(point.get("train.dropout"));
                assertTrue(dropout >= 0 && dropout <= 0.5, sampler + " dropout " + dropout);
                assertTrue(List.of("32", "64", "128").contains(point.get("train.batchSize")));
                String epochs = point.get("train.epochs");
                assertTrue(epochs.matches("\\d+"), "an int is written as an integer: " + epochs);
                int e = Integer.parseInt(epochs);
                assertTrue(e >= 3 && e <= 7, sampler + " epochs " + e);
                assertTrue(!point.get("train.learningRate").contains("E"), "plain notation, no exponent");
            }
        }
    }

    @Test
    void intUpperBoundAndEveryChoiceAreReached() {
        SearchSpace space = new SearchSpace(SPACE);
        for (String sampler : SAMPLERS) {
            Set<String> epochs = new HashSet<>();
            Set<String> batches = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                Map<String, String> point = space.sample(sampler, 7, i);
                epochs.add(point.get("train.epochs"));
                batches.add(point.get("train.batchSize"));
            }
            assertEquals(Set.of("3", "4", "5", "6", "7"), epochs, sampler);
            assertEquals(Set.of("32", "64", "128"), batches, sampler);
        }
    }

    @Test
    void loguniformSpreadsEvenlyOverDecades() {
        SearchSpace space = new SearchSpace(SPACE);
        for (String sampler : SAMPLERS) {
            int[] perDecade = new int[4]; // 1e-5..1e-4, …, 1e-2..1e-1
            int n = 400;
            for (int i = 0; i < n; i++) {
                double lr = Double.parseDouble(space.sample(sampler, 3, i).get("train.learningRate"));
                perDecade[Math.min(3, (int) Math.floor(Math.log10(lr) + 5))]++;
            }
            for (int count : perDecade) {
                // 100 expected per decade; a linear draw would put ~90% in the top decade.
                assertTrue(count > 70 && count < 130, sampler + " per decade " + Arrays.toString(perDecade));
            }
        }
    }

    @Test
    void aPointDependsOnlyOnSamplerSeedAndIndex() {
        SearchSpace space = new SearchSpace(SPACE);
        SearchSpace other = new SearchSpace(SPACE);
        for (String sampler : SAMPLERS) {
            LinkedHashMap<String, String> fifth = space.sample(sampler, 11, 5);
            for (int i = 0; i < 20; i++) {
                space.sample(sampler, 11, i); // drawing other points first changes nothing
            }
            assertEquals(fifth, space.sample(sampler, 11, 5));
            assertEquals(fifth, other.sample(sampler, 11, 5));
            assertNotEquals(fifth, space.sample(sampler, 11, 6));
        }
    }

    @Test
    void differentSeedsGiveDifferentDesigns() {
        SearchSpace space = new SearchSpace(SPACE);
        for (String sampler : SAMPLERS) {
            for (int i = 0; i < 5; i++) {
                assertNotEquals(space.sample(sampler, 1, i), space.sample(sampler, 2, i), sampler + " index " + i);
            }
        }
    }

    @Test
    void haltonCoversOneDimensionMoreEvenlyThanRandom() {
        SearchSpace space = new SearchSpace(List.of(new TuneParam("train.dropout", "uniform", 0, 1, null)));
        int points = 16;
        double haltonWorst = 0;
        double randomSum = 0;
        int seeds = 20;
        for (long seed = 0; seed < seeds; seed++) {
            haltonWorst = Math.max(haltonWorst, maxGap(space, "halton", seed, points));
            randomSum += maxGap(space, "random", seed, points);
        }
        // 16 evenly spread points leave gaps of 1/16; Halton's shifted van der Corput points stay
        // within 2/16, while 16 random points typically leave a gap of about 3.4/16.
        assertTrue(haltonWorst <= 2.0 / points + 1e-9, "halton max gap " + haltonWorst);
        assertTrue(randomSum / seeds > haltonWorst, "random mean max gap " + randomSum / seeds);
    }

    @Test
    void haltonUsesOnePrimeBasePerDimensionAndSkipsTheOrigin() {
        assertArrayEquals(new int[] {2, 3, 5, 7, 11, 13, 17, 19}, SearchSpace.primes(8));
        assertEquals(0.375, SearchSpace.radicalInverse(6, 2), 1e-12);
        assertEquals(1.0 / 3 + 1.0 / 9, SearchSpace.radicalInverse(4, 3), 1e-12);
        SearchSpace space = new SearchSpace(SPACE);
        double[] first = space.unitPoint("halton", 9, 0);
        double[] second = space.unitPoint("halton", 9, 1);
        // Same seed, same shifts: base 2 gives 1/2 then 1/4, so dimension 0 moves by -1/4 mod 1.
        double delta = second[0] - first[0];
        assertEquals(0.75, delta - Math.floor(delta), 1e-9);
    }

    @Test
    void haltonDimensionsWithLargeBasesAreNotInLockstep() {
        // Plain Halton gives n/17 and n/19 for the first 12 points of the 7th and 8th parameter:
        // the same order, rank correlation 1 before the shift wraps them around.
        List<TuneParam> eight = new ArrayList<>();
        for (int d = 0; d < 8; d++) {
            eight.add(new TuneParam("p" + d, "uniform", 0, 1, null));
        }
        SearchSpace space = new SearchSpace(eight);
        double sum = 0;
        int seeds = 40;
        for (long seed = 0; seed < seeds; seed++) {
            double[] a = new double[12];
            double[] b = new double[12];
            for (int i = 0; i < 12; i++) {
                double[] u = space.unitPoint("halton", seed, i);
                a[i] = u[6];
                b[i] = u[7];
            }
            sum += Math.abs(TunePlots.spearman(a, b));
        }
        // Independent random points average about 0.25 here.
        assertTrue(sum / seeds < 0.33, "mean |rank correlation| of the last two dimensions " + sum / seeds);
        // Every digit permutation keeps 0 in place and is a permutation.
        int[] digits = SearchSpace.digitPermutation(19, new SplittableRandom(3));
        assertEquals(0, digits[0]);
        int[] sorted = digits.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }

    @Test
    void unitCoordinatesInvertTheMapping() {
        SearchSpace space = new SearchSpace(SPACE);
        Map<String, String> point = new LinkedHashMap<>();
        point.put("train.learningRate", "0.001");
        point.put("train.dropout", "0.125");
        point.put("train.batchSize", "128");
        point.put("train.epochs", "4");
        assertArrayEquals(new double[] {0.5, 0.25, 1.0, 0.25}, space.unitCoordinates(point), 1e-9);
        for (int i = 0; i < 50; i++) {
            double[] u = space.unitPoint("random", 5, i);
            double[] back = space.unitCoordinates(space.sample("random", 5, i));
            assertEquals(u[0], back[0], 1e-5, "loguniform round trip");
            assertEquals(u[1], back[1], 1e-5, "uniform round trip");
        }
        point.put("train.batchSize", "256");
        assertThrows(IllegalArgumentException.class, () -> space.unitCoordinates(point));
    }

    @Test
    void overridesAreKeyEqualsValueInOrder() {
        LinkedHashMap<String, String> point = new LinkedHashMap<>();
        point.put("train.learningRate", "0.00025");
        point.put("train.batchSize", "64");
        assertEquals(List.of("train.learningRate=0.00025", "train.batchSize=64"), SearchSpace.overrides(point));
        assertEquals("0.000123457", SearchSpace.real(0.0001234567));
        assertEquals("12.5", SearchSpace.real(12.5));
    }

    @Test
    void rejectsWhatCannotBeSampled() {
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(
                new TuneParam("a", "loguniform", 0, 1, null))));
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(
                new TuneParam("a", "uniform", 1, 1, null))));
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(
                new TuneParam("a", "choice", 0, 0, List.of()))));
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(
                new TuneParam("a", "uniform", 0, 1, null), new TuneParam("a", "uniform", 0, 1, null))));
        SearchSpace space = new SearchSpace(SPACE);
        assertThrows(IllegalArgumentException.class, () -> space.sample("sobol", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> space.sample("halton", 1, -1));
    }

    /** The largest gap between neighbouring points on the circle [0, 1), wrapping around. */
    private static double maxGap(SearchSpace space, String sampler, long seed, int points) {
        double[] u = new double[points];
        for (int i = 0; i < points; i++) {
            u[i] = space.unitPoint(sampler, seed, i)[0];
        }
        Arrays.sort(u);
        double gap = 1 - u[points - 1] + u[0];
        for (int i = 1; i < points; i++) {
            gap = Math.max(gap, u[i] - u[i - 1]);
        }
        return gap;
    }
}
