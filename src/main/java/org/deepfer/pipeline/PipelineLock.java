package org.deepfer.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run lock of a warehouse: a file {@value #FILE} under its root, created only if absent, so two
 * pipelines never write the same tables at once. The file says who holds it; a lock left by a
 * process of this host that no longer runs (a pipeline killed with -9) is taken over.
 */
public final class PipelineLock implements AutoCloseable {
    public static final String FILE = "_pipeline.lock";

    /** Another pipeline holds the lock. */
    public static final class HeldException extends IllegalStateException {
        HeldException(String message) {
            super(message);
        }
    }

    private final FileSystem fs;
    private final Path file;
    private boolean held;

    private PipelineLock(FileSystem fs, Path file) {
        this.fs = fs;
        this.file = file;
    }

    /**
     * Takes the lock of the warehouse at {@code root} for {@code runId}.
     *
     * @throws HeldException when a live pipeline holds it, saying which one and since when
     */
    public static PipelineLock acquire(String root, String runId, Configuration conf) {
        Path file = new Path(root, FILE);
        try {
            FileSystem fs = file.getFileSystem(conf);
            fs.mkdirs(file.getParent());
            PipelineLock lock = new PipelineLock(fs, file);
            if (lock.tryCreate(runId)) {
                return lock;
            }
            Properties holder = lock.holder();
            if (holder != null && isStale(holder)) {
                // The holder died without releasing it: nothing is writing any more. Staleness is
                // only judged for processes of this host, so an OS lock on a file of this host
                // serializes the takeover: of two runs finding the same stale lock, the second sees
                // the first one's fresh lock and does not delete it.
                try (FileChannel channel = FileChannel.open(takeoverFile(file), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                    Properties now = lock.holder();
                    if (now != null && sameHolder(now, holder)) {
                        fs.delete(file, false);
                    }
                    if (lock.tryCreate(runId)) {
                        return lock;
                    }
                    holder = lock.holder();
                }
            }
            throw new HeldException(describe(file, holder));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the pipeline lock " + file + ": " + e.getMessage(), e);
        }
    }

    private boolean tryCreate(String runId) throws IOException {
        Properties p = new Properties();
        p.setProperty("run", runId);
        p.setProperty("host", hostName());
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("started", Instant.now().toString());
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        p.store(text, "deepfer pipeline lock: remove only if that process is gone");
        try {
            if (fs instanceof LocalFileSystem local) {
                // CREATE_NEW is atomic on a local disk; Hadoop's local create checks, then opens.
                java.nio.file.Files.write(java.nio.file.Path.of(local.pathToFile(file).getPath()), text.toByteArray(),
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } else {
                try (OutputStream out = fs.create(file, false)) {
                    out.write(text.toByteArray());
                }
            }
        } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(file)) {
                return false; // some file systems report the clash as a plain IOException
            }
            throw e;
        }
        held = true;
        return true;
    }

    /** The holder's record, or null if the file vanished or cannot be read as one. */
    private Properties holder() throws IOException {
        try (InputStream in = fs.open(file)) {
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        } catch (java.io.FileNotFoundException e) {
            return null;
        }
    }

    private static boolean sameHolder(Properties a, Properties b) {
        return java.util.Objects.equals(a.getProperty("run"), b.getProperty("run"))
                && java.util.Objects.equals(a.getProperty("pid"), b.getProperty("pid"))
                && java.util.Objects.equals(a.getProperty("started"), b.getProperty("started"));
    }

    /** A file of this host's temp folder that stands for {@code lock} in OS-level locking. */
    private static java.nio.file.Path takeoverFile(Path lock) {
        String name = "deepfer-pipeline-lock-" + Integer.toHexString(lock.toString().hashCode()) + ".takeover";
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), name);
    }

    private static boolean isStale(Properties holder) {
        if (!hostName().equals(holder.getProperty("host"))) {
            return false; // cannot see processes of other hosts
        }
        try {
            long pid = Long.parseLong(holder.getProperty("pid", ""));
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String describe(Path file, Properties holder) {
        String who = holder == null ? "another pipeline"
                : "pipeline run " + holder.getProperty("run") + " (pid " + holder.getProperty("pid") + " on "
                        + holder.getProperty("host") + ", started " + holder.getProperty("started") + ")";
        return "another pipeline is running on this warehouse: " + who + " holds " + file
                + "; wait for it to finish (or, if that process is gone, delete the file)";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** Releases the lock if this object holds it. */
    @Override
    public void close() {
        if (!held) {
            return;
        }
        try {
            fs.delete(file, false);
            held = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the pipeline lock " + file + ": " + e.getMessage(), e);
        }
    }
}
