package io.visionflow.task.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What ONNX Runtime says of a model before any task runs it: its inputs and outputs (shown on
 * upload), and whether a task's preprocessing and output spec fit it (checked at registration, so
 * that what would fail every call fails once, with a path). Runs wherever ONNX Runtime is: the
 * local server, or the model worker for the API function, which has none.
 */
public final class ModelInspection {
    private ModelInspection() {
    }

    /** Inputs and outputs of a model; a 400 {@link TaskException} when ONNX Runtime cannot load it. */
    public static ObjectNode describe(byte[] model) throws TaskException {
        try (OrtSession.SessionOptions options = OnnxTaskRunners.sessionOptions(1);
             OrtSession session = OrtEnvironment.getEnvironment().createSession(model, options)) {
            return describe(session);
        } catch (OrtException e) {
            throw new TaskException(400, firstLine(e.getMessage()), e);
        }
    }

    /** The same of a model file. */
    public static ObjectNode describe(Path model) throws TaskException {
        try (OrtSession.SessionOptions options = OnnxTaskRunners.sessionOptions(1);
             OrtSession session = OrtEnvironment.getEnvironment().createSession(model.toString(), options)) {
            return describe(session);
        } catch (OrtException e) {
            throw new TaskException(400, firstLine(e.getMessage()), e);
        }
    }

    private static ObjectNode describe(OrtSession session) throws OrtException {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("inputs", nodes(session.getInputInfo()));
        out.set("outputs", nodes(session.getOutputInfo()));
        return out;
    }

    /** Problems of an onnx task against its model file (paths relative to the task's JSON); empty when it fits. */
    public static List<Problem> checkTask(Task task, Path modelFile) {
        List<Problem> problems = new ArrayList<>();
        if (!(task.backend() instanceof OnnxBackend b)) {
            return problems;
        }
        try (OrtSession.SessionOptions options = OnnxTaskRunners.sessionOptions(1);
             OrtSession session = OrtEnvironment.getEnvironment().createSession(modelFile.toString(), options)) {
            // the runner checks the model's input against the preprocessing as it opens
            new OnnxTaskRunner(task, session).close();
            checkOutputs(task, b, session.getOutputInfo(), problems);
        } catch (TaskException e) {
            String m = e.getMessage();
            problems.add(new Problem(m.contains("no input") ? "backend.preprocessing.input"
                    : m.contains("input") ? "backend.preprocessing" : "backend", m));
        } catch (OrtException | RuntimeException e) {
            problems.add(new Problem("backend.model", "the model cannot be opened: " + e.getMessage()));
        }
        return problems;
    }

    /**
     * Output tensors the spec names must exist, and where the model's shapes are fixed they must
     * fit the labels: otherwise every call would fail in its record with a model fault.
     */
    private static void checkOutputs(Task task, OnnxBackend b, Map<String, NodeInfo> outputs, List<Problem> problems) {
        int labels = task.labels().size();
        switch (b.output()) {
            case ClassifierOutput c -> {
                long[] shape = shape(outputs, c.tensor(), "backend.output.tensor", problems);
                long scores = shape == null ? -1 : staticCount(shape);
                if (scores > 0 && scores != labels) {
                    problems.add(new Problem("labels", "the model gives " + scores + " scores per image (output shape "
                            + Arrays.toString(shape) + "), the task has " + labels + " labels"));
                }
            }
            case YoloOutput y -> {
                long[] s = shape(outputs, y.tensor(), "backend.output.tensor", problems);
                long k = 4 + (y.objectness() ? 1 : 0) + labels;
                if (s != null && s.length == 3 && s[1] > 0 && s[2] > 0 && s[1] != k && s[2] != k) {
                    problems.add(new Problem("labels", "the model's output has shape " + Arrays.toString(s) + "; with "
                            + labels + " labels" + (y.objectness() ? " and objectness" : "") + " it should have "
                            + k + " values per box"));
                }
            }
            case AnchorsOutput a -> {
                for (int i = 0; i < a.scores().size(); i++) {
                    shape(outputs, a.scores().get(i), "backend.output.scores[" + i + "]", problems);
                    shape(outputs, a.boxes().get(i), "backend.output.boxes[" + i + "]", problems);
                }
            }
            case TextMapOutput t -> shape(outputs, t.tensor(), "backend.output.tensor", problems);
        }
    }

    /** The shape of the named output (the first when null), or null with a problem when the model lacks it. */
    private static long[] shape(Map<String, NodeInfo> outputs, String name, String path, List<Problem> problems) {
        NodeInfo n = name == null ? outputs.values().stream().findFirst().orElse(null) : outputs.get(name);
        if (n == null) {
            problems.add(new Problem(path, "the model has no output \"" + name + "\" (outputs: "
                    + String.join(", ", outputs.keySet()) + ")"));
            return null;
        }
        return n.getInfo() instanceof TensorInfo t ? t.getShape() : null;
    }

    /** Values per image of a fixed shape (batch axis aside), or -1 when a dimension is dynamic. */
    private static long staticCount(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                return -1;
            }
            n *= shape[i];
        }
        return shape.length == 0 ? -1 : n;
    }

    private static ArrayNode nodes(Map<String, NodeInfo> infos) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (NodeInfo n : infos.values()) {
            ObjectNode o = out.addObject();
            o.put("name", n.getName());
            if (n.getInfo() instanceof TensorInfo t) {
                o.put("type", t.type.toString().toLowerCase(Locale.ROOT));
                ArrayNode shape = o.putArray("shape");
                for (long d : t.getShape()) {
                    shape.add(d); // -1: dynamic
                }
            } else {
                o.put("type", n.getInfo().toString());
            }
        }
        return out;
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
