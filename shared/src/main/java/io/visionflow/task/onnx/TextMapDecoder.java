package io.visionflow.task.onnx;

import io.visionflow.task.TaskException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Decodes {@link TextMapOutput} (PaddleOCR DBPostProcess, with axis-aligned boxes). */
final class TextMapDecoder {
    private TextMapDecoder() {
    }

    static List<Decoding.Candidate> decode(TextMapOutput spec, OutputTensor t, Preprocessing.Geometry g,
                                           double minProb) throws TaskException {
        long[] s = t.shape();
        if (s.length != 4 || s[0] != 1 || s[1] != 1) {
            throw new TaskException(500, "model output \"" + t.name() + "\" has shape " + t.shapeText()
                    + ", expected a probability map [1, 1, H, W]");
        }
        int h = (int) s[2];
        int w = (int) s[3];
        float[] prob = t.data();
        float thr = spec.threshold().floatValue();
        // The map may be smaller than the input (a strided head); boxes are scaled to input pixels.
        double fx = g.inputWidth() / (double) w;
        double fy = g.inputHeight() / (double) h;
        int[] component = new int[w * h];
        int[] stack = new int[w * h];
        List<Decoding.Candidate> out = new ArrayList<>();
        int found = 0;
        for (int start = 0; start < prob.length && found < spec.maxCandidates(); start++) {
            if (prob[start] <= thr || component[start] != 0) {
                continue;
            }
            found++;
            int minX = w;
            int minY = h;
            int maxX = -1;
            int maxY = -1;
            double sum = 0;
            int area = 0;
            int top = 0;
            stack[top++] = start;
            component[start] = found;
            while (top > 0) {
                int p = stack[--top];
                int px = p % w;
                int py = p / w;
                sum += prob[p];
                area++;
                minX = Math.min(minX, px);
                maxX = Math.max(maxX, px);
                minY = Math.min(minY, py);
                maxY = Math.max(maxY, py);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx;
                        int ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) {
                            continue;
                        }
                        int q = ny * w + nx;
                        if (component[q] == 0 && prob[q] > thr) {
                            component[q] = found;
                            stack[top++] = q;
                        }
                    }
                }
            }
            // Paddle's contour runs through pixel centres, so a region spans maxX - minX.
            double bw = maxX - minX;
            double bh = maxY - minY;
            if (Math.min(bw, bh) < spec.minSize()) {
                continue;
            }
            // Mean over the region itself (PaddleOCR's "slow" score): a tilted line's bounding box
            // holds much background, which would sink the score of the box.
            double score = sum / area;
            if (score < spec.boxThreshold() || score < minProb) {
                continue;
            }
            // DB unclip: offset the shrunk kernel by area * ratio / perimeter.
            double d = bw * bh * spec.unclipRatio() / (2 * (bw + bh));
            double x1 = minX - d;
            double y1 = minY - d;
            double x2 = maxX + d;
            double y2 = maxY + d;
            if (Math.min(x2 - x1, y2 - y1) < spec.minSize() + 2) {
                continue;
            }
            out.add(new Decoding.Candidate(0, score, x1 * fx, y1 * fy, (x2 + 1) * fx, (y2 + 1) * fy));
        }
        return readingOrder(out);
    }

    /** Top to bottom; boxes whose tops are within half a line of each other, left to right (as PaddleOCR sorts). */
    static List<Decoding.Candidate> readingOrder(List<Decoding.Candidate> boxes) {
        List<Decoding.Candidate> sorted = new ArrayList<>(boxes);
        sorted.sort(Comparator.comparingDouble(Decoding.Candidate::y1).thenComparingDouble(Decoding.Candidate::x1));
        for (int i = 1; i < sorted.size(); i++) {
            for (int j = i; j > 0; j--) {
                Decoding.Candidate a = sorted.get(j - 1);
                Decoding.Candidate b = sorted.get(j);
                double halfLine = Math.min(a.y2() - a.y1(), b.y2() - b.y1()) / 2;
                if (Math.abs(b.y1() - a.y1()) < halfLine && b.x1() < a.x1()) {
                    sorted.set(j - 1, b);
                    sorted.set(j, a);
                } else {
                    break;
                }
            }
        }
        return sorted;
    }
}
