package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.onnxruntime.OrtSession;
import io.visionflow.flow.Problem;
import io.visionflow.task.TaskException;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * {@code remove_background}: ISNet (IS-Net, "Highly Accurate Dichotomous Image Segmentation") as
 * shipped by npm {@code @imgly/background-removal-data@1.4.5} ({@code /models/small}, 44 MB). The
 * preprocessing is imgly's ({@code inference.ts} / {@code utils.ts} of background-removal-js): the
 * image stretched to 1024×1024 RGB, {@code (value - 128) / 256}, NCHW; the output {@code output}
 * {@code [1,1,1024,1024]} is the foreground alpha in [0, 1], stretched back to the original size.
 * <p>
 * {@code params.output}: {@code image} (default: the original with that alpha, PNG),
 * {@code mask} (the alpha as a grey PNG) or {@code both}. Output:
 * {@code {"image"?: "data:image/png;base64,...", "mask"?: "...", "width": w, "height": h}}, or
 * the URLs of the stored PNGs when the request stores images.
 */
final class RemoveBackground implements ImageService {
    static final String NAME = "remove_background";
    private static final int SIZE = 1024;
    private final ServiceModels models;

    RemoveBackground(ServiceModels models) {
        this.models = models;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem> validate(ObjectNode params) {
        return BuiltinRules.removeBackground(params);
    }

    @Override
    public JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException {
        String output = Params.text(params, "output", "image");
        float[] alpha = alpha(image);
        int w = image.getWidth();
        int h = image.getHeight();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (!output.equals("mask")) {
            BufferedImage cut = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    row[x] = Planes.clamp(alpha[y * w + x]) << 24 | (row[x] & 0xffffff);
                }
                cut.setRGB(0, y, w, 1, row, 0, w);
            }
            out.put("image", context.images().write(cut));
        }
        if (!output.equals("image")) {
            BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] pixels = new byte[w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    pixels[x] = (byte) Planes.clamp(alpha[y * w + x]);
                }
                mask.getRaster().setDataElements(0, y, w, 1, pixels);
            }
            out.put("mask", context.images().write(mask));
        }
        out.put("width", w);
        out.put("height", h);
        return out;
    }

    /** The foreground alpha of every pixel of {@code image}, 0 (background) to 255, row-major. */
    float[] alpha(BufferedImage image) throws TaskException {
        Planes small = Planes.resized(image, SIZE, SIZE);
        int plane = SIZE * SIZE;
        float[] input = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float[] src = small.channels()[c];
            for (int i = 0; i < plane; i++) {
                // imgly rounds the resized image to bytes before normalising
                input[c * plane + i] = (Planes.clamp(src[i]) - 128f) / 256f;
            }
        }
        OrtSession session = models.session("imgly:" + ImglyModel.SMALL, m -> ImglyModel.read(m, ImglyModel.SMALL));
        ServiceModels.Output out = ServiceModels.run(session, input, new long[] {1, 3, SIZE, SIZE}, "output");
        if (out.values().length != plane) {
            throw new TaskException(500, "the background model answered " + out.values().length + " values, expected " + plane);
        }
        float[] mask = out.values();
        for (int i = 0; i < plane; i++) {
            mask[i] = Math.max(0, Math.min(1, mask[i])) * 255;
        }
        Planes full = Lanczos.resize(new Planes(SIZE, SIZE, new float[][] {mask}), image.getWidth(), image.getHeight());
        return full.channels()[0];
    }
}
