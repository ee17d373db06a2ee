package io.visionflow.functions;

import io.visionflow.task.HttpBackend;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.http.HttpTaskRunner;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API function's runners, used only when no worker function is configured: remote {@code http}
 * tasks in-process, {@code onnx} tasks refused. The API jar carries no ONNX Runtime, so an onnx
 * task fails its record with 501 instead of a class-loading 500.
 */
public final class HttpOnlyRunners implements TaskRunners {
    static final String ONNX_NOT_HERE = "onnx tasks run in the model worker function, and this deployment "
            + "names none (" + LambdaStepInvoker.MODEL_WORKER + ")";

    private final HttpTaskRunner.Settings settings;
    private final Map<Task, HttpTaskRunner> runners = new ConcurrentHashMap<>();

    public HttpOnlyRunners(HttpTaskRunner.Settings settings) {
        this.settings = settings;
    }

    public HttpOnlyRunners() {
        this(HttpTaskRunner.Settings.DEFAULTS);
    }

    @Override
    public TaskRunner runnerFor(Task task) throws TaskException {
        if (task.backend() == null) {
            throw new TaskException(500, "task \"" + task.name() + "\" has no backend");
        }
        return switch (task.backend()) {
            case OnnxBackend b -> throw new TaskException(501, "task \"" + task.name() + "\": " + ONNX_NOT_HERE);
            case HttpBackend b -> {
                try {
                    // keyed by the whole task, so a changed url or header set gets a new runner
                    yield runners.computeIfAbsent(task, t -> new HttpTaskRunner(t, settings));
                } catch (IllegalArgumentException e) {
                    throw new TaskException(500, "task \"" + task.name() + "\" has a bad http backend: "
                            + e.getMessage(), e);
                }
            }
        };
    }
}
