package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OneDnnProbeTest {

    @Test
    void theReferenceConvolutionPadsWithZerosAndSumsOverChannels() {
        // Two 3x3 channels (1..9 and all 2), one output: channel 0 through a centre tap, channel 1
        // through an all-ones kernel, which sums each pixel's in-picture neighbourhood.
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 2, 2, 2, 2, 2, 2, 2, 2};
        float[] w = {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] expected = {1 + 8, 2 + 12, 3 + 8, 4 + 12, 5 + 18, 6 + 12, 7 + 8, 8 + 12, 9 + 8};
        assertArrayEquals(expected, OneDnnProbe.reference(x, w, 1, 2, 1, 3), 1e-6f);
    }

    @Test
    void pytorchConvolutionsAreExactHere() {
        // Tests run with the cap the launcher would set on a machine where they are not
        // (surefire's ONEDNN_MAX_CPU_ISA); without it, this fails on such a machine.
        OneDnnProbe.Result result = OneDnnProbe.run();
        assertTrue(result.exact(), result.toString());
    }

    @Test
    void aLargeErrorIsNotExact() {
        assertFalse(new OneDnnProbe.Result(1.4, "29->58").exact());
        assertTrue(new OneDnnProbe.Result(2e-6, "32->64").exact());
    }
}
