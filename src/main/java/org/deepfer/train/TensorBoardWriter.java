package org.deepfer.train;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes scalar training curves as a TensorBoard event file, encoding the few protobuf messages it
 * needs by hand so that no protobuf library or network is required.
 *
 * <p>The file is {@code events.out.tfevents.<unix-seconds>.<hostname>} in the given folder and is a
 * sequence of TFRecords: {@code uint64 length} (little-endian), masked CRC32C of those 8 bytes, the
 * data, masked CRC32C of the data. Each record's data is a serialized {@code tensorflow.Event}; the
 * first carries {@code file_version: "brain.Event:2"}, every later one a {@code Summary} with one
 * {@code simple_value}. Field numbers follow TensorFlow's {@code core/util/event.proto} and {@code
 * core/framework/summary.proto}.
 *
 * <p>Methods are synchronized, so listeners on different threads may share one writer per run.
 * Nothing is forced to disk until {@link #flush()} or {@link #close()}; flushing after each epoch is
 * the caller's job.
 */
public final class TensorBoardWriter implements AutoCloseable {
    /** Identifies the record format; TensorBoard reads every version starting with "brain.Event:". */
    static final String FILE_VERSION = "brain.Event:2";

    /** Added to the rotated CRC so that a CRC over data that itself contains CRCs stays strong. */
    private static final int CRC_MASK_DELTA = 0xa282ead8;
    private static final int LENGTH_BYTES = Long.BYTES;
    private static final int CRC_BYTES = Integer.BYTES;

    // Protobuf wire types.
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    // tensorflow.Event fields.
    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;
    // tensorflow.Summary and Summary.Value fields.
    private static final int SUMMARY_VALUE = 1;
    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;

    /** One scalar read back from an event file. */
    public record Scalar(String tag, long step, double wallTime, float value) {}

    /** Raised by {@link #read(Path)} when an event file's framing, checksums or protobuf are broken. */
    public static final class CorruptEventFileException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CorruptEventFileException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final OutputStream out;
    private boolean closed;

    /**
     * Creates {@code dir} if needed and starts a new event file in it with the version record.
     *
     * @throws UncheckedIOException if the folder or file cannot be created
     */
    public TensorBoardWriter(Path dir) {
        double wallTime = nowSeconds();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create TensorBoard log folder " + dir, e);
        }
        String baseName = "events.out.tfevents." + (long) wallTime + "." + hostName();
        Path candidate = dir.resolve(baseName);
        OutputStream opened = null;
        // Two writers started in the same second in the same folder get distinct files.
        for (int attempt = 1; opened == null; attempt++) {
            try {
                opened = Files.newOutputStream(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                candidate = dir.resolve(baseName + "." + attempt);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create TensorBoard event file " + candidate, e);
            }
        }
        this.file = candidate;
        this.out = new BufferedOutputStream(opened);
        ProtoBuilder event = new ProtoBuilder();
        event.putDouble(EVENT_WALL_TIME, wallTime);
        event.putString(EVENT_FILE_VERSION, FILE_VERSION);
        writeRecord(event.toByteArray());
    }

    /** The event file this writer appends to. */
    public Path file() {
        return file;
    }

    /**
     * Appends one scalar event stamped with the current wall time. TensorBoard stores scalars as
     * 32-bit floats, so {@code value} is rounded to the nearest float.
     *
     * @throws IllegalArgumentException if {@code tag} is null or blank
     * @throws IllegalStateException if the writer is closed
     */
    public synchronized void scalar(String tag, long step, double value) {
        if (tag == null || tag.isBlank()) {
            throw new IllegalArgumentException("TensorBoard scalar needs a non-blank tag, got '" + tag + "'");
        }
        ensureOpen();
        ProtoBuilder summaryValue = new ProtoBuilder();
        summaryValue.putString(VALUE_TAG, tag);
        summaryValue.putFloat(VALUE_SIMPLE_VALUE, (float) value);
        ProtoBuilder summary = new ProtoBuilder();
        summary.putMessage(SUMMARY_VALUE, summaryValue);
        ProtoBuilder event = new ProtoBuilder();
        event.putDouble(EVENT_WALL_TIME, nowSeconds());
        event.putVarint(EVENT_STEP, step);
        event.putMessage(EVENT_SUMMARY, summary);
        writeRecord(event.toByteArray());
    }

    /** Pushes everything written so far to the file, so a running TensorBoard sees it. */
    public synchronized void flush() {
        ensureOpen();
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush TensorBoard event file " + file, e);
        }
    }

    /** Flushes and closes the file; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close TensorBoard event file " + file, e);
        }
    }

    /**
     * Reads every scalar ({@code simple_value}) in an event file, in file order, after checking each
     * record's length and data checksums. Other events (the version record, images, graphs) are
     * skipped.
     *
     * @throws CorruptEventFileException naming the file and byte offset where a record is truncated,
     *     fails its checksum or holds malformed protobuf
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<Scalar> read(Path eventFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(eventFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TensorBoard event file " + eventFile, e);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Scalar> scalars = new ArrayList<>();
        int recordIndex = 0;
        while (buffer.hasRemaining()) {
            int recordStart = buffer.position();
            String where = eventFile + ": record " + recordIndex + " at byte " + recordStart;
            if (buffer.remaining() < LENGTH_BYTES + CRC_BYTES) {
                throw new CorruptEventFileException(where + " is truncated: " + buffer.remaining()
                        + " bytes left, a record header needs " + (LENGTH_BYTES + CRC_BYTES));
            }
            long length = buffer.getLong();
            int storedLengthCrc = buffer.getInt();
            int actualLengthCrc = maskedCrc32c(bytes, recordStart, LENGTH_BYTES);
            if (storedLengthCrc != actualLengthCrc) {
                throw new CorruptEventFileException(where + " has a bad length checksum: stored "
                        + hex(storedLengthCrc) + ", computed " + hex(actualLengthCrc));
            }
            if (length < 0 || length > buffer.remaining() - CRC_BYTES) {
                throw new CorruptEventFileException(where + " is truncated: declares " + Long.toUnsignedString(length)
                        + " data bytes but only " + Math.max(0, buffer.remaining() - CRC_BYTES) + " follow");
            }
            int dataStart = buffer.position();
            int dataLength = (int) length;
            buffer.position(dataStart + dataLength);
            int storedDataCrc = buffer.getInt();
            int actualDataCrc = maskedCrc32c(bytes, dataStart, dataLength);
            if (storedDataCrc != actualDataCrc) {
                throw new CorruptEventFileException(where + " has a bad data checksum: stored "
                        + hex(storedDataCrc) + ", computed " + hex(actualDataCrc));
            }
            try {
                parseEvent(new ProtoReader(bytes, dataStart, dataStart + dataLength), scalars);
            } catch (MalformedProtoException e) {
                throw new CorruptEventFileException(where + " holds a malformed Event: " + e.getMessage());
            }
            recordIndex++;
        }
        return scalars;
    }

    /**
     * CRC32C (Castagnoli) of {@code length} bytes from {@code offset}, rotated right by 15 bits and
     * offset by {@code 0xa282ead8}, as TFRecord stores it.
     */
    static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + CRC_MASK_DELTA;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("TensorBoard event file " + file + " is already closed");
        }
    }

    private void writeRecord(byte[] data) {
        ByteBuffer header = ByteBuffer.allocate(LENGTH_BYTES + CRC_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(maskedCrc32c(header.array(), 0, LENGTH_BYTES));
        ByteBuffer footer = ByteBuffer.allocate(CRC_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(maskedCrc32c(data, 0, data.length));
        try {
            out.write(header.array());
            out.write(data);
            out.write(footer.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TensorBoard event file " + file, e);
        }
    }

    private static void parseEvent(ProtoReader event, List<Scalar> scalars) {
        double wallTime = 0;
        long step = 0;
        List<ProtoReader> summaries = new ArrayList<>();
        // Fields may come in any order, so collect the summaries and build scalars at the end.
        while (event.hasMore()) {
            int key = event.readKey();
            int field = key >>> 3;
            int wireType = key & 7;
            if (field == EVENT_WALL_TIME && wireType == FIXED64) {
                wallTime = Double.longBitsToDouble(event.readFixed64());
            } else if (field == EVENT_STEP && wireType == VARINT) {
                step = event.readVarint();
            } else if (field == EVENT_SUMMARY && wireType == LENGTH_DELIMITED) {
                summaries.add(event.readMessage());
            } else {
                event.skip(wireType);
            }
        }
        for (ProtoReader summary : summaries) {
            while (summary.hasMore()) {
                int key = summary.readKey();
                if (key >>> 3 == SUMMARY_VALUE && (key & 7) == LENGTH_DELIMITED) {
                    parseValue(summary.readMessage(), step, wallTime, scalars);
                } else {
                    summary.skip(key & 7);
                }
            }
        }
    }

    private static void parseValue(ProtoReader value, long step, double wallTime, List<Scalar> scalars) {
        String tag = "";
        Float simpleValue = null;
        while (value.hasMore()) {
            int key = value.readKey();
            int field = key >>> 3;
            int wireType = key & 7;
            if (field == VALUE_TAG && wireType == LENGTH_DELIMITED) {
                tag = value.readString();
            } else if (field == VALUE_SIMPLE_VALUE && wireType == FIXED32) {
                simpleValue = Float.intBitsToFloat(value.readFixed32());
            } else {
                value.skip(wireType);
            }
        }
        if (simpleValue != null) {
            scalars.add(new Scalar(tag, step, wallTime, simpleValue));
        }
    }

    private static double nowSeconds() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** The machine's name as TensorBoard shows it in file names; never a network lookup beyond the OS's. */
    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }

    /** Serializes one protobuf message field by field, in the order the fields are put. */
    private static final class ProtoBuilder {
        private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private byte[] bytes = new byte[64];
        private int size;

        void putDouble(int field, double value) {
            writeKey(field, FIXED64);
            scratch.clear();
            scratch.putLong(Double.doubleToRawLongBits(value));
            writeBytes(scratch.array(), Long.BYTES);
        }

        void putFloat(int field, float value) {
            writeKey(field, FIXED32);
            scratch.clear();
            scratch.putInt(Float.floatToRawIntBits(value));
            writeBytes(scratch.array(), Integer.BYTES);
        }

        /** Negative values take ten bytes, as protobuf encodes int64. */
        void putVarint(int field, long value) {
            writeKey(field, VARINT);
            writeVarint(value);
        }

        void putString(int field, String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            writeKey(field, LENGTH_DELIMITED);
            writeVarint(utf8.length);
            writeBytes(utf8, utf8.length);
        }

        void putMessage(int field, ProtoBuilder message) {
            writeKey(field, LENGTH_DELIMITED);
            writeVarint(message.size);
            writeBytes(message.bytes, message.size);
        }

        byte[] toByteArray() {
            byte[] result = new byte[size];
            System.arraycopy(bytes, 0, result, 0, size);
            return result;
        }

        private void writeKey(int field, int wireType) {
            writeVarint((long) field << 3 | wireType);
        }

        private void writeVarint(long value) {
            long remaining = value;
            while ((remaining & ~0x7FL) != 0) {
                writeByte((int) (remaining & 0x7F) | 0x80);
                remaining >>>= 7;
            }
            writeByte((int) remaining);
        }

        private void writeByte(int value) {
            ensureCapacity(1);
            bytes[size++] = (byte) value;
        }

        private void writeBytes(byte[] source, int length) {
            ensureCapacity(length);
            System.arraycopy(source, 0, bytes, size, length);
            size += length;
        }

        private void ensureCapacity(int extra) {
            if (size + extra > bytes.length) {
                byte[] grown = new byte[Math.max(bytes.length * 2, size + extra)];
                System.arraycopy(bytes, 0, grown, 0, size);
                bytes = grown;
            }
        }
    }

    /** Thrown inside the reader; {@link #read(Path)} turns it into a message naming file and record. */
    private static final class MalformedProtoException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedProtoException(String message) {
            super(message);
        }
    }

    /** Walks the fields of one protobuf message held in {@code bytes[position, end)}. */
    private static final class ProtoReader {
        private final byte[] bytes;
        private final int end;
        private int position;

        ProtoReader(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        int readKey() {
            long key = readVarint();
            if (key >>> 3 == 0 || key > Integer.MAX_VALUE) {
                throw new MalformedProtoException("invalid field key " + key);
            }
            return (int) key;
        }

        long readVarint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                require(1);
                byte b = bytes[position++];
                result |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new MalformedProtoException("varint longer than 10 bytes");
        }

        long readFixed64() {
            require(Long.BYTES);
            long value = ByteBuffer.wrap(bytes, position, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
            position += Long.BYTES;
            return value;
        }

        int readFixed32() {
            require(Integer.BYTES);
            int value = ByteBuffer.wrap(bytes, position, Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt();
            position += Integer.BYTES;
            return value;
        }

        ProtoReader readMessage() {
            int length = readLength();
            ProtoReader nested = new ProtoReader(bytes, position, position + length);
            position += length;
            return nested;
        }

        String readString() {
            int length = readLength();
            String value = new String(bytes, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }

        void skip(int wireType) {
            switch (wireType) {
                case VARINT -> readVarint();
                case FIXED64 -> readFixed64();
                case LENGTH_DELIMITED -> {
                    // Read the length first: "position += readLength()" would add it to the old position.
                    int length = readLength();
                    position += length;
                }
                case FIXED32 -> readFixed32();
                default -> throw new MalformedProtoException("unsupported wire type " + wireType);
            }
        }

        private int readLength() {
            long length = readVarint();
            if (length < 0 || length > end - position) {
                throw new MalformedProtoException("field length " + length + " exceeds the "
                        + (end - position) + " bytes left in the message");
            }
            return (int) length;
        }

        private void require(int count) {
            if (end - position < count) {
                throw new MalformedProtoException("message ends " + (count - (end - position))
                        + " bytes early");
            }
        }
    }
}
