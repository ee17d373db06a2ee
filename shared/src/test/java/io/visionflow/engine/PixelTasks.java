package io.visionflow.engine;

import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks for the engine's semantics tests whose answers follow from the pixels, so tests can
 * predict them: classifiers on mean colour and brightness, a detector of saturated colour blocks.
 * Every call is counted per task, so tests can check which tasks really ran.
 */
final class PixelTasks implements TaskCatalog, TaskRunners {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Map<String, TaskRunner> runners = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @Override
    public Optional<Task> find(String id) {
        return Optional.ofNullable(tasks.get(id));
    }

    @Override
    public TaskRunner runnerFor(Task task) throws TaskException {
        TaskRunner r = runners.get(task.id());
        if (r == null) {
            throw new TaskException(500, "no runner for " + task.id());
        }
        return r;
    }

    int calls(String taskId) {
        return calls.getOrDefault(taskId, new AtomicInteger()).get();
    }

    void remove(String taskId) {
        tasks.remove(taskId);
    }

    /** Registers a classification task: label i gets the probability {@code scores(image)[i]}. */
    PixelTasks classifier(String id, List<String> labels, Scores scores) {
        Task task = new Task(id, id, TaskKind.CLASSIFICATION, labels(id, labels), null);
        tasks.put(id, task);
        runners.put(id, new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                double[] s = scores.of(image);
                List<LabelProb> out = new ArrayList<>();
                for (int i = 0; i < labels.size(); i++) {
                    out.add(new LabelProb(task.labels().get(i).id(), labels.get(i), s[i]));
                }
                return new Classification(out);
            }
        });
        return this;
    }

    /** Registers a detection task over {@link #blocks}; label 0 is red, label 1 is blue. */
    PixelTasks blockDetector(String id, List<String> labels) {
        Task task = new Task(id, id, TaskKind.DETECTION, labels(id, labels), null);
        tasks.put(id, task);
        runners.put(id, new TaskRunner() {
            @Override
            public List<DetectedObject> detect(BufferedImage image, double minProb) {
                calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                List<DetectedObject> out = new ArrayList<>();
                for (DetectedObject o : blocks(image, task)) {
                    if (o.prob() >= minProb) {
                        out.add(o);
                    }
                }
                return out;
            }
        });
        return this;
    }

    /** Registers a task whose runner is given by the test (failing, slow, blocking ones). */
    PixelTasks custom(String id, TaskKind kind, List<String> labels, TaskRunner runner) {
        tasks.put(id, new Task(id, id, kind, labels(id, labels), null));
        runners.put(id, runner);
        return this;
    }

    private static List<Label> labels(String taskId, List<String> names) {
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(new Label(taskId + "-" + i, names.get(i)));
        }
        return out;
    }

    @FunctionalInterface
    interface Scores {
        double[] of(BufferedImage image);
    }

    /** Softmax over the mean of each channel: a red image is "label 0", green 1, blue 2. */
    static double[] meanColour(BufferedImage image) {
        double[] sum = new double[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum[0] += (rgb >> 16) & 0xff;
                sum[1] += (rgb >> 8) & 0xff;
                sum[2] += rgb & 0xff;
            }
        }
        double n = (double) image.getWidth() * image.getHeight() * 255;
        return softmax(new double[] {10 * sum[0] / n, 10 * sum[1] / n, 10 * sum[2] / n});
    }

    /** [dark, bright] by mean luminance. */
    static double[] brightness(BufferedImage image) {
        double sum = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum += 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
            }
        }
        double mean = sum / ((double) image.getWidth() * image.getHeight() * 255);
        return softmax(new double[] {10 * (0.5 - mean), 10 * (mean - 0.5)});
    }

    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /**
     * Finds axis-aligned blocks of strongly red or blue pixels (bounding box of each 4-connected
     * region); the probability is the mean saturation of the region, so a pale block is weak.
     */
    static List<DetectedObject> blocks(BufferedImage image, Task task) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] cls = new int[w * h];
        double[] sat = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                int i = y * w + x;
                if (r - Math.max(g, b) > 40) {
                    cls[i] = 1;
                    sat[i] = (r - Math.max(g, b)) / 255.0;
                } else if (b - Math.max(r, g) > 40) {
                    cls[i] = 2;
                    sat[i] = (b - Math.max(r, g)) / 255.0;
                }
            }
        }
        boolean[] seen = new boolean[w * h];
        List<DetectedObject> out = new ArrayList<>();
        int[] stack = new int[w * h];
        for (int start = 0; start < w * h; start++) {
            if (cls[start] == 0 || seen[start]) {
                continue;
            }
            int c = cls[start];
            int top = 0;
            stack[top++] = start;
            seen[start] = true;
            int x1 = w, y1 = h, x2 = 0, y2 = 0, n = 0;
            double s = 0;
            while (top > 0) {
                int i = stack[--top];
                int x = i % w;
                int y = i / w;
                x1 = Math.min(x1, x);
                y1 = Math.min(y1, y);
                x2 = Math.max(x2, x + 1);
                y2 = Math.max(y2, y + 1);
                n++;
                s += sat[i];
                int[] next = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1};
                for (int j : next) {
                    if (j >= 0 && !seen[j] && cls[j] == c) {
                        seen[j] = true;
                        stack[top++] = j;
                    }
                }
            }
            Label label = task.labels().get(c - 1);
            out.add(new DetectedObject(label.id(), label.name(), s / n, new Box(x1, y1, x2, y2)));
        }
        return out;
    }
}
