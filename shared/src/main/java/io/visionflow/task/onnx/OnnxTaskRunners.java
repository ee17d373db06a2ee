package io.visionflow.task.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.visionflow.task.Label;
import io.visionflow.task.ModelSource;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runners for ONNX tasks: one session per model id, created on first use and shared by every
 * task and thread that uses that model; runners cached by model and spec, so a changed task gets
 * a fresh runner while its model stays loaded. {@link #close()} releases every session.
 */
public final class OnnxTaskRunners implements TaskRunners, AutoCloseable {
    private final ModelSource models;
    private final OrtSession.SessionOptions options;
    private final Map<String, ModelSession> sessions = new ConcurrentHashMap<>();
    private final Map<Key, OnnxTaskRunner> runners = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Key(TaskKind kind, List<Label> labels, OnnxBackend backend) {
    }

    /** One intra-op thread per call: records and branches already run in parallel on small boxes. */
    public OnnxTaskRunners(ModelSource models) {
        this(models, 1);
    }

    /** @param intraOpThreads threads ONNX Runtime may use inside one model call */
    public OnnxTaskRunners(ModelSource models, int intraOpThreads) {
        this.models = models;
        this.options = sessionOptions(intraOpThreads);
    }

    /** Sane options for a small CPU box: few threads, sequential execution, full graph optimisation, quiet logs. */
    public static OrtSession.SessionOptions sessionOptions(int intraOpThreads) {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        } catch (OrtException e) {
            o.close();
            throw new IllegalStateException("cannot set ONNX Runtime session options", e);
        }
        return o;
    }

    @Override
    public TaskRunner runnerFor(Task task) throws TaskException {
        if (!(task.backend() instanceof OnnxBackend backend)) {
            throw new TaskException(500, "task \"" + task.id() + "\" does not have an onnx backend");
        }
        Key key = new Key(task.kind(), task.labels(), backend);
        OnnxTaskRunner runner = runners.get(key);
        if (runner != null && !closed) {
            return runner;
        }
        synchronized (this) {
            if (closed) {
                throw new TaskException(503, "the model runners are shut down");
            }
            runner = runners.get(key);
            if (runner == null) {
                runner = new OnnxTaskRunner(task, session(backend.model()), false);
                runners.put(key, runner);
            }
            return runner;
        }
    }

    private ModelSession session(String modelId) throws TaskException {
        ModelSession s = sessions.get(modelId);
        if (s == null) {
            s = new ModelSession(openSession(models, modelId, options));
            sessions.put(modelId, s);
        }
        return s;
    }

    /** Drops a model (for example after it was deleted or replaced) and the runners that use it. */
    public synchronized void forget(String modelId) {
        runners.keySet().removeIf(k -> k.backend().model().equals(modelId));
        ModelSession s = sessions.remove(modelId);
        if (s != null) {
            s.close(); // waits for the calls running in it
        }
    }

    static OrtSession openSession(ModelSource models, String modelId, OrtSession.SessionOptions options) throws TaskException {
        if (modelId == null || modelId.isBlank()) {
            throw new TaskException(500, "the onnx backend has no model");
        }
        Path file;
        try {
            file = models.file(modelId);
        } catch (NoSuchFileException e) {
            throw new TaskException(500, "model \"" + modelId + "\" not found", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new TaskException(500, "model \"" + modelId + "\" cannot be read: " + e.getMessage(), e);
        }
        try {
            return OrtEnvironment.getEnvironment().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new TaskException(500, "model \"" + modelId + "\" is not a valid ONNX model: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        runners.clear();
        sessions.values().forEach(ModelSession::close);
        sessions.clear();
        options.close();
    }
}
