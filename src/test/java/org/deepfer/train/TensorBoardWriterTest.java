package org.deepfer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deepfer.train.TensorBoardWriter.CorruptEventFileException;
import org.deepfer.train.TensorBoardWriter.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardWriterTest {
    private static final byte[] CHECK_INPUT = "123456789".getBytes(StandardCharsets.US_ASCII);
    /** The published CRC-32C check value of "123456789". */
    private static final int CRC32C_OF_CHECK_INPUT = 0xE3069283;
    /** That value rotated right by 15 and offset by 0xa282ead8, worked out by hand. */
    private static final int MASKED_CRC32C_OF_CHECK_INPUT = 0xC78AB0E5;

    @Test
    void scalarsAreReadBackExactly(@TempDir Path dir) {
        double before = System.currentTimeMillis() / 1000.0;
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(dir.resolve("logs/run-1"))) {
            writer.scalar("loss/train", 1, 1.75);
            writer.scalar("loss/validation", 1, 1.5);
            writer.scalar("accuracy/validation", 1, 0.40625);
            writer.flush();
            writer.scalar("loss/train", 2, 0.875);
            writer.scalar("macro_f1/validation", 0, 0.0);
            writer.scalar("négatif", -3, -2.5);
            writer.scalar("large step", 1L << 40, 1e30);
            file = writer.file();
        }
        double after = System.currentTimeMillis() / 1000.0;

        List<Scalar> scalars = TensorBoardWriter.read(file);
        assertEquals(List.of("loss/train", "loss/validation", "accuracy/validation", "loss/train",
                "macro_f1/validation", "négatif", "large step"), scalars.stream().map(Scalar::tag).toList());
        assertEquals(List.of(1L, 1L, 1L, 2L, 0L, -3L, 1L << 40), scalars.stream().map(Scalar::step).toList());
        assertEquals(List.of(1.75f, 1.5f, 0.40625f, 0.875f, 0.0f, -2.5f, 1e30f),
                scalars.stream().map(Scalar::value).toList());
        for (Scalar scalar : scalars) {
            assertTrue(scalar.wallTime() >= before - 0.001 && scalar.wallTime() <= after + 0.001,
                    scalar + " outside [" + before + ", " + after + "]");
        }
    }

    @Test
    void fileIsNamedForTensorBoardAndStartsWithTheVersionRecord(@TempDir Path dir) throws IOException {
        long before = System.currentTimeMillis() / 1000;
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(dir)) {
            file = writer.file();
        }
        long after = System.currentTimeMillis() / 1000;
        String name = file.getFileName().toString();
        assertTrue(name.matches("events\\.out\\.tfevents\\.\\d+\\.[A-Za-z0-9._-]+"), name);
        long seconds = Long.parseLong(name.split("\\.")[3]);
        assertTrue(seconds >= before && seconds <= after, seconds + " outside [" + before + ", " + after + "]");
        assertEquals(dir, file.getParent());

        byte[] bytes = Files.readAllBytes(file);
        byte[] version = "brain.Event:2".getBytes(StandardCharsets.US_ASCII);
        // Event{wall_time (field 1, fixed64) = 9 bytes, file_version (field 3, length-delimited) = 2 + 13}.
        int dataLength = 1 + 8 + 2 + version.length;
        assertEquals(8 + 4 + dataLength + 4, bytes.length);
        ByteBuffer record = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(dataLength, record.getLong());
        assertEquals(masked(crc32c(Arrays.copyOfRange(bytes, 0, 8))), record.getInt());
        byte[] data = new byte[dataLength];
        record.get(data);
        assertEquals(masked(crc32c(data)), record.getInt());

        assertEquals(0x09, data[0]);
        double wallTime = ByteBuffer.wrap(data, 1, 8).order(ByteOrder.LITTLE_ENDIAN).getDouble();
        assertEquals(seconds, (long) wallTime);
        assertEquals(0x1A, data[9]);
        assertEquals(version.length, data[10]);
        assertArrayEquals(version, Arrays.copyOfRange(data, 11, dataLength));
        assertEquals(List.of(), TensorBoardWriter.read(file));
    }

    @Test
    void scalarEventEncodesTheEventAndSummaryFieldNumbers(@TempDir Path dir) throws IOException {
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(dir)) {
            writer.scalar("acc", 300, 0.5);
            file = writer.file();
        }
        byte[] bytes = Files.readAllBytes(file);
        int firstRecordLength = 8 + 4 + 24 + 4;
        ByteBuffer record = ByteBuffer.wrap(bytes, firstRecordLength, bytes.length - firstRecordLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        int dataLength = (int) record.getLong();
        record.getInt();
        byte[] data = new byte[dataLength];
        record.get(data);
        assertEquals(4, record.remaining()); // only the data CRC is left

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(0x09); // Event.wall_time: field 1, fixed64
        expected.write(data, 1, 8);
        expected.writeBytes(new byte[] {0x10, (byte) 0xAC, 0x02}); // Event.step: field 2, varint 300
        expected.writeBytes(new byte[] {0x2A, 0x0C}); // Event.summary: field 5, 12 bytes
        expected.writeBytes(new byte[] {0x0A, 0x0A}); // Summary.value: field 1, 10 bytes
        expected.writeBytes(new byte[] {0x0A, 0x03, 'a', 'c', 'c'}); // Value.tag: field 1
        expected.writeBytes(new byte[] {0x15, 0x00, 0x00, 0x00, 0x3F}); // Value.simple_value: field 2, 0.5f
        assertArrayEquals(expected.toByteArray(), data);
    }

    @Test
    void maskedCrc32cMatchesTheStandardCheckValue() {
        assertEquals(CRC32C_OF_CHECK_INPUT, crc32c(CHECK_INPUT));
        assertEquals(MASKED_CRC32C_OF_CHECK_INPUT, masked(CRC32C_OF_CHECK_INPUT));
        assertEquals(MASKED_CRC32C_OF_CHECK_INPUT, TensorBoardWriter.maskedCrc32c(CHECK_INPUT, 0, CHECK_INPUT.length));
        byte[] padded = ("xx" + "123456789" + "yy").getBytes(StandardCharsets.US_ASCII);
        assertEquals(MASKED_CRC32C_OF_CHECK_INPUT, TensorBoardWriter.maskedCrc32c(padded, 2, CHECK_INPUT.length));
    }

    @Test
    void readerDetectsACorruptedDataByte(@TempDir Path dir) throws IOException {
        Path file = writeTwoScalars(dir);
        byte[] bytes = Files.readAllBytes(file);
        // Record 1 starts after the 40-byte version record; its data starts 12 bytes later.
        bytes[40 + 12 + 5] ^= 0x01;
        Files.write(file, bytes);
        CorruptEventFileException e =
                assertThrows(CorruptEventFileException.class, () -> TensorBoardWriter.read(file));
        assertTrue(e.getMessage().contains(file + ": record 1 at byte 40 has a bad data checksum"), e.getMessage());
    }

    @Test
    void readerDetectsACorruptedLength(@TempDir Path dir) throws IOException {
        Path file = writeTwoScalars(dir);
        byte[] bytes = Files.readAllBytes(file);
        bytes[40] ^= 0x10;
        Files.write(file, bytes);
        CorruptEventFileException e =
                assertThrows(CorruptEventFileException.class, () -> TensorBoardWriter.read(file));
        assertTrue(e.getMessage().contains("record 1 at byte 40 has a bad length checksum"), e.getMessage());
    }

    @Test
    void readerDetectsATruncatedFile(@TempDir Path dir) throws IOException {
        Path file = writeTwoScalars(dir);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        CorruptEventFileException e =
                assertThrows(CorruptEventFileException.class, () -> TensorBoardWriter.read(file));
        assertTrue(e.getMessage().contains("record 2") && e.getMessage().contains("is truncated"), e.getMessage());
    }

    @Test
    void writersStartedTogetherGetSeparateFiles(@TempDir Path dir) {
        try (TensorBoardWriter first = new TensorBoardWriter(dir);
                TensorBoardWriter second = new TensorBoardWriter(dir)) {
            assertNotEquals(first.file(), second.file());
            first.scalar("a", 1, 1);
            second.scalar("b", 1, 2);
            first.flush();
            second.flush();
            assertEquals(List.of("a"), TensorBoardWriter.read(first.file()).stream().map(Scalar::tag).toList());
            assertEquals(List.of("b"), TensorBoardWriter.read(second.file()).stream().map(Scalar::tag).toList());
        }
    }

    @Test
    void closedWritersAndBlankTagsAreRejected(@TempDir Path dir) {
        TensorBoardWriter writer = new TensorBoardWriter(dir);
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> writer.scalar(" ", 1, 1));
        assertTrue(blank.getMessage().contains("non-blank tag"), blank.getMessage());
        writer.close();
        writer.close();
        assertThrows(IllegalStateException.class, () -> writer.scalar("loss", 1, 1));
        assertThrows(IllegalStateException.class, writer::flush);
    }

    private static Path writeTwoScalars(Path dir) {
        try (TensorBoardWriter writer = new TensorBoardWriter(dir)) {
            writer.scalar("loss", 1, 0.75);
            writer.scalar("loss", 2, 0.5);
            return writer.file();
        }
    }

    /** Bit-by-bit CRC-32C (reflected polynomial 0x82F63B78), independent of java.util.zip. */
    private static int crc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    private static int masked(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }
}
