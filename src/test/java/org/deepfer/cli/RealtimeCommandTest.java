package org.deepfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.deepfer.realtime.RealtimeLoop;
import org.junit.jupiter.api.Test;

/** Which files a realtime run writes for each kind of source and option. */
class RealtimeCommandTest {
    private static final Path RESULTS = Path.of("res");

    @Test
    void aVideoGetsTheDemoVideoAndNoImagesUnlessAsked() {
        RealtimeLoop.Outputs o = RealtimeCommand.outputs(RESULTS, false, null, false, null);
        assertEquals(RESULTS.resolve("demo.avi"), o.video());
        assertNull(o.annotated());
        assertEquals(RESULTS.resolve("realtime_frames.jsonl"), o.frames());
        assertEquals(RESULTS.resolve("realtime_faces.csv"), o.faces());
        assertEquals(RESULTS.resolve("realtime_stats.csv"), o.stats());
        assertNull(RealtimeCommand.outputs(RESULTS, false, null, true, null).video(), "--no-video");
        assertEquals(Path.of("x.avi"), RealtimeCommand.outputs(RESULTS, false, Path.of("x.avi"), false, null).video());
    }

    @Test
    void photosGetLabelledCopiesAndNoVideoUnlessAsked() {
        RealtimeLoop.Outputs o = RealtimeCommand.outputs(RESULTS, true, null, false, null);
        assertNull(o.video(), "no slide show by default");
        assertEquals(RESULTS.resolve("annotated"), o.annotated());
        assertEquals(RESULTS.resolve("realtime_faces.csv"), o.faces());
        RealtimeLoop.Outputs asked = RealtimeCommand.outputs(RESULTS, true, Path.of("show.avi"), false, Path.of("mine"));
        assertEquals(Path.of("show.avi"), asked.video());
        assertEquals(Path.of("mine"), asked.annotated());
        assertNull(RealtimeCommand.outputs(RESULTS, true, Path.of("show.avi"), true, null).video(), "--no-video wins");
    }
}
