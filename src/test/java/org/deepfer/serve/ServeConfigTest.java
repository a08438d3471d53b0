package org.deepfer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.deepfer.config.ConfigException;
import org.deepfer.config.ConfigLoader;
import org.deepfer.config.DeepFerConfig;
import org.deepfer.realtime.StandIns;
import org.deepfer.testing.Cli;
import org.junit.jupiter.api.Test;

/** The serve section of the configuration and the {@code deepfer serve} command line. */
class ServeConfigTest {

    @Test
    void defaultsBindLoopbackOnPort5500() {
        DeepFerConfig.Serve serve = ConfigLoader.defaults().serve();
        assertEquals("127.0.0.1", serve.host());
        assertEquals(5500, serve.port());
        assertEquals(2 << 20, serve.maxFrameBytes());
        assertTrue(serve.maxUploadBytes() >= serve.maxFrameBytes());
    }

    @Test
    void outOfRangeValuesNameTheirKey() {
        for (String bad : List.of("serve.port=70000", "serve.port=-1", "serve.maxFrameBytes=10",
                "serve.maxUploadBytes=0", "serve.maxSessions=0", "serve.host= ")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(Optional.empty(), List.of(bad)));
            String key = bad.substring(0, bad.indexOf('='));
            assertTrue(e.getMessage().contains(key), bad + ": " + e.getMessage());
        }
    }

    @Test
    void aBusyPortIsAConfigErrorNamingTheKeys() {
        FrameAnalyzer analyzer = new FrameAnalyzer(new StandIns.BrightSquareDetector(),
                new StandIns.BrightnessClassifier(), 0, false, () -> null, 1);
        try (DemoServer first = DemoServer.start(analyzer, ConfigLoader.load(Optional.empty(),
                List.of("serve.port=0")).serve(), "m")) {
            DeepFerConfig.Serve same = new DeepFerConfig.Serve("127.0.0.1", first.port(), 4096, 4096, 1);
            ConfigException e = assertThrows(ConfigException.class, () -> DemoServer.start(analyzer, same, "m"));
            assertTrue(e.getMessage().contains("serve.port"), e.getMessage());
            assertTrue(first.pageUrl().matches("http://127\\.0\\.0\\.1:\\d+/index\\.html"), first.pageUrl());
        } finally {
            analyzer.close();
        }
    }

    @Test
    void serveHasHelpAndRefusesAModelThatIsNotThere() {
        Cli.Outcome help = Cli.run("serve", "--help");
        Cli.Outcome noModel = Cli.run("serve", "--port", "0", "--model", "models/no-such-model");
        assertEquals(0, help.code());
        assertEquals(2, noModel.code());
        assertTrue(help.out().contains("Usage: deepfer serve") && help.out().contains("--port")
                && help.out().contains("--host") && help.out().contains("--model"), help.out());
        assertTrue(noModel.err().contains("--model models/no-such-model: model directory "), noModel.err());
    }
}
