package io.visionflow.service;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.store.BlobModelSource;
import io.visionflow.task.TaskException;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code upscale}: enlarges the image 2× or 4×.
 * <ul>
 * <li>{@code method: "lanczos3"} (default) is a classical resampler, not a neural network:
 *   separable Lanczos-3, then an edge-aware unsharp mask ({@code sharpen}, 0..2, default 0.5) whose
 *   result is clamped to the 3×3 neighbourhood's range of the resampled image, so edges get
 *   steeper without halos or ringing.</li>
 * <li>{@code method: "onnx"} runs a super-resolution network: {@code model} is either the id of a
 *   model the account uploaded ({@code POST /models/v2/model/} answers it: a sha256), or the path
 *   of a model the operator installed in the models directory. Input float {@code [1, 3, h, w]} RGB in
 *   [0, 1], output {@code [1, 3, s·h, s·w]} for its scale s (2 or 4; a ×2 model is applied twice
 *   for {@code factor: 4}). The image goes through in tiles of {@code tile} pixels (default 128)
 *   with {@link #OVERLAP} pixels of context on each side, of which only the centre is kept, so
 *   memory is bounded by the tile and no seams appear.</li>
 * </ul>
 * Output: {@code {"image": "data:image/png;base64,..." (or the stored image's URL), "width", "height", "method"}}. An output over
 * {@code maxOutputPixels} (16 MP by default) is refused with 413 before any work.
 */
final class Upscale implements ImageService {
    static final String NAME = "upscale";
    static final long DEFAULT_MAX_OUTPUT_PIXELS = 16_000_000L;
    static final int OVERLAP = 16;
    private final ServiceModels models;
    private final long maxOutputPixels;

    Upscale(ServiceModels models, long maxOutputPixels) {
        this.models = models;
        this.maxOutputPixels = maxOutputPixels;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem> validate(ObjectNode params) {
        return BuiltinRules.upscale(params);
    }

    @Override
    public JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException {
        int factor = Params.integer(params, "factor", 2);
        long out = (long) image.getWidth() * image.getHeight() * factor * factor;
        if (out > maxOutputPixels) {
            throw new TaskException(413, "upscaling " + image.getWidth() + "x" + image.getHeight() + " by " + factor
                    + " gives " + out + " pixels, over the limit of " + maxOutputPixels);
        }
        String method = Params.text(params, "method", "lanczos3");
        BufferedImage result = method.equals("onnx")
                ? network(image, factor, Params.text(params, "model", null), Params.integer(params, "tile", 128), context)
                : lanczos(image, factor, (float) Params.number(params, "sharpen", 0.5));
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("image", context.images().write(result));
        o.put("width", result.getWidth());
        o.put("height", result.getHeight());
        o.put("method", method);
        return o;
    }

    static BufferedImage lanczos(BufferedImage image, int factor, float sharpen) {
        Planes in = Planes.of(image, true);
        Planes up = Lanczos.resize(in, in.width() * factor, in.height() * factor);
        if (sharpen > 0) {
            for (int c = 0; c < Math.min(3, up.channels().length); c++) {
                up.channels()[c] = sharpen(up.channels()[c], up.width(), up.height(), sharpen);
            }
        }
        return up.toImage();
    }

    /** Unsharp mask against a 3×3 binomial blur, clamped to each pixel's 3×3 min..max: no overshoot at edges. */
    static float[] sharpen(float[] p, int w, int h, float amount) {
        float[] out = new float[p.length];
        for (int y = 0; y < h; y++) {
            int y0 = Math.max(0, y - 1);
            int y2 = Math.min(h - 1, y + 1);
            for (int x = 0; x < w; x++) {
                int x0 = Math.max(0, x - 1);
                int x2 = Math.min(w - 1, x + 1);
                float blur = 0;
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                int[] ys = {y0, y, y2};
                int[] xs = {x0, x, x2};
                for (int j = 0; j < 3; j++) {
                    for (int i = 0; i < 3; i++) {
                        float v = p[ys[j] * w + xs[i]];
                        blur += BINOMIAL[j] * BINOMIAL[i] * v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                float v = p[y * w + x];
                float s = v + amount * (v - blur);
                out[y * w + x] = Math.max(min, Math.min(max, s));
            }
        }
        return out;
    }

    private static final float[] BINOMIAL = {0.25f, 0.5f, 0.25f};

    private BufferedImage network(BufferedImage image, int factor, String modelId, int tile, ServiceContext context)
            throws TaskException {
        OrtSession session = session(modelId, context);
        Planes current = Planes.of(image, false);
        int done = 1;
        while (done < factor) {
            Planes next = tiled(session, current, tile);
            int scale = next.width() / current.width();
            if (done * scale > factor) {
                throw new TaskException(400, "model \"" + modelId + "\" enlarges " + scale + "x, which does not give "
                        + factor + "x");
            }
            done *= scale;
            current = next;
        }
        return current.toImage();
    }

    /**
     * The session of an uploaded model of the account (a sha256), cached under its blob key so an
     * account never reaches another's; or of a file of the models directory.
     */
    private OrtSession session(String modelId, ServiceContext context) throws TaskException {
        if (!UPLOADED.matcher(modelId).matches()) {
            return models.session(modelId);
        }
        String key;
        try {
            key = BlobModelSource.qualify(context.account(), modelId);
            context.models().file(modelId);
        } catch (IOException e) {
            throw new TaskException(400, "model \"" + modelId + "\" is not a model this account uploaded: " + e.getMessage(), e);
        }
        return models.session(key, context.models(), modelId);
    }

    private static final Pattern UPLOADED = Pattern.compile("[0-9a-f]{64}");

    /** One pass of the network over the image in overlapping tiles; only each tile's centre is kept. */
    static Planes tiled(OrtSession session, Planes in, int tile) throws TaskException {
        int w = in.width();
        int h = in.height();
        Planes out = null;
        int scale = 0;
        for (int ty = 0; ty < h; ty += tile) {
            for (int tx = 0; tx < w; tx += tile) {
                int cw = Math.min(tile, w - tx);
                int ch = Math.min(tile, h - ty);
                int x0 = Math.max(0, tx - OVERLAP);
                int y0 = Math.max(0, ty - OVERLAP);
                int x1 = Math.min(w, tx + cw + OVERLAP);
                int y1 = Math.min(h, ty + ch + OVERLAP);
                int iw = x1 - x0;
                int ih = y1 - y0;
                float[] input = new float[3 * iw * ih];
                for (int c = 0; c < 3; c++) {
                    float[] src = in.channels()[c];
                    for (int y = 0; y < ih; y++) {
                        for (int x = 0; x < iw; x++) {
                            input[(c * ih + y) * iw + x] = src[(y0 + y) * w + x0 + x] / 255f;
                        }
                    }
                }
                ServiceModels.Output result = ServiceModels.run(session, input, new long[] {1, 3, ih, iw}, null);
                long[] shape = result.shape();
                int s = shape.length == 4 && shape[0] == 1 && shape[1] == 3 && shape[3] % iw == 0 ? (int) (shape[3] / iw) : 0;
                if (s < 2 || shape[2] != (long) ih * s || (scale != 0 && s != scale)) {
                    throw new TaskException(400, "the super-resolution model answered shape "
                            + java.util.Arrays.toString(shape) + " for input [1, 3, " + ih + ", " + iw
                            + "]; expected [1, 3, " + ih + "·s, " + iw + "·s] with s 2 or 4");
                }
                if (out == null) {
                    scale = s;
                    out = new Planes(w * s, h * s, new float[][] {new float[w * h * s * s], new float[w * h * s * s],
                            new float[w * h * s * s]});
                }
                int ow = iw * s;
                int oh = ih * s;
                for (int c = 0; c < 3; c++) {
                    float[] dst = out.channels()[c];
                    for (int y = 0; y < ch * s; y++) {
                        int sy = (ty - y0) * s + y;
                        for (int x = 0; x < cw * s; x++) {
                            int sx = (tx - x0) * s + x;
                            dst[(ty * s + y) * out.width() + tx * s + x] = 255f * result.values()[(c * oh + sy) * ow + sx];
                        }
                    }
                }
            }
        }
        return out;
    }
}
