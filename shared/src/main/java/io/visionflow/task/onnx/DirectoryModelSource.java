package io.visionflow.task.onnx;

import io.visionflow.task.ModelSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Model ids are paths relative to {@code root} ({@code a/b/model.onnx}); an id that would leave
 * the directory (absolute, {@code ..}, or a symlink pointing out) is refused.
 */
public record DirectoryModelSource(Path root) implements ModelSource {
    public DirectoryModelSource {
        root = root.toAbsolutePath().normalize();
    }

    @Override
    public Path file(String modelId) throws IOException {
        if (modelId == null || modelId.isBlank() || modelId.indexOf('\0') >= 0 || modelId.contains("\\")) {
            throw new IllegalArgumentException("invalid model id \"" + modelId + "\"");
        }
        Path relative = Path.of(modelId);
        Path file = root.resolve(relative).normalize();
        if (relative.isAbsolute() || !file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("model id \"" + modelId + "\" is outside the models directory");
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(modelId);
        }
        if (!file.toRealPath().startsWith(root.toRealPath())) {
            throw new IllegalArgumentException("model id \"" + modelId + "\" is outside the models directory");
        }
        return file;
    }
}
