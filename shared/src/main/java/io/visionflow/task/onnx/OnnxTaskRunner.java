package io.visionflow.task.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.ModelSource;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one ONNX task. Thread-safe: the session is only used through {@code OrtSession.run}, which
 * ONNX Runtime allows from many threads at once.
 */
public final class OnnxTaskRunner implements TaskRunner {
    private final Task task;
    private final Preprocessing preprocessing;
    private final OutputSpec output;
    private final ModelSession session;
    private final boolean ownsSession;
    private final String inputName;
    private final long[] modelShape;

    /**
     * A runner over a session owned by someone else (for example {@link OnnxTaskRunners}), which
     * {@link #close()} leaves open.
     */
    public OnnxTaskRunner(Task task, OrtSession session) throws TaskException {
        this(task, new ModelSession(session), false);
    }

    OnnxTaskRunner(Task task, ModelSession session, boolean ownsSession) throws TaskException {
        if (!(task.backend() instanceof OnnxBackend backend)) {
            throw new TaskException(500, "task \"" + task.id() + "\" does not have an onnx backend");
        }
        this.task = task;
        this.session = session;
        this.ownsSession = ownsSession;
        this.preprocessing = backend.preprocessing() != null ? backend.preprocessing()
                : new Preprocessing(null, null, null, null, null, null, null, null, null, null, null, null);
        this.output = backend.output() != null ? backend.output() : defaultOutput(task);
        if (task.kind() == TaskKind.CLASSIFICATION && !(output instanceof ClassifierOutput)) {
            throw new TaskException(500, "task \"" + task.id() + "\" is a classification task, so its output decoder must be \"classifier\"");
        }
        if (task.kind() == TaskKind.DETECTION && output instanceof ClassifierOutput) {
            throw new TaskException(500, "task \"" + task.id() + "\" is a detection task; \"classifier\" cannot decode objects");
        }
        if (task.labels().isEmpty()) {
            throw new TaskException(500, "task \"" + task.id() + "\" has no labels");
        }
        try {
            Map<String, NodeInfo> inputs = session.use(OrtSession::getInputInfo);
            String name = preprocessing.input() != null ? preprocessing.input() : inputs.keySet().iterator().next();
            NodeInfo info = inputs.get(name);
            if (info == null) {
                throw new TaskException(500, "the model has no input \"" + name + "\" (inputs: " + String.join(", ", inputs.keySet()) + ")");
            }
            if (!(info.getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.FLOAT || ti.getShape().length != 4) {
                throw new TaskException(500, "model input \"" + name + "\" is " + info.getInfo()
                        + ", expected a float image tensor " + expected(-1, -1));
            }
            this.inputName = name;
            this.modelShape = ti.getShape();
            int channelAxis = preprocessing.layout() == Preprocessing.Layout.NCHW ? 1 : 3;
            if (modelShape[channelAxis] > 0 && modelShape[channelAxis] != 3) {
                throw new TaskException(500, "model input \"" + name + "\" has shape " + Arrays.toString(modelShape)
                        + ", expected " + expected(-1, -1) + " (check \"layout\")");
            }
        } catch (OrtException e) {
            throw new TaskException(500, "cannot read the model's inputs: " + e.getMessage(), e);
        }
    }

    /** Opens the task's model with its own session, closed by {@link #close()}. */
    public static OnnxTaskRunner open(Task task, ModelSource models, OrtSession.SessionOptions options) throws TaskException {
        if (!(task.backend() instanceof OnnxBackend backend)) {
            throw new TaskException(500, "task \"" + task.id() + "\" does not have an onnx backend");
        }
        ModelSession session = new ModelSession(OnnxTaskRunners.openSession(models, backend.model(), options));
        try {
            return new OnnxTaskRunner(task, session, true);
        } catch (TaskException e) {
            session.close();
            throw e;
        }
    }

    private static OutputSpec defaultOutput(Task task) throws TaskException {
        if (task.kind() == TaskKind.CLASSIFICATION) {
            return new ClassifierOutput(null, null);
        }
        throw new TaskException(500, "detection task \"" + task.id() + "\" needs an output spec (yolo, anchors or text_map)");
    }

    public Task task() {
        return task;
    }

    @Override
    public Classification classify(BufferedImage image) throws TaskException {
        if (!(output instanceof ClassifierOutput spec)) {
            return TaskRunner.super.classify(image);
        }
        Run run = run(image);
        return new Classification(Decoding.classify(spec, run.outputs(), task.labels()));
    }

    @Override
    public List<DetectedObject> detect(BufferedImage image, double minProb) throws TaskException {
        if (output instanceof ClassifierOutput) {
            return TaskRunner.super.detect(image, minProb);
        }
        Run run = run(image);
        return Decoding.detect(output, run.outputs(), run.geometry(), task.labels(), minProb);
    }

    private record Run(Map<String, OutputTensor> outputs, Preprocessing.Geometry geometry) {
    }

    private Run run(BufferedImage image) throws TaskException {
        boolean nchw = preprocessing.layout() == Preprocessing.Layout.NCHW;
        int modelH = (int) modelShape[nchw ? 2 : 1];
        int modelW = (int) modelShape[nchw ? 3 : 2];
        int[] size;
        try {
            size = preprocessing.inputSize(image.getWidth(), image.getHeight(), modelW, modelH);
        } catch (IllegalArgumentException e) {
            throw new TaskException(500, e.getMessage() + " (model input \"" + inputName + "\" has shape "
                    + Arrays.toString(modelShape) + ")", e);
        }
        if ((modelW > 0 && modelW != size[0]) || (modelH > 0 && modelH != size[1])) {
            throw new TaskException(500, "model input \"" + inputName + "\" expects shape " + Arrays.toString(modelShape)
                    + ", but the preprocessing gives " + expected(size[0], size[1]));
        }
        Preprocessing.Input in = preprocessing.prepare(image, size[0], size[1]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try {
            // the outputs are copied out while the session is held, so an unload waits for them
            return session.use(ortSession -> {
                try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(in.data()), in.shape());
                     OrtSession.Result result = ortSession.run(Map.of(inputName, tensor))) {
                    Map<String, OutputTensor> outputs = new LinkedHashMap<>();
                    for (Map.Entry<String, OnnxValue> e : result) {
                        if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                            FloatBuffer fb = t.getFloatBuffer();
                            float[] data = new float[fb.remaining()];
                            fb.get(data);
                            outputs.put(e.getKey(), new OutputTensor(e.getKey(), data, t.getInfo().getShape()));
                        }
                    }
                    if (outputs.isEmpty()) {
                        throw new TaskException(500, "the model has no float output");
                    }
                    return new Run(outputs, in.geometry());
                }
            });
        } catch (OrtException e) {
            throw new TaskException(500, "model \"" + ((OnnxBackend) task.backend()).model() + "\" failed: " + e.getMessage(), e);
        }
    }

    private String expected(int w, int h) {
        String ws = w > 0 ? String.valueOf(w) : "W";
        String hs = h > 0 ? String.valueOf(h) : "H";
        return preprocessing.layout() == Preprocessing.Layout.NCHW
                ? "[1, 3, " + hs + ", " + ws + "]" : "[1, " + hs + ", " + ws + ", 3]";
    }

    @Override
    public void close() {
        if (ownsSession) {
            session.close();
        }
    }

    static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // Nothing left to release: the native session is gone either way.
        }
    }
}
