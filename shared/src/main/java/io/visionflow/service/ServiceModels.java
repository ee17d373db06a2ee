package io.visionflow.service;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.visionflow.task.ModelSource;
import io.visionflow.task.TaskException;
import io.visionflow.task.onnx.OnnxTaskRunners;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The ONNX sessions of the services, opened on first use (so a host starts fast and a service
 * whose model is not installed fails only its own calls, with a 503) and shared by all threads;
 * ONNX Runtime sessions are safe to run concurrently. Closed with the services.
 */
final class ServiceModels implements AutoCloseable {
    /** Reads a model's bytes; for models stored in parts (the imgly chunks). */
    @FunctionalInterface
    interface Loader {
        byte[] load(ModelSource models) throws IOException;
    }

    private final ModelSource models;
    private final OrtSession.SessionOptions options;
    private final Map<String, OrtSession> sessions = new HashMap<>();
    private boolean closed;

    ServiceModels(ModelSource models, int intraOpThreads) {
        this.models = models;
        this.options = OnnxTaskRunners.sessionOptions(intraOpThreads);
    }

    ModelSource source() {
        return models;
    }

    /** The session of a model file named by its id in the model source. */
    OrtSession session(String modelId) throws TaskException {
        return session(modelId, m -> null);
    }

    /** The session under {@code key}, built from {@code loader}'s bytes (or from the file {@code key} when it gives null). */
    OrtSession session(String key, Loader loader) throws TaskException {
        return session(key, loader, models, key);
    }

    /**
     * The session of the file {@code modelId} of another source (an account's uploaded models),
     * cached under {@code key}, which must name that file in every account's source alike.
     */
    OrtSession session(String key, ModelSource source, String modelId) throws TaskException {
        return session(key, m -> null, source, modelId);
    }

    private synchronized OrtSession session(String key, Loader loader, ModelSource files, String fileId) throws TaskException {
        if (closed) {
            throw new TaskException(503, "the services are shut down");
        }
        OrtSession s = sessions.get(key);
        if (s != null) {
            return s;
        }
        try {
            byte[] bytes = loader.load(models);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            if (bytes != null) {
                s = env.createSession(bytes, options);
            } else {
                Path file = files.file(fileId);
                s = env.createSession(file.toString(), options);
            }
        } catch (NoSuchFileException e) {
            throw new TaskException(503, "model \"" + fileId + "\" is not installed (" + e.getMessage() + ")", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new TaskException(503, "model \"" + fileId + "\" cannot be read: " + e.getMessage(), e);
        } catch (OrtException e) {
            throw new TaskException(500, "model \"" + fileId + "\" is not a valid ONNX model: " + e.getMessage(), e);
        }
        sessions.put(key, s);
        return s;
    }

    /** A float output of one call: its values and shape. */
    record Output(float[] values, long[] shape) {
    }

    /** Runs {@code session} on one float input and reads one float output ({@code null} = the first). */
    static Output run(OrtSession session, float[] input, long[] shape, String outputName) throws TaskException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String inputName = session.getInputNames().iterator().next();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            OnnxValue value = outputName == null ? result.get(0) : result.get(outputName)
                    .orElseThrow(() -> new TaskException(500, "the model has no output \"" + outputName + "\""));
            if (!(value instanceof OnnxTensor out) || out.getInfo().type != OnnxJavaType.FLOAT) {
                throw new TaskException(500, "the model's output is not a float tensor");
            }
            FloatBuffer buffer = out.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return new Output(values, out.getInfo().getShape());
        } catch (OrtException e) {
            throw new TaskException(500, "the model failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                // closing is best effort: the process keeps running without the model
            }
        }
        sessions.clear();
        options.close();
    }
}
