package org.deepfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectFilesTest {
    @TempDir
    Path home;

    @Test
    void aRelativePathIsLookedForUnderTheWorkingDirectoryThenTheProject() {
        // No "..": the working directory and the temporary project may share a parent.
        Path rel = Path.of("models", "face", "x.onnx");
        assertEquals(List.of(rel.toAbsolutePath().normalize(), home.resolve(rel).normalize()),
                ProjectFiles.candidates(rel, home.toString()));
    }

    @Test
    void anAbsolutePathOrNoProjectGivesOnePlace() {
        Path abs = home.resolve("m.onnx");
        assertEquals(List.of(abs), ProjectFiles.candidates(abs, "/elsewhere"));
        assertEquals(List.of(Path.of("m.onnx").toAbsolutePath()), ProjectFiles.candidates(Path.of("m.onnx"), " "));
        assertEquals(List.of(Path.of("m.onnx").toAbsolutePath()), ProjectFiles.candidates(Path.of("m.onnx"), null));
    }

    @Test
    void theProjectIsNotListedTwiceWhenItIsTheWorkingDirectory() {
        String cwd = Path.of("").toAbsolutePath().toString();
        assertEquals(1, ProjectFiles.candidates(Path.of("conf", "a.yaml"), cwd).size());
    }
}
