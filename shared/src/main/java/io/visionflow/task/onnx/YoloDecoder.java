package io.visionflow.task.onnx;

import io.visionflow.task.TaskException;

import java.util.ArrayList;
import java.util.List;

/** Decodes {@link YoloOutput}: rows of {@code cx, cy, w, h, [obj], class scores}. */
final class YoloDecoder {
    private YoloDecoder() {
    }

    static List<Decoding.Candidate> decode(YoloOutput spec, OutputTensor t, Preprocessing.Geometry g, int classes,
                                           double minProb) throws TaskException {
        int k = 4 + (spec.objectness() ? 1 : 0) + classes;
        long[] s = t.shape();
        boolean rank3 = s.length == 3 && s[0] == 1;
        boolean rows = rank3 && s[2] == k;
        boolean transposed = rank3 && !rows && s[1] == k;
        if (!rows && !transposed) {
            throw new TaskException(500, "model output \"" + t.name() + "\" has shape " + t.shapeText()
                    + ", expected [1, N, " + k + "] or [1, " + k + ", N] (4 box values"
                    + (spec.objectness() ? " + objectness" : "") + " + " + classes + " class scores)");
        }
        int n = (int) (rows ? s[1] : s[2]);
        float[] d = t.data();
        // Element j of detection i: rows store detections contiguously, transposed stores values.
        int stepI = rows ? k : 1;
        int stepJ = rows ? 1 : n;
        double fx = spec.normalized() ? g.inputWidth() : 1;
        double fy = spec.normalized() ? g.inputHeight() : 1;
        int first = spec.objectness() ? 5 : 4;
        List<Decoding.Candidate> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int base = i * stepI;
            double obj = spec.objectness() ? d[base + 4 * stepJ] : 1;
            if (obj < minProb) {
                continue;
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double v = d[base + (first + c) * stepJ];
                if (v > bestScore) {
                    bestScore = v;
                    best = c;
                }
            }
            double prob = obj * bestScore;
            if (prob < minProb || prob <= 0) {
                continue;
            }
            double cx = d[base] * fx;
            double cy = d[base + stepJ] * fy;
            double w = d[base + 2 * stepJ] * fx;
            double h = d[base + 3 * stepJ] * fy;
            out.add(new Decoding.Candidate(best, prob, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return Decoding.byProb(out);
    }
}
