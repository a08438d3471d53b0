package org.deepfer.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The successive-halving schedule of {@code deepfer tune}: train many trials briefly, keep the best
 * {@code 1/eta} of them, train those {@code eta} times longer, and so on, so that most of the epoch
 * budget goes to the few configurations that looked good early.
 *
 * <p>Rung {@code k} trains {@code max(1, floor(trials / eta^k))} trials to
 * {@code min(maxEpochs, minEpochs * eta^k)} epochs. The plan ends with the first rung that reaches
 * {@code maxEpochs}, or with the first rung that keeps a single trial, which is then trained to
 * {@code maxEpochs}: there is nothing left to compare it with, so stopping it early would only
 * leave the winner under-trained. Either way the last rung always trains to {@code maxEpochs}.
 *
 * <p>Example: 12 trials, eta 3, epochs 2 to 18 give
 * <pre>
 *   rung 0:  12 trials to  2 epochs
 *   rung 1:   4 trials to  6 epochs   (best 12/3)
 *   rung 2:   1 trial  to 18 epochs   (best 12/9)
 * </pre>
 * Promoted trials continue their runs rather than starting over, so the plan costs
 * 12*2 + 4*(6-2) + 1*(18-6) = 52 epochs (see {@link #totalEpochs}), against 216 for training all
 * twelve to 18 epochs.
 */
public final class SuccessiveHalving {
    private SuccessiveHalving() {}

    /**
     * One rung of the plan.
     *
     * @param index 0 for the first rung
     * @param epochs how many epochs (in total, from the start of the run) each trial has after this rung
     * @param trials how many trials train in this rung
     */
    public record Rung(int index, int epochs, int trials) {}

    /**
     * The rungs for {@code trials} first-rung trials; see the class comment for the rule and an
     * example.
     *
     * @throws IllegalArgumentException unless trials &ge; 1, eta &ge; 2 and 1 &le; minEpochs &le;
     *     maxEpochs
     */
    public static List<Rung> plan(int trials, int eta, int minEpochs, int maxEpochs) {
        if (trials < 1) {
            throw new IllegalArgumentException("successive halving needs at least 1 trial, got " + trials);
        }
        if (eta < 2) {
            throw new IllegalArgumentException("successive halving needs eta >= 2, got " + eta);
        }
        if (minEpochs < 1 || maxEpochs < minEpochs) {
            throw new IllegalArgumentException("successive halving needs 1 <= minEpochs <= maxEpochs, got "
                    + minEpochs + " and " + maxEpochs);
        }
        List<Rung> rungs = new ArrayList<>();
        long factor = 1; // eta^k, capped so that it cannot overflow
        for (int k = 0; ; k++) {
            int keep = (int) Math.max(1, trials / factor);
            long planned = Math.min(maxEpochs, minEpochs * factor);
            int epochs = keep == 1 ? maxEpochs : (int) planned;
            rungs.add(new Rung(k, epochs, keep));
            if (epochs == maxEpochs) {
                return List.copyOf(rungs);
            }
            // Epochs grow by at least a factor 2 per rung, so this ends within ~31 rungs.
            factor = Math.min(factor * eta, (long) Integer.MAX_VALUE);
        }
    }

    /**
     * The epochs a plan trains in all: each rung's trials times the epochs they add to the
     * previous rung's, since a promoted trial continues its run rather than starting over. Lets
     * the job report the budget, and compare it with training every trial to {@code maxEpochs}.
     */
    public static long totalEpochs(List<Rung> plan) {
        long total = 0;
        int previous = 0;
        for (Rung rung : plan) {
            total += (long) rung.trials() * (rung.epochs() - previous);
            previous = rung.epochs();
        }
        return total;
    }

    /**
     * The trials that go on to the next rung: the ids of the {@code keep} best scores, best first
     * (higher is better), ties broken by the smaller id so that a rerun promotes the same trials.
     * A NaN or missing score marks a failed trial, which is never promoted, even when that leaves
     * fewer than {@code keep} ids.
     */
    public static List<Integer> promote(Map<Integer, Double> scores, int keep) {
        if (keep < 0) {
            throw new IllegalArgumentException("cannot promote a negative number of trials: " + keep);
        }
        List<Map.Entry<Integer, Double>> valid = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : scores.entrySet()) {
            if (e.getKey() != null && e.getValue() != null && !e.getValue().isNaN()) {
                valid.add(e);
            }
        }
        valid.sort(Comparator.<Map.Entry<Integer, Double>>comparingDouble(Map.Entry::getValue)
                .reversed()
                .thenComparing(Map.Entry::getKey));
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(keep, valid.size()); i++) {
            ids.add(valid.get(i).getKey());
        }
        return ids;
    }
}
