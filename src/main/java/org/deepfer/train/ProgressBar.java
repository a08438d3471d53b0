package org.deepfer.train;

import java.io.PrintStream;

/**
 * Progress through an epoch on stderr. On a terminal: a one-line bar, redrawn in place at most
 * twice a second. Otherwise (a log file, as for a long run in the background): a plain line at each
 * tenth of the epoch, so the log reads line by line instead of holding hundreds of redraws in one.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final String label;
    private final int total;
    private final PrintStream out;
    private final boolean interactive;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastTenth;

    ProgressBar(String label, int total) {
        this(label, total, System.err, System.console() != null);
    }

    ProgressBar(String label, int total, PrintStream out, boolean interactive) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.interactive = interactive;
    }

    void update(int done, double loss) {
        long now = System.nanoTime();
        if (interactive) {
            if (done < total && now - lastDraw < 500_000_000L) {
                return;
            }
            lastDraw = now;
        } else {
            int tenth = (int) (10L * done / Math.max(1, total));
            if (tenth <= lastTenth) {
                return;
            }
            lastTenth = tenth;
        }
        double seconds = (now - started) / 1e9;
        double eta = done == 0 ? 0 : seconds / done * (total - done);
        if (interactive) {
            int filled = (int) ((long) WIDTH * done / Math.max(1, total));
            out.printf("\r%s [%s%s] %d/%d loss %.4f %.0fs eta %.0fs", label, "=".repeat(filled),
                    " ".repeat(WIDTH - filled), done, total, loss, seconds, eta);
            if (done == total) {
                out.println();
            }
        } else {
            out.printf("%s %3d%% %d/%d loss %.4f %.0fs eta %.0fs%n", label, 10 * lastTenth, done, total, loss, seconds,
                    eta);
        }
        out.flush();
    }
}
