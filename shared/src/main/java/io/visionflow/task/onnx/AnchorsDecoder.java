package io.visionflow.task.onnx;

import io.visionflow.task.TaskException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Decodes {@link AnchorsOutput}. */
final class AnchorsDecoder {
    private AnchorsDecoder() {
    }

    /**
     * Anchors as {@code [cx, cy, w, h]} fractions of the input, in MediaPipe's SsdAnchorsCalculator
     * order: per group of same-stride layers, cells row by row, the anchors of a cell together.
     */
    static float[][] anchors(AnchorsOutput spec, int inputWidth, int inputHeight) {
        List<Integer> strides = spec.strides();
        int layers = strides.size();
        List<float[]> out = new ArrayList<>();
        int layer = 0;
        while (layer < layers) {
            List<Double> ratios = new ArrayList<>();
            List<Double> scales = new ArrayList<>();
            int last = layer;
            while (last < layers && strides.get(last).equals(strides.get(layer))) {
                double scale = scale(spec, last, layers);
                for (double r : spec.aspectRatios()) {
                    ratios.add(r);
                    scales.add(scale);
                }
                if (spec.interpolatedScaleAspectRatio() > 0) {
                    double next = last == layers - 1 ? 1.0 : scale(spec, last + 1, layers);
                    scales.add(Math.sqrt(scale * next));
                    ratios.add(spec.interpolatedScaleAspectRatio());
                }
                last++;
            }
            int stride = strides.get(layer);
            int rows = (int) Math.ceil(inputHeight / (double) stride);
            int cols = (int) Math.ceil(inputWidth / (double) stride);
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    for (int a = 0; a < ratios.size(); a++) {
                        double sq = Math.sqrt(ratios.get(a));
                        boolean fixed = spec.fixedAnchorSize();
                        out.add(new float[] {
                                (float) ((x + spec.anchorOffset()) / cols),
                                (float) ((y + spec.anchorOffset()) / rows),
                                (float) (fixed ? 1 : scales.get(a) * sq),
                                (float) (fixed ? 1 : scales.get(a) / sq)});
                    }
                }
            }
            layer = last;
        }
        return out.toArray(float[][]::new);
    }

    private static double scale(AnchorsOutput spec, int index, int count) {
        return count == 1 ? (spec.minScale() + spec.maxScale()) / 2
                : spec.minScale() + (spec.maxScale() - spec.minScale()) * index / (count - 1.0);
    }

    static List<Decoding.Candidate> decode(AnchorsOutput spec, Map<String, OutputTensor> outputs,
                                           Preprocessing.Geometry g, int classes, double minProb) throws TaskException {
        float[][] anchors = anchors(spec, g.inputWidth(), g.inputHeight());
        double[] div = spec.boxScale() == null
                ? new double[] {g.inputWidth(), g.inputHeight(), g.inputWidth(), g.inputHeight()}
                : spec.boxScale().stream().mapToDouble(Double::doubleValue).toArray();
        boolean yx = spec.boxOrder() == AnchorsOutput.BoxOrder.YXHW;
        List<Decoding.Candidate> out = new ArrayList<>();
        int anchor = 0;
        for (int p = 0; p < spec.scores().size(); p++) {
            OutputTensor scores = Decoding.pick(outputs, spec.scores().get(p));
            OutputTensor boxes = Decoding.pick(outputs, spec.boxes().get(p));
            int n = (int) (scores.data().length / classes);
            if (scores.data().length != (long) n * classes || boxes.shape().length < 2 || boxes.data().length % n != 0
                    || boxes.data().length / n < 4 || boxes.dim(-2) != n) {
                throw new TaskException(500, "model outputs \"" + scores.name() + "\" " + scores.shapeText()
                        + " and \"" + boxes.name() + "\" " + boxes.shapeText() + " do not fit: expected [1, n, "
                        + classes + "] scores and [1, n, >=4] boxes");
            }
            if (anchor + n > anchors.length) {
                throw new TaskException(500, "the model's score tensors hold more than the " + anchors.length
                        + " anchors generated from strides " + spec.strides());
            }
            int stride = boxes.data().length / n;
            float[] sd = scores.data();
            float[] bd = boxes.data();
            for (int i = 0; i < n; i++, anchor++) {
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    double v = sd[i * classes + c];
                    if (v > bestScore) {
                        bestScore = v;
                        best = c;
                    }
                }
                double prob = switch (spec.activation()) {
                    case SIGMOID -> Activation.sigmoid(Math.max(-100, Math.min(100, bestScore)));
                    case NONE, SOFTMAX -> bestScore;
                };
                if (prob < minProb || prob <= 0) {
                    continue;
                }
                int b = i * stride;
                double rx = bd[b + (yx ? 1 : 0)];
                double ry = bd[b + (yx ? 0 : 1)];
                double rw = bd[b + (yx ? 3 : 2)];
                double rh = bd[b + (yx ? 2 : 3)];
                float[] a = anchors[anchor];
                double cx = rx / div[0] * a[2] + a[0];
                double cy = ry / div[1] * a[3] + a[1];
                double w = spec.exponentialBoxSize() ? Math.exp(rw / div[2]) * a[2] : rw / div[2] * a[2];
                double h = spec.exponentialBoxSize() ? Math.exp(rh / div[3]) * a[3] : rh / div[3] * a[3];
                int iw = g.inputWidth();
                int ih = g.inputHeight();
                out.add(new Decoding.Candidate(best, prob, (cx - w / 2) * iw, (cy - h / 2) * ih,
                        (cx + w / 2) * iw, (cy + h / 2) * ih));
            }
        }
        if (anchor != anchors.length) {
            throw new TaskException(500, "the model's score tensors hold " + anchor + " anchors, but strides "
                    + spec.strides() + " generate " + anchors.length);
        }
        Decoding.byProb(out);
        return spec.weightedNms() ? weightedNms(out, spec.nmsIou()) : out;
    }

    /** MediaPipe's weighted NMS: each kept box is the score-weighted mean of the boxes it overlaps. */
    static List<Decoding.Candidate> weightedNms(List<Decoding.Candidate> sorted, double iou) {
        List<Decoding.Candidate> rest = new ArrayList<>(sorted);
        List<Decoding.Candidate> kept = new ArrayList<>();
        while (!rest.isEmpty()) {
            Decoding.Candidate top = rest.get(0);
            double w = 0;
            double x1 = 0;
            double y1 = 0;
            double x2 = 0;
            double y2 = 0;
            List<Decoding.Candidate> remaining = new ArrayList<>();
            for (Decoding.Candidate c : rest) {
                if (c.label() == top.label() && iou(top, c) > iou) {
                    w += c.prob();
                    x1 += c.x1() * c.prob();
                    y1 += c.y1() * c.prob();
                    x2 += c.x2() * c.prob();
                    y2 += c.y2() * c.prob();
                } else {
                    remaining.add(c);
                }
            }
            kept.add(new Decoding.Candidate(top.label(), top.prob(), x1 / w, y1 / w, x2 / w, y2 / w));
            rest = remaining;
        }
        return kept;
    }

    private static double iou(Decoding.Candidate a, Decoding.Candidate b) {
        double ix = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
        double iy = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
        double inter = ix * iy;
        double union = (a.x2() - a.x1()) * (a.y2() - a.y1()) + (b.x2() - b.x1()) * (b.y2() - b.y1()) - inter;
        return union <= 0 ? 1 : inter / union;
    }
}
