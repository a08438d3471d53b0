package org.deepfer.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

/**
 * Prints a progress line for long Spark stages (tasks done / total, elapsed), at most every few
 * seconds, so a user watching a 30 000-image ingest sees it move. Short stages stay silent.
 */
public final class ProgressListener extends SparkListener {
    private static final Logger LOG = LogManager.getLogger(ProgressListener.class);
    private static final long REPORT_EVERY_MS = 3_000;

    private final String job;
    private final Map<Integer, Stage> stages = new ConcurrentHashMap<>();

    public ProgressListener(String job) {
        this.job = job;
    }

    private static final class Stage {
        final String name;
        final int total;
        final long startedMs = System.currentTimeMillis();
        int done;
        long lastReportMs = startedMs;

        Stage(String name, int total) {
            this.name = name;
            this.total = total;
        }
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        StageInfo info = event.stageInfo();
        stages.put(info.stageId(), new Stage(shortName(info.name()), info.numTasks()));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        Stage stage = stages.get(event.stageId());
        if (stage == null) {
            return;
        }
        synchronized (stage) {
            stage.done++;
            long now = System.currentTimeMillis();
            if (now - stage.lastReportMs >= REPORT_EVERY_MS && stage.done < stage.total) {
                stage.lastReportMs = now;
                LOG.info(String.format("[%s] %s: %d/%d tasks (%d%%), %.1fs", job, stage.name, stage.done,
                        stage.total, 100 * stage.done / Math.max(1, stage.total), (now - stage.startedMs) / 1000.0));
            }
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        Stage stage = stages.remove(event.stageInfo().stageId());
        if (stage != null) {
            long elapsed = System.currentTimeMillis() - stage.startedMs;
            if (elapsed >= REPORT_EVERY_MS) {
                LOG.info(String.format("[%s] %s: %d tasks done in %.1fs", job, stage.name, stage.total, elapsed / 1000.0));
            }
        }
    }

    private static String shortName(String name) {
        int at = name.indexOf(" at ");
        return at > 0 ? name.substring(0, at) : name;
    }
}
