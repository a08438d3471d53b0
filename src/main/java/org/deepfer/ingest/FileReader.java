package org.deepfer.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads whole small files by URI on an executor (local, hdfs:, s3a:), one per call. Local files
 * skip Hadoop's checksum layer, which would look for a {@code .crc} beside every image.
 */
final class FileReader {
    private final Configuration conf;
    private final Map<String, FileSystem> byScheme = new HashMap<>();

    /** {@code settings}: the driver's Hadoop configuration (s3a endpoint, credentials, ...). */
    FileReader(Map<String, String> settings) {
        this.conf = new Configuration(false);
        settings.forEach(conf::set);
    }

    /** The driver's Hadoop settings as a plain map that can travel to executors. */
    static Map<String, String> settingsOf(Configuration driverConf) {
        Map<String, String> out = new HashMap<>();
        driverConf.forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    byte[] read(String uri) {
        Path path = new Path(uri);
        try {
            FileSystem fs = fileSystem(path.toUri());
            try (InputStream in = fs.open(path)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    private FileSystem fileSystem(URI uri) throws IOException {
        String key = uri.getScheme() + "://" + uri.getAuthority();
        FileSystem fs = byScheme.get(key);
        if (fs == null) {
            fs = FileSystem.get(uri, conf);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRawFileSystem();
            }
            byScheme.put(key, fs);
        }
        return fs;
    }
}
