package io.visionflow.task.onnx;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * How an image becomes the model's input tensor. JSON names are snake_case; every field is
 * optional and shown here with its default:
 *
 * <pre>{@code
 * {"width": null, "height": null,          // fixed input size; both null: taken from the model's input shape
 *  "max_side": null, "multiple_of": 32,    // dynamic input instead: longer side at most max_side (never
 *                                          // enlarged), each side rounded to a multiple of multiple_of
 *  "resize": "stretch",                    // stretch | letterbox | letterbox_top_left | center_crop
 *  "pad_value": 0,                         // pixel value (0-255, before scale/mean/std) of letterbox padding
 *  "scale": 0.00392156862745098,           // 1/255: value = (pixel * scale - mean) / std
 *  "mean": [0, 0, 0], "std": [1, 1, 1],    // per channel, in the order of "channels"
 *  "channels": "rgb",                      // rgb | bgr
 *  "layout": "nchw",                       // nchw | nhwc
 *  "input": null}                          // input tensor name; null: the model's first input
 * }</pre>
 *
 * {@code letterbox_top_left} follows PaddleOCR's cls/rec preprocessing: the image is scaled to the
 * full input height keeping its ratio and padded on the right; an image too wide for that is
 * squeezed to the input width.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Preprocessing(
        Integer width,
        Integer height,
        Integer maxSide,
        Integer multipleOf,
        Resize resize,
        Double padValue,
        Double scale,
        List<Double> mean,
        List<Double> std,
        Channels channels,
        Layout layout,
        String input) {

    public enum Resize {
        @JsonProperty("stretch") STRETCH,
        @JsonProperty("letterbox") LETTERBOX,
        @JsonProperty("letterbox_top_left") LETTERBOX_TOP_LEFT,
        @JsonProperty("center_crop") CENTER_CROP
    }

    public enum Channels {
        @JsonProperty("rgb") RGB,
        @JsonProperty("bgr") BGR
    }

    public enum Layout {
        @JsonProperty("nchw") NCHW,
        @JsonProperty("nhwc") NHWC
    }

    public Preprocessing {
        if ((width == null) != (height == null)) {
            throw new IllegalArgumentException("preprocessing: give both width and height, or neither");
        }
        if (width != null && (width < 1 || height < 1)) {
            throw new IllegalArgumentException("preprocessing: width and height must be positive");
        }
        if (width != null && maxSide != null) {
            throw new IllegalArgumentException("preprocessing: give either width/height or max_side, not both");
        }
        if (maxSide != null && maxSide < 1) {
            throw new IllegalArgumentException("preprocessing: max_side must be positive");
        }
        multipleOf = multipleOf == null ? 32 : multipleOf;
        if (multipleOf < 1) {
            throw new IllegalArgumentException("preprocessing: multiple_of must be positive");
        }
        resize = resize == null ? Resize.STRETCH : resize;
        padValue = padValue == null ? 0.0 : padValue;
        scale = scale == null ? 1.0 / 255 : scale;
        mean = mean == null ? List.of(0.0, 0.0, 0.0) : List.copyOf(mean);
        std = std == null ? List.of(1.0, 1.0, 1.0) : List.copyOf(std);
        if (mean.size() != 3 || std.size() != 3) {
            throw new IllegalArgumentException("preprocessing: mean and std need 3 values (one per channel)");
        }
        if (std.stream().anyMatch(s -> s == 0)) {
            throw new IllegalArgumentException("preprocessing: std values must not be 0");
        }
        channels = channels == null ? Channels.RGB : channels;
        layout = layout == null ? Layout.NCHW : layout;
    }

    /** A fixed-size spec with every other field at its default. */
    public static Preprocessing fixed(int width, int height) {
        return new Preprocessing(width, height, null, null, null, null, null, null, null, null, null, null);
    }

    public Preprocessing withResize(Resize r) {
        return new Preprocessing(width, height, maxSide, multipleOf, r, padValue, scale, mean, std, channels, layout, input);
    }

    public Preprocessing withNormalization(double scale, List<Double> mean, List<Double> std) {
        return new Preprocessing(width, height, maxSide, multipleOf, resize, padValue, scale, mean, std, channels, layout, input);
    }

    public Preprocessing withChannels(Channels c) {
        return new Preprocessing(width, height, maxSide, multipleOf, resize, padValue, scale, mean, std, c, layout, input);
    }

    public Preprocessing withLayout(Layout l) {
        return new Preprocessing(width, height, maxSide, multipleOf, resize, padValue, scale, mean, std, channels, l, input);
    }

    public Preprocessing withPadValue(double v) {
        return new Preprocessing(width, height, maxSide, multipleOf, resize, v, scale, mean, std, channels, layout, input);
    }

    /**
     * Where an image's pixels went in the input tensor: input {@code u = x * sx + dx}, {@code v = y * sy + dy}.
     * Decoders produce boxes in input pixels; {@link #toImageX}/{@link #toImageY} bring them back.
     */
    public record Geometry(int inputWidth, int inputHeight, int imageWidth, int imageHeight,
                           double sx, double sy, double dx, double dy) {
        public double toImageX(double u) {
            return (u - dx) / sx;
        }

        public double toImageY(double v) {
            return (v - dy) / sy;
        }
    }

    /** The input tensor's values and shape, with the mapping back to the image. */
    public record Input(float[] data, long[] shape, Geometry geometry) {
    }

    /**
     * Input size for an image: the fixed size, the dynamic size, or {@code modelWidth}/{@code modelHeight}
     * (the model's fixed input dims, or -1 if dynamic) when the spec gives none.
     */
    public int[] inputSize(int imageWidth, int imageHeight, int modelWidth, int modelHeight) {
        if (width != null) {
            return new int[] {width, height};
        }
        if (maxSide != null) {
            double r = Math.min(1.0, maxSide / (double) Math.max(imageWidth, imageHeight));
            return new int[] {roundTo(imageWidth * r), roundTo(imageHeight * r)};
        }
        if (modelWidth > 0 && modelHeight > 0) {
            return new int[] {modelWidth, modelHeight};
        }
        throw new IllegalArgumentException(
                "preprocessing: the model's input size is dynamic, so give width/height or max_side");
    }

    private int roundTo(double side) {
        return (int) Math.max(multipleOf, Math.round(side / multipleOf) * multipleOf);
    }

    /** Builds the input tensor of {@code image} for an input of {@code inputWidth × inputHeight}. */
    public Input prepare(BufferedImage image, int inputWidth, int inputHeight) {
        int w = image.getWidth();
        int h = image.getHeight();
        Geometry g = geometry(w, h, inputWidth, inputHeight);
        BufferedImage canvas = new BufferedImage(inputWidth, inputHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = canvas.createGraphics();
        try {
            gr.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            gr.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            BufferedImage src = shrink(image, g.sx(), g.sy());
            gr.drawImage(src, (int) g.dx(), (int) g.dy(),
                    (int) Math.round(w * g.sx()), (int) Math.round(h * g.sy()), null);
        } finally {
            gr.dispose();
        }
        int[] argb = canvas.getRGB(0, 0, inputWidth, inputHeight, null, 0, inputWidth);
        int plane = inputWidth * inputHeight;
        float[] data = new float[3 * plane];
        float[] mul = new float[3];
        float[] add = new float[3];
        for (int c = 0; c < 3; c++) {
            mul[c] = (float) (scale / std.get(c));
            add[c] = (float) (-mean.get(c) / std.get(c));
        }
        boolean bgr = channels == Channels.BGR;
        boolean nchw = layout == Layout.NCHW;
        // Padding is written as a float so that e.g. 127.5 normalises to exactly 0 (PaddleOCR pads with 0).
        int left = (int) Math.max(0, g.dx());
        int top = (int) Math.max(0, g.dy());
        int right = (int) Math.min(inputWidth, g.dx() + Math.round(w * g.sx()));
        int bottom = (int) Math.min(inputHeight, g.dy() + Math.round(h * g.sy()));
        float pad = padValue.floatValue();
        for (int i = 0; i < plane; i++) {
            int x = i % inputWidth;
            int y = i / inputWidth;
            boolean inside = x >= left && x < right && y >= top && y < bottom;
            int p = argb[i];
            float r = inside ? (p >> 16) & 0xff : pad;
            float gg = inside ? (p >> 8) & 0xff : pad;
            float b = inside ? p & 0xff : pad;
            float c0 = bgr ? b : r;
            float c2 = bgr ? r : b;
            if (nchw) {
                data[i] = c0 * mul[0] + add[0];
                data[plane + i] = gg * mul[1] + add[1];
                data[2 * plane + i] = c2 * mul[2] + add[2];
            } else {
                data[3 * i] = c0 * mul[0] + add[0];
                data[3 * i + 1] = gg * mul[1] + add[1];
                data[3 * i + 2] = c2 * mul[2] + add[2];
            }
        }
        long[] shape = nchw ? new long[] {1, 3, inputHeight, inputWidth} : new long[] {1, inputHeight, inputWidth, 3};
        return new Input(data, shape, g);
    }

    /** The placement of a {@code w × h} image in the input, per resize mode; drawn sizes are whole pixels. */
    public Geometry geometry(int w, int h, int inW, int inH) {
        double sx = inW / (double) w;
        double sy = inH / (double) h;
        return switch (resize) {
            case STRETCH -> new Geometry(inW, inH, w, h, sx, sy, 0, 0);
            case LETTERBOX -> placed(w, h, inW, inH, Math.min(sx, sy));
            case CENTER_CROP -> placed(w, h, inW, inH, Math.max(sx, sy));
            case LETTERBOX_TOP_LEFT -> {
                // PaddleOCR: full height; width from the ratio, capped at the input width.
                long drawnW = Math.max(1, Math.min(inW, (long) Math.ceil(w * sy)));
                yield new Geometry(inW, inH, w, h, drawnW / (double) w, sy, 0, 0);
            }
        };
    }

    private static Geometry placed(int w, int h, int inW, int inH, double s) {
        long dw = Math.max(1, Math.round(w * s));
        long dh = Math.max(1, Math.round(h * s));
        long dx = Math.floorDiv(inW - dw, 2);
        long dy = Math.floorDiv(inH - dh, 2);
        return new Geometry(inW, inH, w, h, dw / (double) w, dh / (double) h, dx, dy);
    }

    // Java2D's bilinear scaling samples only 4 source pixels, so big reductions alias; halve first.
    private static BufferedImage shrink(BufferedImage image, double sx, double sy) {
        BufferedImage cur = image;
        int w = image.getWidth();
        int h = image.getHeight();
        double targetW = w * sx;
        double targetH = h * sy;
        while (w / 2 >= targetW && h / 2 >= targetH && w >= 4 && h >= 4) {
            w /= 2;
            h /= 2;
            BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = next.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(cur, 0, 0, w, h, null);
            g.dispose();
            cur = next;
        }
        return cur;
    }
}
