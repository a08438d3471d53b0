package org.deepfer.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/** Lists every data file under a root on any Hadoop file system, skipping hidden and marker files. */
public final class FileListing {
    private FileListing() {}

    /**
     * File URIs under {@code root}, recursively. Uses plain {@code listStatus}: Hadoop's
     * {@code listFiles} on the local file system forks a process per file to read permissions
     * (160 s for FER2013's 32 000 files, against 0.5 s this way).
     */
    static List<String> list(String root, Configuration conf) {
        List<String> files = new ArrayList<>();
        for (FileStatus status : statuses(root, conf)) {
            files.add(status.getPath().toString());
        }
        return files;
    }

    /**
     * What {@link #list} lists, with sizes and modification times; a single file when {@code root}
     * is one.
     */
    public static List<FileStatus> statuses(String root, Configuration conf) {
        Path start = new Path(root);
        List<FileStatus> files = new ArrayList<>();
        try {
            FileSystem fs = start.getFileSystem(conf);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRawFileSystem();
            }
            FileStatus top = fs.getFileStatus(start);
            if (top.isFile()) {
                return List.of(top);
            }
            Deque<Path> pending = new ArrayDeque<>();
            pending.push(start);
            while (!pending.isEmpty()) {
                for (FileStatus status : fs.listStatus(pending.pop())) {
                    String name = status.getPath().getName();
                    if (name.startsWith(".") || name.startsWith("_")) {
                        continue;
                    }
                    if (status.isDirectory()) {
                        pending.push(status.getPath());
                    } else {
                        files.add(status);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return files;
    }
}
