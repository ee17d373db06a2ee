package io.visionflow.image;

import java.util.Locale;

/**
 * Caps applied to every input image before its pixels are decoded, so that a small file cannot
 * claim a huge canvas (decompression bomb) and exhaust memory.
 *
 * @param maxBytes  largest encoded image (decoded base64 or downloaded body), in bytes
 * @param maxPixels largest width × height
 * @param maxSide   largest width or height on its own (guards extreme strips that pass the pixel cap)
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide) {

    /** 20 MiB. */
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    /** 50 megapixels: a 50 MP photo decodes to 200 MB as int RGB, the most a worker should hold at once. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** 30000 px: larger than any camera sensor side; longer panoramas are refused. */
    public static final int DEFAULT_MAX_SIDE = 30_000;

    private static final ImageLimits DEFAULTS =
            new ImageLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE);

    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0 || maxSide <= 0) {
            throw new IllegalArgumentException("image limits must be positive: " + maxBytes + ", "
                    + maxPixels + ", " + maxSide);
        }
    }

    public static ImageLimits defaults() {
        return DEFAULTS;
    }

    public ImageLimits withMaxBytes(long bytes) {
        return new ImageLimits(bytes, maxPixels, maxSide);
    }

    public ImageLimits withMaxPixels(long pixels) {
        return new ImageLimits(maxBytes, pixels, maxSide);
    }

    public ImageLimits withMaxSide(int side) {
        return new ImageLimits(maxBytes, maxPixels, side);
    }

    /** Throws 413 when an encoded image of {@code length} bytes is over {@link #maxBytes}. */
    public void checkBytes(long length) throws ImageException {
        if (length > maxBytes) {
            throw ImageException.tooLarge("image is " + formatBytes(length) + ", over the limit of "
                    + formatBytes(maxBytes));
        }
    }

    /** Throws 413 when a {@code width × height} canvas is over {@link #maxPixels} or {@link #maxSide}. */
    public void checkDimensions(long width, long height) throws ImageException {
        long pixels = width * height; // both ≤ 2^32, cannot overflow a long
        if (pixels > maxPixels) {
            throw ImageException.tooLarge("image is " + width + "×" + height + " = "
                    + formatPixels(pixels) + ", over the limit of " + formatPixels(maxPixels));
        }
        if (width > maxSide || height > maxSide) {
            throw ImageException.tooLarge("image is " + width + "×" + height + ", a side over the limit of "
                    + maxSide + " px");
        }
    }

    static String formatBytes(long bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes >= 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " bytes";
    }

    static String formatPixels(long pixels) {
        if (pixels >= 1_000_000 && pixels % 1_000_000 == 0) {
            return pixels / 1_000_000 + " MP";
        }
        if (pixels >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1f MP", pixels / 1e6);
        }
        return pixels + " pixels";
    }
}
