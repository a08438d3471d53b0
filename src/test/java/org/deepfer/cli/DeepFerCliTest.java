package org.deepfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deepfer.testing.Cli;
import org.deepfer.testing.Cli.Outcome;
import org.deepfer.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DeepFerCliTest {
    @TempDir
    Path root;

    private static Outcome run(String... args) {
        return Cli.run(args);
    }

    private String[] paths() {
        return new String[] {"--set", "paths.sample=" + root.resolve("sample"), "--set",
            "paths.warehouse=" + root.resolve("warehouse"), "--set", "paths.results=" + root.resolve("results")};
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : List.of("generate-sample", "ingest", "audit", "augment", "pipeline", "train", "sweep", "tune",
                "predict", "evaluate", "robustness", "explain", "ensemble", "report", "export", "ship", "realtime", "serve")) {
            Outcome o = run(command, "--help");
            assertEquals(0, o.code(), command);
            assertTrue(o.out().contains("Usage: deepfer " + command), o.out());
            assertTrue(o.out().contains("--set=KEY=VALUE"), command + ": " + o.out());
        }
    }

    /**
     * {@code deepfer --help} lists each command with the first line of its header (else of its
     * description): one whole sentence per command, not a description cut off mid-sentence.
     */
    @Test
    void theCommandListSummarizesEveryCommandInOneWholeLine() {
        Outcome o = run("--help");
        assertEquals(0, o.code(), o.err());
        CommandLine cli = new CommandLine(new DeepFer());
        assertEquals(18, cli.getSubcommands().size(), "every command is checked");
        for (var entry : cli.getSubcommands().entrySet()) {
            String[] header = entry.getValue().getCommandSpec().usageMessage().header();
            assertEquals(1, header.length, entry.getKey() + " has a one-line header");
            String summary = header[0];
            assertTrue(summary.endsWith(".") && summary.length() <= 60, entry.getKey() + ": '" + summary + "'");
            String listed = Pattern.quote(entry.getKey()) + " +" + Pattern.quote(summary);
            assertTrue(o.out().lines().anyMatch(line -> line.trim().matches(listed)),
                    "listed in one line: " + entry.getKey() + "\n" + o.out());
        }
    }

    /** Each line of a command's description prints whole in its --help, not wrapped into a line and a stub. */
    @Test
    void everyDescriptionLinePrintsWholeInItsHelp() {
        CommandLine cli = new CommandLine(new DeepFer());
        for (var entry : cli.getSubcommands().entrySet()) {
            Outcome o = run(entry.getKey(), "--help");
            for (String line : entry.getValue().getCommandSpec().usageMessage().description()) {
                String expected = line.strip();
                assertTrue(o.out().lines().anyMatch(printed -> printed.strip().equals(expected)),
                        entry.getKey() + " --help prints '" + expected + "' on one line:\n" + o.out());
            }
        }
    }

    @Test
    void unknownConfigKeyExitsWithUsageErrorAndNamesTheKey() {
        Outcome o = run("generate-sample", "--set", "sample.trainPerKlass=3");
        assertEquals(DeepFer.USAGE_ERROR, o.code());
        assertTrue(o.err().contains("unknown config key 'sample.trainPerKlass'"), o.err());
    }

    /** A frame source that cannot be read is the user's to fix: exit code 2 and its name, no stack trace. */
    @Test
    void realtimeOnAnUnreadableSourceExitsWithUsageErrorNamingIt() throws Exception {
        Path video = root.resolve("absent.avi");
        Outcome o = run("realtime", "--model", "models/fast", "--video", video.toString(), "--no-video");
        assertEquals(DeepFer.USAGE_ERROR, o.code(), o.err());
        assertTrue(o.err().contains("error: no such video file: " + video), o.err());
        assertFalse(o.err().contains("\tat "), "no stack trace:\n" + o.err());

        Path empty = Files.createDirectories(root.resolve("no-images"));
        Files.writeString(empty.resolve("notes.txt"), "not a frame");
        o = run("realtime", "--model", "models/fast", "--images", empty.toString(), "--no-video");
        assertEquals(DeepFer.USAGE_ERROR, o.code(), o.err());
        assertTrue(o.err().contains("error: no .jpg, .png or .bmp images in " + empty), o.err());

        Path absent = root.resolve("absent-folder");
        o = run("realtime", "--model", "models/fast", "--images", absent.toString(), "--no-video");
        assertEquals(DeepFer.USAGE_ERROR, o.code(), o.err());
        assertTrue(o.err().contains(absent.toString()), o.err());
    }

    /** Annotated photos keep their names: written into the photos' own folder they would replace them. */
    @Test
    void realtimeRefusesToWriteAnnotatedPhotosOverTheirOwnFolder() throws Exception {
        Path photos = Files.createDirectories(root.resolve("photos"));
        Path photo = photos.resolve("face.png");
        Files.write(photo, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        byte[] before = Files.readAllBytes(photo);
        for (List<String> source : List.of(List.of("--images", photos.toString()), List.of("--photos", photos.toString()),
                List.of("--photos", photo.toString()))) {
            Outcome o = run("realtime", "--model", "models/fast", source.get(0), source.get(1), "--annotated",
                    photos.resolve(".").toString(), "--no-video");
            assertEquals(DeepFer.USAGE_ERROR, o.code(), o.err());
            assertTrue(o.err().contains("is the " + source.get(0) + " folder"), source + ": " + o.err());
            assertArrayEquals(before, Files.readAllBytes(photo), "the photo is untouched");
        }
    }

    @Test
    void missingInputExitsWithUsageErrorNamingIt() {
        TestSpark.session();
        String[] args = Stream.concat(Stream.of("ingest", "--input", root.resolve("absent").toString()),
                Stream.of(paths())).toArray(String[]::new);
        Outcome o = run(args);
        assertEquals(DeepFer.USAGE_ERROR, o.code());
        assertTrue(o.err().contains("input path does not exist") && o.err().contains("absent"), o.err());
    }

    @Test
    void pipelineRunsTheDataStagesOnTheBuiltInSampleAndRecordsProvenance() throws Exception {
        TestSpark.session();
        Outcome o = run(Stream.concat(Stream.of("pipeline", "--stages", "ingest,audit,augment"), Stream.of(paths()))
                .toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("pipeline done"), o.out());
        Path results = root.resolve("results");
        for (String file : List.of("classes.json", "data_audit.json", "normalization.json", "sample_augs.jpg")) {
            assertTrue(Files.exists(results.resolve(file)), file);
        }
        Path runDir;
        try (Stream<Path> runs = Files.list(results.resolve("runs"))) {
            runDir = runs.filter(p -> p.getFileName().toString().endsWith("-pipeline")).findFirst().orElseThrow();
        }
        assertTrue(Files.readString(runDir.resolve("config.yaml")).contains("nearDupHamming: 5"));
        JsonNode provenance = new ObjectMapper().readTree(runDir.resolve("provenance.json").toFile());
        assertEquals("succeeded", provenance.get("status").asText());
        assertEquals(42, provenance.get("seed").asLong());
        for (String table : List.of("faces", "quarantine", "audit_findings", "faces_aug")) {
            assertTrue(provenance.get("tablesWritten").has(table), table);
        }
        assertTrue(provenance.get("tablesRead").has("faces"));
        assertTrue(provenance.get("stageSeconds").has("decode"));
        assertTrue(provenance.get("gitCommit").asText().length() > 0);
    }
}
