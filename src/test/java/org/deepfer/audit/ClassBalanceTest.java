package org.deepfer.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.deepfer.tables.Labels;
import org.junit.jupiter.api.Test;

class ClassBalanceTest {
    @Test
    void balancedCountsGiveUnitWeightsAndNoRemedy() {
        ClassBalance b = ClassBalance.of(new long[] {10, 10, 10, 10, 10, 10, 10}, 0.999, Labels.NAMES);
        assertEquals(1.0, b.imbalanceRatio());
        for (int i = 0; i < 7; i++) {
            assertEquals(1.0, b.inverseFrequencyWeights()[i], 1e-12);
            assertEquals(1.0, b.effectiveNumberWeights()[i], 1e-12);
            assertEquals(1.0 / 70, b.samplingProbability()[i], 1e-12);
        }
        assertTrue(b.remedies().get(0).contains("roughly balanced"));
    }

    @Test
    void fer2013TrainCountsGiveTheKnownRatioAndFavourDisgust() {
        long[] fer = {3995, 436, 4097, 7215, 4830, 3171, 4965};
        ClassBalance b = ClassBalance.of(fer, 0.999, Labels.NAMES);
        assertEquals(7215.0 / 436, b.imbalanceRatio(), 1e-9);
        assertEquals(28709.0 / (7 * 436), b.inverseFrequencyWeights()[1], 1e-9);
        assertEquals(7.0, Arrays.stream(b.effectiveNumberWeights()).sum(), 1e-9);
        for (int i = 0; i < 7; i++) {
            assertTrue(i == 1 || b.effectiveNumberWeights()[1] > b.effectiveNumberWeights()[i]);
            // Each class is drawn with equal total probability 1/7.
            assertEquals(1.0 / 7, b.samplingProbability()[i] * fer[i], 1e-12);
        }
        assertTrue(String.join(" ", b.remedies()).contains("disgust x9.4"), b.remedies().toString());
    }

    @Test
    void emptyClassIsCalledOut() {
        ClassBalance b = ClassBalance.of(new long[] {5, 0, 5, 5, 5, 5, 5}, 0.99, Labels.NAMES);
        assertEquals(0.0, b.inverseFrequencyWeights()[1]);
        assertTrue(b.remedies().get(0).contains("'disgust' has no training images"));
    }

    @Test
    void duplicateGroupsJoinChainsRegardlessOfEdgeOrder() {
        DuplicateGroups a = new DuplicateGroups();
        a.link("c", "d");
        a.link("a", "b");
        a.link("b", "c");
        a.link("x", "y");
        DuplicateGroups b = new DuplicateGroups();
        b.link("y", "x");
        b.link("b", "c");
        b.link("d", "c");
        b.link("b", "a");
        assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("x", "y")), a.groups());
        assertEquals(a.groupOf(), b.groupOf());
    }
}
