package org.deepfer.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.deepfer.predict.ModelBundle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The models shipped in the repository load, still classify their fixture faces as recorded when
 * they were shipped, with DJL and ONNX Runtime agreeing, and fit their size budgets.
 */
class ShippedModelTest {

    @ParameterizedTest
    @ValueSource(strings = {"models/default", "models/fast"})
    void theShippedModelClassifiesItsFixtureAsRecordedWithBothEngines(String dir) {
        Path model = Path.of(dir);
        assertTrue(Files.isRegularFile(model.resolve(ModelBundle.ONNX)), model + " is not in the repository");
        ModelBundle.load(model);

        Fixture.Check check = Fixture.check(model);

        assertEquals(Fixture.read(model).faces().size(), check.faces());
        assertTrue(check.passed(), check.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"models/default:25000000", "models/fast:2000000"})
    void theShippedModelFitsItsBudget(String spec) throws Exception {
        Path model = Path.of(spec.substring(0, spec.indexOf(':')));
        long budget = Long.parseLong(spec.substring(spec.indexOf(':') + 1));
        long bytes;
        try (Stream<Path> files = Files.walk(model)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes <= budget, model + " takes " + bytes + " bytes, budget " + budget);
        assertTrue(Files.isRegularFile(model.resolve("model.onnx")), model + " has no ONNX file");
    }

    @org.junit.jupiter.api.Test
    void theDefaultModelIsFoundFromTheProject() {
        assertEquals(DefaultModel.DIR.toAbsolutePath().normalize(), DefaultModel.find().orElseThrow());
    }
}
