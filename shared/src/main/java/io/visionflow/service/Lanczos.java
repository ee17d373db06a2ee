package io.visionflow.service;

/**
 * Separable Lanczos-3 resampling of {@link Planes}, up or down. Downscaling widens the kernel by
 * the scale factor so it also low-passes (no aliasing). Weights are normalised per output pixel
 * and edges are clamped, so a flat image stays exactly flat.
 */
final class Lanczos {
    private static final int LOBES = 3;

    private Lanczos() {
    }

    static Planes resize(Planes in, int width, int height) {
        if (width == in.width() && height == in.height()) {
            return in;
        }
        Kernel kx = Kernel.of(in.width(), width);
        Kernel ky = Kernel.of(in.height(), height);
        float[][] out = new float[in.channels().length][];
        for (int c = 0; c < out.length; c++) {
            float[] horizontal = horizontal(in.channels()[c], in.width(), in.height(), width, kx);
            out[c] = vertical(horizontal, width, in.height(), height, ky);
        }
        return new Planes(width, height, out);
    }

    private static float[] horizontal(float[] src, int sw, int sh, int dw, Kernel k) {
        float[] dst = new float[dw * sh];
        for (int y = 0; y < sh; y++) {
            int row = y * sw;
            for (int x = 0; x < dw; x++) {
                int first = k.first[x];
                int base = x * k.taps;
                float sum = 0;
                for (int t = 0; t < k.taps; t++) {
                    sum += k.weights[base + t] * src[row + k.index(first + t)];
                }
                dst[y * dw + x] = sum;
            }
        }
        return dst;
    }

    private static float[] vertical(float[] src, int w, int sh, int dh, Kernel k) {
        float[] dst = new float[w * dh];
        for (int y = 0; y < dh; y++) {
            int first = k.first[y];
            int base = y * k.taps;
            int out = y * w;
            for (int t = 0; t < k.taps; t++) {
                float weight = k.weights[base + t];
                if (weight == 0) {
                    continue;
                }
                int row = k.index(first + t) * w;
                for (int x = 0; x < w; x++) {
                    dst[out + x] += weight * src[row + x];
                }
            }
        }
        return dst;
    }

    /** Precomputed taps per output coordinate: source index of the first tap and normalised weights. */
    private record Kernel(int taps, int[] first, float[] weights, int srcSize) {
        static Kernel of(int srcSize, int dstSize) {
            double scale = (double) dstSize / srcSize;
            double support = scale < 1 ? LOBES / scale : LOBES;
            double stretch = scale < 1 ? scale : 1;
            int taps = (int) Math.ceil(support * 2) + 1;
            int[] first = new int[dstSize];
            float[] weights = new float[dstSize * taps];
            for (int i = 0; i < dstSize; i++) {
                double centre = (i + 0.5) / scale - 0.5;
                int start = (int) Math.floor(centre - support) + 1;
                first[i] = start;
                double total = 0;
                for (int t = 0; t < taps; t++) {
                    double w = lanczos((start + t - centre) * stretch);
                    weights[i * taps + t] = (float) w;
                    total += w;
                }
                for (int t = 0; t < taps; t++) {
                    weights[i * taps + t] = (float) (weights[i * taps + t] / total);
                }
            }
            return new Kernel(taps, first, weights, srcSize);
        }

        int index(int i) {
            return i < 0 ? 0 : i >= srcSize ? srcSize - 1 : i;
        }
    }

    static double lanczos(double x) {
        if (x == 0) {
            return 1;
        }
        if (Math.abs(x) >= LOBES) {
            return 0;
        }
        double px = Math.PI * x;
        return LOBES * Math.sin(px) * Math.sin(px / LOBES) / (px * px);
    }
}
