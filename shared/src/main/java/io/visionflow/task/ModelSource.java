package io.visionflow.task;

import java.io.IOException;
import java.nio.file.Path;

/** Resolves a model id to a local file (a directory locally; S3 copied to /tmp in Lambda). */
@FunctionalInterface
public interface ModelSource {
    Path file(String modelId) throws IOException;
}
