package io.visionflow.service;

/** CIELAB (D65) from and to 8-bit sRGB, for colour distances that follow perception. */
final class Lab {
    private static final double XN = 0.95047;
    private static final double YN = 1.0;
    private static final double ZN = 1.08883;
    private static final double[] LINEAR = new double[256];

    static {
        for (int i = 0; i < 256; i++) {
            double c = i / 255.0;
            LINEAR[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
        }
    }

    private Lab() {
    }

    /** {@code {L, a, b}} of a packed {@code 0xRRGGBB} colour. */
    static double[] of(int rgb) {
        double r = LINEAR[(rgb >> 16) & 0xff];
        double g = LINEAR[(rgb >> 8) & 0xff];
        double b = LINEAR[rgb & 0xff];
        double x = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
        double y = f((0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / YN);
        double z = f((0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / ZN);
        return new double[] {116 * y - 16, 500 * (x - y), 200 * (y - z)};
    }

    /** The packed {@code 0xRRGGBB} colour nearest to a Lab value (clamped to the sRGB gamut). */
    static int toRgb(double[] lab) {
        double fy = (lab[0] + 16) / 116;
        double fx = fy + lab[1] / 500;
        double fz = fy - lab[2] / 200;
        double x = XN * finv(fx);
        double y = YN * finv(fy);
        double z = ZN * finv(fz);
        double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
        double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
        double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
        return encode(r) << 16 | encode(g) << 8 | encode(b);
    }

    static double distance2(double[] p, double[] q) {
        double dl = p[0] - q[0];
        double da = p[1] - q[1];
        double db = p[2] - q[2];
        return dl * dl + da * da + db * db;
    }

    /** The index of the point of {@code candidates} nearest to {@code point} (the first of equals). */
    static int nearest(double[][] candidates, double[] point) {
        int best = 0;
        double bestDistance = Double.MAX_VALUE;
        for (int i = 0; i < candidates.length; i++) {
            double d = distance2(point, candidates[i]);
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }

    private static double finv(double t) {
        double t3 = t * t * t;
        return t3 > 216.0 / 24389 ? t3 : (116 * t - 16) / (24389.0 / 27);
    }

    private static int encode(double linear) {
        double c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
        return (int) Math.max(0, Math.min(255, Math.round(c * 255)));
    }
}
