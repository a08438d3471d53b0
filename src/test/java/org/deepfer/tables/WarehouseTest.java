package org.deepfer.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarehouseTest {
    private static final StructType SCHEMA = new StructType().add("n", DataTypes.IntegerType);

    @TempDir
    Path root;

    @Test
    void aTableIsReadAtTheVersionAskedAndAVersionItDoesNotHaveIsNamed() throws Exception {
        Warehouse warehouse = TestSpark.warehouse(TestSpark.config(root), "versions");
        warehouse.append("t", List.of(RowFactory.create(1)), SCHEMA);
        warehouse.append("t", List.of(RowFactory.create(2), RowFactory.create(3)), SCHEMA);

        assertEquals(1, warehouse.versionOrLatest("t", null));
        assertEquals(0, warehouse.versionOrLatest("t", 0L));
        assertEquals(3, warehouse.read("t").count());
        assertEquals(1, warehouse.readAt("t", 0).count());

        IllegalArgumentException ahead = assertThrows(IllegalArgumentException.class,
                () -> warehouse.versionOrLatest("t", 5L));
        assertTrue(ahead.getMessage().startsWith("t has no version 5; the latest is 1 ("), ahead.getMessage());
        assertThrows(IllegalArgumentException.class, () -> warehouse.versionOrLatest("t", -1L));
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> warehouse.versionOrLatest("absent", null));
        assertTrue(missing.getMessage().startsWith("Delta table 'absent' not found at "), missing.getMessage());

        warehouse.run().finish(null);
        JsonNode provenance = new ObjectMapper().readTree(warehouse.run().dir().resolve("provenance.json").toFile());
        assertEquals(0, provenance.path("tablesRead").path("t").asLong(-1), "the version read last: " + provenance);
        assertEquals(1, provenance.path("tablesWritten").path("t").asLong(-1), provenance.toString());
    }

    @Test
    void theJudgedSplitIsTestOnlyWhereThatVersionHoldsLabeledTestFaces() {
        Warehouse warehouse = TestSpark.warehouse(TestSpark.config(root), "judged");
        StructType faces = new StructType().add("split", DataTypes.StringType).add("label", DataTypes.IntegerType);
        warehouse.append(Warehouse.FACES, List.of(RowFactory.create("validation", 3), RowFactory.create("test", null)),
                faces);
        warehouse.append(Warehouse.FACES, List.of(RowFactory.create("test", 4)), faces);

        assertFalse(warehouse.hasLabeled(Splits.TEST, 0), "version 0's only test face has no label");
        assertTrue(warehouse.hasLabeled(Splits.VALIDATION, 0));
        assertFalse(warehouse.hasLabeled(Splits.TRAIN, 1));
        assertEquals(Splits.VALIDATION, warehouse.judgedSplit(0));
        assertEquals(Splits.TEST, warehouse.judgedSplit(1));
    }
}
