package io.visionflow.task;

import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.task.onnx.OnnxTaskRunners;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Runners for every backend: ONNX models in-process (sessions shared per model), remote HTTP model servers. */
public final class BackendRunners implements TaskRunners, AutoCloseable {
    private final OnnxTaskRunners onnx;
    private final HttpTaskRunner.Settings http;
    private final Map<Task, HttpTaskRunner> remote = new ConcurrentHashMap<>();

    public BackendRunners(ModelSource models, int intraOpThreads, HttpTaskRunner.Settings http) {
        this.onnx = new OnnxTaskRunners(models, intraOpThreads);
        this.http = http;
    }

    public BackendRunners(ModelSource models) {
        this(models, 1, HttpTaskRunner.Settings.DEFAULTS);
    }

    @Override
    public TaskRunner runnerFor(Task task) throws TaskException {
        if (task.backend() == null) {
            throw new TaskException(500, "task \"" + task.name() + "\" has no backend");
        }
        return switch (task.backend()) {
            case OnnxBackend b -> onnx.runnerFor(task);
            case HttpBackend b -> {
                try {
                    // keyed by the whole task: a changed url, header or label set gets a new runner
                    yield remote.computeIfAbsent(task, t -> new HttpTaskRunner(t, http));
                } catch (IllegalArgumentException e) {
                    throw new TaskException(500, "task \"" + task.name() + "\" has a bad http backend: " + e.getMessage(), e);
                }
            }
        };
    }

    /** Drops the cached session and runners of a model that was replaced or deleted. */
    @Override
    public void release(String modelId) {
        onnx.forget(modelId);
    }

    @Override
    public void close() {
        onnx.close();
        remote.values().forEach(HttpTaskRunner::close);
        remote.clear();
    }
}
