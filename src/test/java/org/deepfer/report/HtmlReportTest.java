package org.deepfer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepfer.image.FaceImage;
import org.deepfer.image.ImageCodec;
import org.deepfer.run.Csv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    @TempDir
    Path results;

    @Test
    void anEmptyResultsFolderGivesAPageThatSaysWhatToRun() throws Exception {
        HtmlReport report = new HtmlReport(results, null);
        String html = Files.readString(report.write());
        assertTrue(report.sections().isEmpty());
        assertTrue(html.contains("Not run yet: deepfer pipeline"), html);
        assertTrue(html.contains("Not run yet: deepfer evaluate"), html);
        assertFalse(html.contains("<script"), "self-contained and inert");
        assertFalse(html.contains("Runs compared"), "an optional section has no heading until it is made");
    }

    @Test
    void filledSectionsInlineTheirFilesAndEscapeText() throws Exception {
        Files.writeString(results.resolve("data_audit.json"), "{\"images\": 1234, \"facesTable\": \"file:/w/faces\","
                + " \"facesVersion\": 2, \"imagesPerSplit\": {\"train\": 1000}, \"findings\": {\"blank\": {\"images\": 3,"
                + " \"groups\": 3}}, \"classBalance\": {\"counts\": [1, 2], \"imbalanceRatio\": 2.0}}");
        Files.write(results.resolve("class_distribution.png"),
                ImageCodec.encodePng(FaceImage.gray(4, 4, new byte[16])));
        Files.writeString(results.resolve("model_sweep.csv"),
                "model,status,error\nbaseline,ok,\nvgg-fer,failed,\"out of memory, <batch 512>\"\n");
        Files.writeString(results.resolve("final_eval.json"), "{\"modelId\": \"m1\", \"modelDir\": \"/nowhere/m1\","
                + " \"backbone\": \"resnet18\", \"split\": \"validation\", \"inputVersion\": 1, \"tta\": \"none\","
                + " \"metrics\": {\"accuracy\": 0.6241, \"macroAverage\": {\"f1\": 0.5868}}}");

        HtmlReport report = new HtmlReport(results, null);
        String html = Files.readString(report.write());
        assertEquals(List.of("Data audit", "Model sweep", "Evaluation"), report.sections());
        assertTrue(html.contains("1,234 images"), html);
        assertTrue(html.contains("src=\"data:image/png;base64,"), "images are inlined");
        assertTrue(html.contains("out of memory, &lt;batch 512&gt;"), "a quoted comma stays in its cell, escaped");
        assertTrue(html.contains("accuracy 0.6241"), html);
        assertTrue(html.contains("Not run yet: deepfer robustness"), html);
    }

    @Test
    void csvFieldsRoundTrip() {
        assertEquals(List.of("a", "b,c", "say \"hi\"", ""), Csv.read(write("a,\"b,c\",\"say \"\"hi\"\"\",\n")).get(0));
        assertEquals("\"first line only\"", Csv.text("first line only\nsecond"));
        assertEquals("", Csv.number(Double.NaN));
    }

    private Path write(String text) {
        try {
            return Files.writeString(results.resolve("t.csv"), text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
