package io.visionflow.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.ApiException;
import io.visionflow.api.ModelChecks;
import io.visionflow.engine.StepFailure;
import io.visionflow.flow.Problem;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;

import java.util.ArrayList;
import java.util.List;

/**
 * Model checks done by the model worker, for an API host without ONNX Runtime: the model is read
 * from the blob store there. A worker that cannot be reached makes the upload or registration
 * fail with its status (502, 503, 504), never a 400 that would blame the model.
 */
public final class RemoteModelChecks implements ModelChecks {
    private final StepInvoker invoker;

    public RemoteModelChecks(StepInvoker invoker) {
        this.invoker = invoker;
    }

    @Override
    public ObjectNode describe(String account, String key, byte[] model) {
        JsonNode reply;
        try {
            reply = ask(account, key, null);
        } catch (ApiException e) {
            if (e.status() == 404) {
                // it was stored a moment ago: a worker that cannot read it is misconfigured
                throw new ApiException(502, e.getMessage());
            }
            throw e;
        }
        return reply.get("description") instanceof ObjectNode d ? d : (ObjectNode) reply.path("description");
    }

    @Override
    public List<Problem> checkTask(String account, Task task) {
        if (!(task.backend() instanceof OnnxBackend b)) {
            return List.of();
        }
        JsonNode reply;
        try {
            reply = ask(account, b.model(), task);
        } catch (ApiException e) {
            if (e.status() == 404 || e.status() == 400) {
                return List.of(new Problem("backend.model", "the model cannot be opened: " + e.getMessage()));
            }
            throw e;
        }
        List<Problem> problems = new ArrayList<>();
        for (JsonNode p : reply.path("problems")) {
            problems.add(new Problem(p.path("path").asText(), p.path("message").asText()));
        }
        return problems;
    }

    @Override
    public boolean readsStoredModel() {
        return true;
    }

    private JsonNode ask(String account, String key, Task task) {
        try {
            return StepCodec.inspected(invoker.invoke(WorkerKind.MODEL, StepCodec.inspection(account, key, task)));
        } catch (StepFailure f) {
            if (f.status() == 400) {
                throw ApiException.badRequest("file", "is not an ONNX model ONNX Runtime can load: " + f.getMessage());
            }
            throw new ApiException(f.status(), "the model worker cannot check the model: " + f.getMessage());
        }
    }
}
