package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.task.TaskException;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code dominant_colors}: weighted k-means in CIELAB over a sample of at most 160×160 pixels
 * taken on a regular grid (sampling, not averaging, so a flat area keeps its exact colour), seeded
 * by k-means++ from a fixed seed: the same image always gives the same answer. When the sample has
 * no more distinct colours than asked, those colours are the answer as they are.
 * <p>
 * {@code params}: {@code count} (1..12, default 5), {@code mode} {@code generic} (default) or
 * {@code product} (pixels that {@code remove_background} calls background are left out).
 * Output: {@code {"colors": [{"rgb": [r, g, b], "rgb_hex_color": "#RRGGBB", "percentage": 41.25,
 * "color_name": "steelblue"}...]}}, largest first; percentages of the counted pixels sum to 100;
 * the name is the nearest CSS named colour in CIELAB.
 */
final class DominantColors implements ImageService {
    static final String NAME = "dominant_colors";
    private static final int SAMPLE_SIDE = 160;
    private static final int ITERATIONS = 30;
    private static final long SEED = 0x5EED_C0105L;
    /** In {@code product} mode a pixel counts when its foreground alpha is at least this (of 255). */
    private static final float FOREGROUND = 128;
    private final RemoveBackground background;

    DominantColors(RemoveBackground background) {
        this.background = background;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem> validate(ObjectNode params) {
        return BuiltinRules.dominantColors(params);
    }

    @Override
    public JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException {
        int count = Params.integer(params, "count", 5);
        boolean product = Params.text(params, "mode", "generic").equals("product");
        float[] alpha = product ? background.alpha(image) : null;
        int w = image.getWidth();
        int h = image.getHeight();
        int step = Math.max(1, (int) Math.ceil(Math.max(w, h) / (double) SAMPLE_SIDE));
        // colour -> number of sampled pixels
        Map<Integer, Integer> histogram = new HashMap<>();
        for (int y = step / 2; y < h; y += step) {
            for (int x = step / 2; x < w; x += step) {
                if (alpha == null || alpha[y * w + x] >= FOREGROUND) {
                    histogram.merge(image.getRGB(x, y) & 0xffffff, 1, Integer::sum);
                }
            }
        }
        ArrayNode colors = JsonNodeFactory.instance.arrayNode();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("colors", colors);
        if (histogram.isEmpty()) {
            return out; // product mode on an image that is all background
        }
        List<Cluster> clusters = clusters(histogram, count);
        double total = clusters.stream().mapToDouble(c -> c.weight).sum();
        clusters.sort(Comparator.comparingDouble((Cluster c) -> c.weight).reversed().thenComparingInt(c -> c.rgb));
        for (Cluster c : clusters) {
            ObjectNode o = colors.addObject();
            o.putArray("rgb").add((c.rgb >> 16) & 0xff).add((c.rgb >> 8) & 0xff).add(c.rgb & 0xff);
            o.put("rgb_hex_color", String.format(Locale.ROOT, "#%06X", c.rgb));
            o.put("percentage", Math.round(10000 * c.weight / total) / 100.0);
            o.put("color_name", CssColors.nearest(Lab.of(c.rgb)));
        }
        return out;
    }

    private static final class Cluster {
        final double[] lab;
        double weight;
        int rgb;

        Cluster(double[] lab, double weight, int rgb) {
            this.lab = lab;
            this.weight = weight;
            this.rgb = rgb;
        }
    }

    /** At most {@code k} clusters of the histogram's colours, each with its weight and colour. */
    static List<Cluster> clusters(Map<Integer, Integer> histogram, int k) {
        int n = histogram.size();
        int[] rgb = new int[n];
        double[] weight = new double[n];
        double[][] lab = new double[n][];
        int i = 0;
        // sorted, so the result does not depend on the hash map's order
        for (int colour : histogram.keySet().stream().sorted().toList()) {
            rgb[i] = colour;
            weight[i] = histogram.get(colour);
            lab[i] = Lab.of(colour);
            i++;
        }
        if (n <= k) {
            List<Cluster> exact = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                exact.add(new Cluster(lab[j], weight[j], rgb[j]));
            }
            return exact;
        }
        double[][] centres = seed(lab, weight, k);
        int[] assigned = new int[n];
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            boolean changed = iteration == 0;
            for (int j = 0; j < n; j++) {
                int nearest = Lab.nearest(centres, lab[j]);
                if (nearest != assigned[j]) {
                    assigned[j] = nearest;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
            double[][] sums = new double[k][3];
            double[] weights = new double[k];
            for (int j = 0; j < n; j++) {
                int c = assigned[j];
                for (int d = 0; d < 3; d++) {
                    sums[c][d] += weight[j] * lab[j][d];
                }
                weights[c] += weight[j];
            }
            for (int c = 0; c < k; c++) {
                if (weights[c] > 0) {
                    for (int d = 0; d < 3; d++) {
                        centres[c][d] = sums[c][d] / weights[c];
                    }
                }
            }
        }
        List<Cluster> result = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            double total = 0;
            for (int j = 0; j < n; j++) {
                if (assigned[j] == c) {
                    total += weight[j];
                }
            }
            if (total > 0) {
                result.add(new Cluster(centres[c], total, Lab.toRgb(centres[c])));
            }
        }
        return result;
    }

    /** k-means++ seeding with a fixed seed: each next centre drawn with probability ∝ weight × squared distance. */
    private static double[][] seed(double[][] lab, double[] weight, int k) {
        SplittableRandom random = new SplittableRandom(SEED);
        int n = lab.length;
        double[][] centres = new double[k][];
        centres[0] = lab[pick(weight, random)].clone();
        double[] d2 = new double[n];
        Arrays.fill(d2, Double.MAX_VALUE);
        for (int c = 1; c < k; c++) {
            double[] p = new double[n];
            for (int j = 0; j < n; j++) {
                d2[j] = Math.min(d2[j], Lab.distance2(lab[j], centres[c - 1]));
                p[j] = weight[j] * d2[j];
            }
            centres[c] = lab[pick(p, random)].clone();
        }
        return centres;
    }

    private static int pick(double[] p, SplittableRandom random) {
        double total = 0;
        for (double v : p) {
            total += v;
        }
        double r = random.nextDouble() * total;
        for (int j = 0; j < p.length; j++) {
            r -= p[j];
            if (r < 0) {
                return j;
            }
        }
        return p.length - 1;
    }
}
