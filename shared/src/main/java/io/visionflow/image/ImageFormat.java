package io.visionflow.image;

import java.util.Optional;

/** The encoded image formats Visionflow accepts, recognised by their leading bytes. */
public enum ImageFormat {
    JPEG("image/jpeg"),
    PNG("image/png"),
    GIF("image/gif"),
    BMP("image/bmp"),
    WEBP("image/webp");

    private final String mimeType;

    ImageFormat(String mimeType) {
        this.mimeType = mimeType;
    }

    public String mimeType() {
        return mimeType;
    }

    /** The format of {@code bytes} judged by their magic numbers, never by a file name or declared type. */
    public static Optional<ImageFormat> detect(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        if (startsWith(bytes, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(bytes, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(bytes, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of(GIF);
        }
        if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        // "BM" alone is two printable letters; also require the BMP info header size to be plausible.
        if (startsWith(bytes, 0, 'B', 'M') && bytes.length >= 18) {
            int infoSize = (bytes[14] & 0xFF) | (bytes[15] & 0xFF) << 8 | (bytes[16] & 0xFF) << 16 | (bytes[17] & 0xFF) << 24;
            if (infoSize == 12 || infoSize == 16 || infoSize == 40 || infoSize == 52 || infoSize == 56
                    || infoSize == 64 || infoSize == 108 || infoSize == 124) {
                return Optional.of(BMP);
            }
        }
        return Optional.empty();
    }

    /** A name for a well-known format we do not accept, so the error can say what was sent. */
    static Optional<String> detectUnsupported(byte[] bytes) {
        if (startsWith(bytes, 0, 'I', 'I', 42, 0) || startsWith(bytes, 0, 'M', 'M', 0, 42)) {
            return Optional.of("TIFF");
        }
        if (startsWith(bytes, 4, 'f', 't', 'y', 'p') && bytes.length >= 12) {
            String brand = new String(bytes, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (brand.startsWith("avi")) {
                return Optional.of("AVIF");
            }
            if (brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev")) {
                return Optional.of("HEIC");
            }
        }
        if (startsWith(bytes, 0, '%', 'P', 'D', 'F')) {
            return Optional.of("PDF");
        }
        if (startsWith(bytes, 0, 0x00, 0x00, 0x00, 0x0C, 'J', 'X', 'L', ' ') || startsWith(bytes, 0, 0xFF, 0x0A)) {
            return Optional.of("JPEG XL");
        }
        if (startsWith(bytes, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ')) {
            return Optional.of("JPEG 2000");
        }
        if (startsWith(bytes, 0, '<', 's', 'v', 'g') || startsWith(bytes, 0, '<', '?', 'x', 'm', 'l')) {
            return Optional.of("SVG/XML");
        }
        return Optional.empty();
    }

    static boolean startsWith(byte[] bytes, int offset, int... prefix) {
        if (bytes.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[offset + i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
