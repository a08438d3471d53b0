package org.deepfer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ResizeTest {
    private static FaceImage face() {
        byte[] px = new byte[48 * 48];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37 % 251);
        }
        return FaceImage.gray(48, 48, px);
    }

    @Test
    void shrunkRoundsAndKeepsAtLeastOnePixel() {
        assertEquals(12, Resize.shrunk(48, 4));
        assertEquals(16, Resize.shrunk(48, 3));
        assertEquals(17, Resize.shrunk(48, 2.8)); // 17.14
        assertEquals(48, Resize.shrunk(48, 1.01)); // 47.52 rounds back
        assertEquals(1, Resize.shrunk(48, 1000));
    }

    @Test
    void downAndBackIsTheTwoResizesAndLeavesAnUnshrunkFaceAlone() {
        FaceImage face = face();
        assertEquals(Resize.to(Resize.to(face, 16, 16), 48, 48), Resize.downAndBack(face, 3));
        assertEquals(48, Resize.downAndBack(face, 3).width());
        assertNotSame(face, Resize.downAndBack(face, 3));
        assertSame(face, Resize.downAndBack(face, 1.01));
    }
}
