package org.deepfer.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.junit.jupiter.api.Test;

/** Where a folder file's split and label come from. */
class RecordDecoderTest {
    private static final byte[] PNG = ImageCodec.encodePng(FaceImage.gray(48, 48, new byte[48 * 48]));
    private final RecordDecoder decoder = new RecordDecoder(48);

    private Ingested decode(String relative) {
        return decoder.fromFolderFile("file:///in/" + relative, relative, PNG, "test");
    }

    @Test
    void splitFolderAboveTheLabelWins() {
        Ingested r = decode("data/validation/happy/a.png");
        assertNull(r.reason());
        assertEquals("validation", r.split());
        assertEquals("happy", r.labelName());
    }

    @Test
    void labelFoldersAloneGoToTheDefaultSplit() {
        assertEquals("test", decode("sad/b.png").split());
        Ingested r = decode("my-photos/surprise/c.png");
        assertNull(r.reason());
        assertEquals("test", r.split());
        assertEquals("surprise", r.labelName());
    }

    @Test
    void layoutsThatNameNeitherAreQuarantinedWithWhy() {
        assertEquals(RecordDecoder.BAD_LAYOUT, decode("loose.png").reason());
        assertEquals(RecordDecoder.BAD_LAYOUT, decode("unknown/d.png").reason());
        assertEquals(RecordDecoder.UNKNOWN_SPLIT, decode("holdout/happy2/e.png").reason());
        assertEquals(RecordDecoder.UNKNOWN_LABEL, decode("train/smirk/f.png").reason());
    }
}
