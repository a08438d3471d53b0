package org.deepfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsComeFromTheShippedConfFile() {
        DeepFerConfig c = ConfigLoader.defaults();
        assertEquals(48, c.image().size());
        assertEquals(5, c.audit().nearDupHamming());
        assertEquals("data/warehouse", c.paths().warehouse());
        assertEquals(0.9, c.augment().policy().minScale());
    }

    @Test
    void commandLineOverrideChangesOneTypedKey() {
        DeepFerConfig c = ConfigLoader.load(Optional.empty(), List.of("audit.nearDupHamming=6",
                "augment.policy.flipProbability=0.25", "ingest.input=s3a://bucket/fer", "s3.sslEnabled=false"));
        assertEquals(6, c.audit().nearDupHamming());
        assertEquals(0.25, c.augment().policy().flipProbability());
        assertEquals("s3a://bucket/fer", c.ingest().input());
        assertEquals(false, c.s3().sslEnabled());
        assertEquals(ConfigLoader.defaults().audit().blankStdThreshold(), c.audit().blankStdThreshold());
    }

    @Test
    void unknownOverrideKeyIsAnErrorNamingTheKeyAndTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("audit.nearDupHammming=6")));
        assertTrue(e.getMessage().contains("unknown config key 'audit.nearDupHammming'"), e.getMessage());
        assertTrue(e.getMessage().contains("nearDupHamming"), e.getMessage());
        ConfigException section = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("nosuch.key=1")));
        assertTrue(section.getMessage().contains("'nosuch.key'"), section.getMessage());
        assertFalse(section.getMessage().contains("rebuild"), "a typo in --set is not a stale build");
    }

    @Test
    void unknownKeyInUserFileIsAnErrorNamingTheFile() throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, "audit:\n  nearDupHamming: 4\n  blankThreshold: 3\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(file), List.of()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("audit.blankThreshold"), e.getMessage());
        assertTrue(e.getMessage().endsWith("the build is older than it: rebuild, or run with the conf/ of the"
                + " build's own commit)"), e.getMessage());
    }

    @Test
    void userFileOverlaysDefaultsAndOverridesWinOverTheFile() throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, "seed: 7\naudit:\n  nearDupHamming: 4\n");
        DeepFerConfig c = ConfigLoader.load(Optional.of(file), List.of("audit.nearDupHamming=3"));
        assertEquals(7, c.seed());
        assertEquals(3, c.audit().nearDupHamming());
        assertEquals(48, c.image().size());
    }

    @Test
    void wrongTypeNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("image.size=large")));
        assertTrue(e.getMessage().contains("image.size"), e.getMessage());
    }

    @Test
    void outOfRangeValueIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("audit.nearDupHamming=40")));
        assertTrue(e.getMessage().contains("audit.nearDupHamming must be between 0 and 24, got 40"), e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(), List.of("ingest.format=xml")));
        ConfigException tta = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("realtime.tta=fivecrop")));
        assertEquals("realtime.tta must be one of [none, flip, tencrop], got 'fivecrop'", tta.getMessage());
        assertEquals("tencrop", ConfigLoader.load(Optional.empty(), List.of("realtime.tta=tencrop")).realtime().tta());
    }

    @Test
    void overrideWithoutEqualsOrOnASectionIsRejected() {
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(), List.of("seed")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), List.of("audit=3")));
        assertTrue(e.getMessage().contains("section"), e.getMessage());
    }

    @Test
    void missingConfigFileIsReported() {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(missing), List.of()));
        assertTrue(e.getMessage().contains("nope.yaml"), e.getMessage());
    }

    @Test
    void resolvedConfigRoundTripsThroughYaml() throws Exception {
        DeepFerConfig c = ConfigLoader.load(Optional.empty(), List.of("seed=11", "augment.variantsPerImage=5"));
        Path file = dir.resolve("resolved.yaml");
        Files.writeString(file, ConfigLoader.toYaml(c));
        assertEquals(c, ConfigLoader.load(Optional.of(file), List.of()));
    }
}
