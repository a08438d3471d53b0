package org.deepfer.train;

import java.nio.file.Path;
import java.util.List;
import org.deepfer.plot.LineChart;

/** The loss and accuracy/macro-F1 curves of a run as one PNG. */
public final class TrainingCurves {
    private TrainingCurves() {}

    public static void write(List<EpochMetrics> history, Path file) {
        double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
        LineChart.Panel loss = new LineChart.Panel("Loss", "epoch", "loss", List.of(
                new LineChart.Series("train", epochs, history.stream().mapToDouble(EpochMetrics::trainLoss).toArray()),
                new LineChart.Series("validation", epochs,
                        history.stream().mapToDouble(EpochMetrics::valLoss).toArray())), true);
        LineChart.Panel quality = new LineChart.Panel("Accuracy and macro-F1", "epoch", "", List.of(
                new LineChart.Series("train accuracy", epochs,
                        history.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray()),
                new LineChart.Series("validation accuracy", epochs,
                        history.stream().mapToDouble(EpochMetrics::valAccuracy).toArray()),
                new LineChart.Series("validation macro-F1", epochs,
                        history.stream().mapToDouble(EpochMetrics::valMacroF1).toArray())), true);
        LineChart.writePng(List.of(loss, quality), 1100, 450, file);
    }
}
