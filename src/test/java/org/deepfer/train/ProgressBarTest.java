package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An epoch's progress: redrawn in place on a terminal, a line per tenth in a log file. */
class ProgressBarTest {

    private static String epoch(boolean interactive, int steps) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar("epoch 3/60 train", steps, new PrintStream(bytes, true,
                StandardCharsets.UTF_8), interactive);
        for (int done = 1; done <= steps; done++) {
            bar.update(done, 1.0);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void inALogFileAnEpochIsTenPlainLines() {
        String log = epoch(false, 442);
        assertFalse(log.contains("\r"), "no carriage returns in a log");
        List<String> lines = log.lines().toList();
        assertEquals(10, lines.size(), log);
        assertTrue(lines.get(0).startsWith("epoch 3/60 train  10% 45/442 loss 1.0000"), lines.get(0));
        assertTrue(lines.get(9).startsWith("epoch 3/60 train 100% 442/442"), lines.get(9));
    }

    @Test
    void anEpochShorterThanTenStepsGetsALinePerStep() {
        assertEquals(3, epoch(false, 3).lines().count());
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndEndsTheLineWhenDone() {
        String shown = epoch(true, 442);
        assertTrue(shown.startsWith("\repoch 3/60 train ["), shown);
        assertTrue(shown.endsWith("] 442/442 loss 1.0000 0s eta 0s" + System.lineSeparator()), shown);
        assertEquals(shown.length() - System.lineSeparator().length(), shown.indexOf(System.lineSeparator()),
                "one line, redrawn in place, ended once");
    }
}
