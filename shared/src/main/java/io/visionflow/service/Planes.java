package io.visionflow.service;

import java.awt.image.BufferedImage;

/**
 * An image as float planes, one per channel (R, G, B and optionally A), values 0..255, row-major.
 * The services resample and filter in this form and round only once, when writing pixels back.
 */
record Planes(int width, int height, float[][] channels) {

    /** The colour planes of {@code image} (sRGB values as stored, no linearisation); with alpha when it has one. */
    static Planes of(BufferedImage image, boolean withAlpha) {
        int w = image.getWidth();
        int h = image.getHeight();
        boolean alpha = withAlpha && image.getColorModel().hasAlpha();
        float[][] c = new float[alpha ? 4 : 3][w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int i = y * w + x;
                c[0][i] = (p >> 16) & 0xff;
                c[1][i] = (p >> 8) & 0xff;
                c[2][i] = p & 0xff;
                if (alpha) {
                    c[3][i] = (p >>> 24) & 0xff;
                }
            }
        }
        return new Planes(w, h, c);
    }

    /**
     * The colour planes of {@code image} reduced by box-averaging {@code step}×{@code step} blocks
     * (the last row and column of blocks may be smaller), read row by row so a large image never
     * exists in float form; the first stage of shrinking a big image before a finer resampler.
     */
    static Planes averaged(BufferedImage image, int step) {
        if (step <= 1) {
            return of(image, false);
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int ow = (w + step - 1) / step;
        int oh = (h + step - 1) / step;
        float[][] c = new float[3][ow * oh];
        int[] count = new int[ow * oh];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int base = (y / step) * ow;
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int i = base + x / step;
                c[0][i] += (p >> 16) & 0xff;
                c[1][i] += (p >> 8) & 0xff;
                c[2][i] += p & 0xff;
                count[i]++;
            }
        }
        for (int i = 0; i < count.length; i++) {
            c[0][i] /= count[i];
            c[1][i] /= count[i];
            c[2][i] /= count[i];
        }
        return new Planes(ow, oh, c);
    }

    /** {@code image} resampled to exactly {@code width}×{@code height} with Lanczos-3, box-averaged first when it is over twice as large. */
    static Planes resized(BufferedImage image, int width, int height) {
        int step = Math.max(1, Math.min(image.getWidth() / (2 * width), image.getHeight() / (2 * height)));
        return Lanczos.resize(averaged(image, step), width, height);
    }

    int size() {
        return width * height;
    }

    /** RGB (three planes) or ARGB (four) pixels, rounded and clamped to 0..255. */
    BufferedImage toImage() {
        boolean alpha = channels.length == 4;
        BufferedImage out = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int a = alpha ? clamp(channels[3][i]) : 255;
                row[x] = a << 24 | clamp(channels[0][i]) << 16 | clamp(channels[1][i]) << 8 | clamp(channels[2][i]);
            }
            out.setRGB(0, y, width, 1, row, 0, width);
        }
        return out;
    }

    static int clamp(float v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
}
