package io.visionflow.image;

import java.io.ByteArrayOutputStream;

/**
 * Small, bounds-checked walks over JPEG segments, PNG chunks and RIFF (WebP) chunks. Written by hand
 * rather than through a metadata library because all we need is one EXIF tag and a filtered PNG, and
 * a walk that never allocates more than its input cannot be turned into a memory bomb.
 */
final class ImageContainers {
    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;

    private ImageContainers() {
    }

    /** The EXIF orientation (1–8) stored in the image, or 1 when there is none or it is unreadable. */
    static int orientation(ImageFormat format, byte[] b) {
        return switch (format) {
            case JPEG -> jpegOrientation(b);
            case PNG -> pngOrientation(b);
            case WEBP -> webpOrientation(b);
            case GIF, BMP -> 1;
        };
    }

    static int jpegOrientation(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                return 1;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) { // metadata precedes the scan
                return 1;
            }
            int length = u16be(b, i + 2);
            if (length < 2) {
                return 1;
            }
            int data = i + 4;
            if (marker == 0xE1 && isExifHeader(b, data, length - 2)) {
                return tiffOrientation(b, data + 6, length - 2 - 6);
            }
            i += 2 + length;
        }
        return 1;
    }

    static int pngOrientation(byte[] b) {
        int i = 8;
        while (i + 8 <= b.length) {
            long length = u32be(b, i);
            if (length > b.length - i - 12L) {
                return 1;
            }
            if (isType(b, i + 4, "eXIf")) {
                return exifPayloadOrientation(b, i + 8, (int) length);
            }
            if (isType(b, i + 4, "IDAT") || isType(b, i + 4, "IEND")) {
                return 1; // eXIf after IDAT is not allowed to change the image
            }
            i += 12 + (int) length;
        }
        return 1;
    }

    static int webpOrientation(byte[] b) {
        int i = 12;
        while (i + 8 <= b.length) {
            long length = u32le(b, i + 4);
            if (length > b.length - i - 8L) {
                return 1;
            }
            if (isType(b, i, "EXIF")) {
                return exifPayloadOrientation(b, i + 8, (int) length);
            }
            i += 8 + (int) length + (int) (length & 1);
        }
        return 1;
    }

    /**
     * The size the first VP8 (lossy) frame of a WebP declares, read where TwelveMonkeys' VP8 decoder
     * reads it (after the 3-byte frame tag and 3-byte start code): it allocates the frame's
     * macroblocks from this, not from the header the limits were checked against, and the two can
     * disagree in corrupt data. Null when there is no VP8 frame (lossless) or it is cut before its size.
     */
    static int[] webpLossyFrameSize(byte[] b) {
        return webpLossyFrameSize(b, 12, b.length);
    }

    private static int[] webpLossyFrameSize(byte[] b, int from, int end) {
        int i = from;
        while (i + 8 <= end) {
            long length = u32le(b, i + 4);
            if (isType(b, i, "VP8 ")) {
                int frame = i + 8;
                return frame + 10 <= b.length
                        ? new int[] {u16le(b, frame + 6) & 0x3fff, u16le(b, frame + 8) & 0x3fff}
                        : null;
            }
            if (isType(b, i, "ANMF") && length >= 16) {
                // an animation frame: 16 bytes of placement, then the frame's own chunks
                int[] nested = webpLossyFrameSize(b, i + 8 + 16, (int) Math.min(end, i + 8L + length));
                if (nested != null) {
                    return nested;
                }
            }
            if (length > end - i - 8L) {
                return null;
            }
            i += 8 + (int) length + (int) (length & 1);
        }
        return null;
    }

    /** EXIF payloads in PNG/WebP should be a bare TIFF stream, but some writers keep the JPEG "Exif\0\0" prefix. */
    private static int exifPayloadOrientation(byte[] b, int offset, int length) {
        if (isExifHeader(b, offset, length)) {
            return tiffOrientation(b, offset + 6, length - 6);
        }
        return tiffOrientation(b, offset, length);
    }

    private static boolean isExifHeader(byte[] b, int offset, int length) {
        return length >= 6 && offset + 6 <= b.length && b[offset] == 'E' && b[offset + 1] == 'x'
                && b[offset + 2] == 'i' && b[offset + 3] == 'f' && b[offset + 4] == 0 && b[offset + 5] == 0;
    }

    /** Reads tag 0x0112 from IFD0 of the TIFF stream at {@code [offset, offset + length)}. */
    static int tiffOrientation(byte[] b, int offset, int length) {
        int end = (int) Math.min(b.length, (long) offset + Math.max(0, length));
        if (offset < 0 || offset + 8 > end) {
            return 1;
        }
        boolean little;
        if (b[offset] == 'I' && b[offset + 1] == 'I') {
            little = true;
        } else if (b[offset] == 'M' && b[offset + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, offset + 2, little) != 42) {
            return 1;
        }
        long ifd = offset + u32(b, offset + 4, little);
        if (ifd + 2 > end) {
            return 1;
        }
        int count = u16(b, (int) ifd, little);
        for (int n = 0; n < count; n++) {
            long entry = ifd + 2 + 12L * n;
            if (entry + 12 > end) {
                return 1;
            }
            int e = (int) entry;
            if (u16(b, e, little) == TAG_ORIENTATION) {
                if (u16(b, e + 2, little) != TYPE_SHORT) {
                    return 1;
                }
                int value = u16(b, e + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    /**
     * Counts start-of-scan markers. Entropy-coded data stuffs every 0xFF with 0x00, so each FF DA is
     * a real marker (an embedded EXIF thumbnail adds its own few).
     */
    static int jpegScanCount(byte[] b) {
        int count = 0;
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == (byte) 0xFF && b[i + 1] == (byte) 0xDA) {
                count++;
            }
        }
        return count;
    }

    /**
     * A copy of a PNG with only the chunks that define pixels (critical chunks and tRNS). Ancillary
     * chunks such as zTXt, iTXt and iCCP are compressed and would be inflated by the reader without
     * a bound; animation chunks are dropped so the default image is what decodes. A damaged chunk
     * structure is copied through unchanged from that point so the reader reports it.
     */
    static byte[] pngPixelChunksOnly(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        out.write(b, 0, Math.min(8, b.length));
        int i = 8;
        while (i + 12 <= b.length) {
            long length = u32be(b, i);
            if (length > b.length - i - 12L) {
                break;
            }
            int total = 12 + (int) length;
            boolean critical = (b[i + 4] & 0x20) == 0;
            if (critical || isType(b, i + 4, "tRNS")) {
                out.write(b, i, total);
            }
            i += total;
            if (isType(b, i - total + 4, "IEND")) {
                return out.toByteArray();
            }
        }
        if (i < b.length) {
            out.write(b, i, b.length - i);
        }
        return out.toByteArray();
    }

    private static boolean isType(byte[] b, int offset, String type) {
        if (offset + 4 > b.length) {
            return false;
        }
        for (int k = 0; k < 4; k++) {
            if (b[offset + k] != type.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    static int u16be(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    static long u32be(byte[] b, int i) {
        return (long) (b[i] & 0xFF) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
    }

    static long u32le(byte[] b, int i) {
        return (long) (b[i + 3] & 0xFF) << 24 | (b[i + 2] & 0xFF) << 16 | (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
    }

    static int u16le(byte[] b, int i) {
        return (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? u16le(b, i) : u16be(b, i);
    }

    private static long u32(byte[] b, int i, boolean little) {
        return little ? u32le(b, i) : u32be(b, i);
    }
}
