package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.Task;

import java.util.List;

/**
 * Where the API asks ONNX Runtime about models: in this process (the local server), or in the
 * model worker (the API function carries no ONNX Runtime). Failures are {@link ApiException}s:
 * 400 naming {@code file} for what is not a model, 501 where no ONNX Runtime can be reached.
 */
public interface ModelChecks {

    /** Inputs and outputs of an uploaded model, already stored under {@code key} with these bytes. */
    ObjectNode describe(String account, String key, byte[] model);

    /** Problems of an onnx task against its model (stored under the task's model key). */
    List<Problem> checkTask(String account, Task task);

    /**
     * True when {@link #describe} reads the model from the blob store (another process), so an
     * upload must be stored before it is described; otherwise nothing is stored until it is.
     */
    default boolean readsStoredModel() {
        return false;
    }
}
