package org.deepfer.train;

import java.io.PrintStream;

/** A one-line progress bar for an epoch on the console (stderr), redrawn at most twice a second. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final String label;
    private final int total;
    private final long started = System.nanoTime();
    private final PrintStream out = System.err;
    private long lastDraw;

    ProgressBar(String label, int total) {
        this.label = label;
        this.total = total;
    }

    void update(int done, double loss) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 500_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = (int) ((long) WIDTH * done / Math.max(1, total));
        double seconds = (now - started) / 1e9;
        double eta = done == 0 ? 0 : seconds / done * (total - done);
        out.printf("\r%s [%s%s] %d/%d loss %.4f %.0fs eta %.0fs", label, "=".repeat(filled), " ".repeat(WIDTH - filled),
                done, total, loss, seconds, eta);
        if (done == total) {
            out.println();
        }
        out.flush();
    }
}
