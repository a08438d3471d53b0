package org.deepfer.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.image.FaceImage;
import org.deepfer.run.Reports;
import org.deepfer.tables.Warehouse;
import org.deepfer.testing.Samples;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentJobTest {
    @TempDir
    Path root;

    private static Dataset<Row> table(Warehouse warehouse, String name) {
        return TestSpark.session().read().format("delta").load(warehouse.path(name));
    }

    @Test
    void writesKReproducibleVariantsPerTrainingImageAndTrainStatistics() throws Exception {
        DeepFerConfig config = TestSpark.config(root, "augment.variantsPerImage=3");
        Samples.ingest(config);
        Warehouse warehouse = TestSpark.warehouse(config, "augment");

        AugmentJob.Result result = new AugmentJob(warehouse).run();

        Dataset<Row> train = table(warehouse, Warehouse.FACES).filter("split = 'train'");
        long trainRows = train.count();
        assertEquals(trainRows * 3, result.variants());
        assertEquals(trainRows * 3, table(warehouse, Warehouse.FACES_AUG).count());

        // Every stored variant is exactly what the augmenter gives for (id, variant, seed).
        Augmenter augmenter = new Augmenter(config.augment().policy());
        Map<String, FaceImage> originals = new TreeMap<>();
        List<Row> trainRowsRead = train.select("id", "width", "height", "pixels").collectAsList();
        for (Row r : trainRowsRead) {
            originals.put(r.getString(0), FaceImage.gray(r.getInt(1), r.getInt(2), r.getAs(3)));
        }
        List<Row> variants = table(warehouse, Warehouse.FACES_AUG)
                .select("id", "variant", "seed", "pixels", "ops").collectAsList();
        for (Row v : variants) {
            Augmenter.Augmented expected = augmenter.apply(originals.get(v.getString(0)), v.getString(0), v.getInt(1),
                    v.getLong(2));
            assertArrayEquals(expected.image().pixels(), (byte[]) v.getAs(3));
            assertEquals(expected.ops(), v.getString(4));
        }

        // Normalization statistics computed directly from the train pixels, every row: duplicates share
        // an id (the sample plants some), and each copy counts.
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (Row r : trainRowsRead) {
            for (byte b : (byte[]) r.getAs(3)) {
                double x = (b & 0xFF) / 255.0;
                sum += x;
                sumSq += x * x;
                n++;
            }
        }
        assertTrue(originals.size() < trainRows, "the sample plants same-byte copies in train");
        assertEquals(trainRows, result.normalization().images());
        AugmentJob.Normalization stored = Reports.readJson(Path.of(config.paths().results(), "normalization.json"),
                AugmentJob.Normalization.class);
        assertEquals(result.normalization(), stored);
        assertEquals(sum / n, stored.mean(), 1e-9);
        assertEquals(Math.sqrt(sumSq / n - (sum / n) * (sum / n)), stored.std(), 1e-9);
        assertTrue(stored.mean() > 0.2 && stored.mean() < 0.8, "mean " + stored.mean());
        assertTrue(Files.size(Path.of(config.paths().results(), "sample_augs.jpg")) > 10_000);
    }

    @Test
    void reRunningGivesIdenticalVariants() {
        DeepFerConfig config = TestSpark.config(root);
        Samples.ingest(config);
        Warehouse first = TestSpark.warehouse(config, "augment");
        new AugmentJob(first).run();
        List<Row> before = table(first, Warehouse.FACES_AUG).select("source", "variant", "pixels", "ops")
                .orderBy("source", "variant").collectAsList();
        new AugmentJob(TestSpark.warehouse(config, "augment")).run();
        List<Row> after = table(first, Warehouse.FACES_AUG).select("source", "variant", "pixels", "ops")
                .orderBy("source", "variant").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getString(0), after.get(i).getString(0));
            assertArrayEquals((byte[]) before.get(i).get(2), (byte[]) after.get(i).get(2));
            assertEquals(before.get(i).getString(3), after.get(i).getString(3));
        }
    }
}
