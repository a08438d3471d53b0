package org.deepfer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deepfer.tune.SuccessiveHalving.Rung;
import org.junit.jupiter.api.Test;

class SuccessiveHalvingTest {
    @Test
    void defaultConfigPlanKeepsAThirdAndEndsWithOneTrialAtMaxEpochs() {
        List<Rung> plan = SuccessiveHalving.plan(12, 3, 2, 18);
        assertEquals(List.of(new Rung(0, 2, 12), new Rung(1, 6, 4), new Rung(2, 18, 1)), plan);
        assertEquals(12 * 2 + 4 * 4 + 12, SuccessiveHalving.totalEpochs(plan));
    }

    @Test
    void powersOfEtaGiveTheTextbookSchedule() {
        assertEquals(List.of(new Rung(0, 1, 27), new Rung(1, 3, 9), new Rung(2, 9, 3), new Rung(3, 27, 1)),
                SuccessiveHalving.plan(27, 3, 1, 27));
    }

    @Test
    void minEqualToMaxIsOneRung() {
        assertEquals(List.of(new Rung(0, 10, 12)), SuccessiveHalving.plan(12, 3, 10, 10));
    }

    @Test
    void aSingleSurvivorIsTrainedToMaxEpochs() {
        // 5 trials, eta 2: 5@1, 2@2, then 1 left, trained to 100 rather than 4.
        assertEquals(List.of(new Rung(0, 1, 5), new Rung(1, 2, 2), new Rung(2, 100, 1)),
                SuccessiveHalving.plan(5, 2, 1, 100));
        assertEquals(List.of(new Rung(0, 20, 1)), SuccessiveHalving.plan(1, 3, 2, 20));
        // Reaching maxEpochs ends the plan even with several trials left.
        assertEquals(List.of(new Rung(0, 5, 100), new Rung(1, 10, 50)), SuccessiveHalving.plan(100, 2, 5, 10));
    }

    @Test
    void everyPlanEndsAtMaxEpochsWithFewerTrialsPerRung() {
        for (int trials = 1; trials <= 40; trials++) {
            for (int eta = 2; eta <= 5; eta++) {
                List<Rung> plan = SuccessiveHalving.plan(trials, eta, 1, 50);
                assertEquals(50, plan.get(plan.size() - 1).epochs());
                for (int k = 1; k < plan.size(); k++) {
                    assertTrue(plan.get(k).trials() < plan.get(k - 1).trials());
                    assertTrue(plan.get(k).epochs() > plan.get(k - 1).epochs());
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SuccessiveHalving.plan(0, 3, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> SuccessiveHalving.plan(5, 1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> SuccessiveHalving.plan(5, 3, 3, 2));
    }

    @Test
    void promoteTakesTheBestScoresBreaksTiesBySmallerIdAndSkipsFailures() {
        Map<Integer, Double> scores = new HashMap<>();
        scores.put(4, 0.61);
        scores.put(0, 0.55);
        scores.put(7, Double.NaN);
        scores.put(2, 0.61);
        scores.put(9, 0.70);
        scores.put(3, null);
        assertEquals(List.of(9, 2, 4), SuccessiveHalving.promote(scores, 3));
        assertEquals(List.of(9, 2, 4, 0), SuccessiveHalving.promote(scores, 6));
        assertEquals(List.of(), SuccessiveHalving.promote(scores, 0));
        assertEquals(List.of(), SuccessiveHalving.promote(Map.of(1, Double.NaN), 1));
    }
}
