package io.visionflow.task.onnx;

import io.visionflow.task.Box;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Nms;
import io.visionflow.task.TaskException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns output tensors into results. Pure (no ONNX Runtime), so every decoder is tested with
 * synthetic tensors; {@link OnnxTaskRunner} only runs the session and calls this.
 */
public final class Decoding {
    private Decoding() {
    }

    /** A detection in input-tensor pixels, before it is mapped back to the image. */
    record Candidate(int label, double prob, double x1, double y1, double x2, double y2) {
    }

    /** Every label with its probability (unsorted; {@code Classification} sorts). */
    public static List<LabelProb> classify(ClassifierOutput spec, Map<String, OutputTensor> outputs, List<Label> labels)
            throws TaskException {
        OutputTensor t = pick(outputs, spec.tensor());
        long count = Arrays.stream(t.shape()).filter(d -> d != 1).count();
        if (t.data().length != labels.size() || count > 1) {
            throw new TaskException(500, "model output \"" + t.name() + "\" has shape " + t.shapeText()
                    + ", expected [1, " + labels.size() + "] (one score per label of the task)");
        }
        float[] v = t.data().clone();
        spec.activation().apply(v);
        List<LabelProb> out = new ArrayList<>(labels.size());
        for (int i = 0; i < v.length; i++) {
            out.add(new LabelProb(labels.get(i).id(), labels.get(i).name(), v[i]));
        }
        return out;
    }

    /**
     * Objects with probability at least {@code minProb}, boxes in image pixels clipped to the
     * image; most probable first, except text boxes, which come in reading order.
     */
    public static List<DetectedObject> detect(OutputSpec spec, Map<String, OutputTensor> outputs,
                                              Preprocessing.Geometry g, List<Label> labels, double minProb)
            throws TaskException {
        List<Candidate> candidates = switch (spec) {
            case ClassifierOutput c -> throw new TaskException(500, "a classifier output cannot detect objects");
            case YoloOutput y -> YoloDecoder.decode(y, pick(outputs, y.tensor()), g, labels.size(), minProb);
            case AnchorsOutput a -> AnchorsDecoder.decode(a, outputs, g, labels.size(), minProb);
            case TextMapOutput t -> TextMapDecoder.decode(t, pick(outputs, t.tensor()), g, minProb);
        };
        List<DetectedObject> objects = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            Box box = new Box(g.toImageX(c.x1()), g.toImageY(c.y1()), g.toImageX(c.x2()), g.toImageY(c.y2()))
                    .clip(g.imageWidth(), g.imageHeight());
            if (box.area() <= 0) {
                continue;
            }
            Label label = labels.get(c.label());
            objects.add(new DetectedObject(label.id(), label.name(), c.prob(), box));
        }
        return switch (spec) {
            case YoloOutput y -> Nms.apply(objects, y.nmsIou());
            case AnchorsOutput a -> Nms.apply(objects, a.nmsIou());
            case TextMapOutput t -> objects;
            case ClassifierOutput c -> objects;
        };
    }

    static OutputTensor pick(Map<String, OutputTensor> outputs, String name) throws TaskException {
        if (name == null) {
            return outputs.values().iterator().next();
        }
        OutputTensor t = outputs.get(name);
        if (t == null) {
            throw new TaskException(500, "the model has no output \"" + name + "\" (outputs: "
                    + String.join(", ", outputs.keySet()) + ")");
        }
        return t;
    }

    static List<Candidate> byProb(List<Candidate> list) {
        list.sort(Comparator.comparingDouble(Candidate::prob).reversed());
        return list;
    }
}
