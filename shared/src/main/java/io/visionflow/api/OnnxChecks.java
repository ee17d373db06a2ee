package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.store.BlobStore;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.onnx.ModelInspection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Model checks in this process. No Ort type appears here, so a host built without ONNX Runtime
 * (the API Lambda) loads the endpoints; the first check there meets a {@link NoClassDefFoundError}
 * and answers 501.
 */
final class OnnxChecks implements ModelChecks {
    static final String UNAVAILABLE = "onnx models are not available in this deployment: ONNX Runtime runs "
            + "in the model worker function, and this deployment names none";

    private final BlobStore blobs;

    OnnxChecks(BlobStore blobs) {
        this.blobs = blobs;
    }

    @Override
    public ObjectNode describe(String account, String key, byte[] model) {
        try {
            return ModelInspection.describe(model);
        } catch (TaskException e) {
            throw ApiException.badRequest("file", "is not an ONNX model ONNX Runtime can load: " + e.getMessage());
        } catch (NoClassDefFoundError e) {
            throw new ApiException(501, UNAVAILABLE);
        }
    }

    @Override
    public List<Problem> checkTask(String account, Task task) {
        if (!(task.backend() instanceof OnnxBackend b)) {
            return List.of();
        }
        Path file;
        try {
            file = blobs.localFile(b.model());
        } catch (IOException | RuntimeException e) {
            return List.of(new Problem("backend.model", "the model cannot be opened: " + e.getMessage()));
        }
        try {
            return ModelInspection.checkTask(task, file);
        } catch (NoClassDefFoundError e) {
            throw new ApiException(501, UNAVAILABLE);
        }
    }
}
