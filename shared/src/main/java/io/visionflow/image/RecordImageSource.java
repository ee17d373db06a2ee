package io.visionflow.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * Finds the image of a request record: {@code _base64} (plain, or a {@code data:…;base64,} URI)
 * or {@code _url}, fetched through a {@link UrlFetcher}. When both are given, {@code _base64} wins:
 * it is already here and costs no network call.
 */
public final class RecordImageSource {
    public static final String BASE64_FIELD = "_base64";
    public static final String URL_FIELD = "_url";

    private final UrlFetcher fetcher;

    public RecordImageSource(UrlFetcher fetcher) {
        this.fetcher = fetcher;
    }

    /**
     * The encoded image bytes of {@code record}, at most {@code limits.maxBytes()} long.
     *
     * @throws ImageException 400 when the record has no image or a malformed one, 413 when it is too large
     */
    public byte[] bytes(JsonNode record, ImageLimits limits) throws ImageException {
        if (record == null || !record.isObject()) {
            throw ImageException.badRequest("record must be a JSON object");
        }
        String base64 = text(record, BASE64_FIELD);
        if (base64 != null && !base64.isBlank()) {
            return decodeBase64(base64, limits.maxBytes());
        }
        String url = text(record, URL_FIELD);
        if (url != null && !url.isBlank()) {
            byte[] bytes = fetcher.fetch(url.strip(), limits.maxBytes());
            limits.checkBytes(bytes.length); // a custom fetcher might not enforce the cap
            return bytes;
        }
        throw ImageException.badRequest("record has no image: give " + URL_FIELD + " or " + BASE64_FIELD);
    }

    /** The record's image decoded upright to RGB, see {@link ImageDecoder#decode(byte[], ImageLimits)}. */
    public BufferedImage image(JsonNode record, ImageLimits limits) throws ImageException {
        return ImageDecoder.decode(bytes(record, limits), limits);
    }

    private static String text(JsonNode record, String field) throws ImageException {
        JsonNode node = record.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ImageException.badRequest(field + " must be a string");
        }
        return node.textValue();
    }

    /**
     * Decodes {@code _base64}: tolerates a {@code data:} URI prefix, whitespace and line breaks, the
     * URL-safe alphabet and missing padding.
     *
     * @throws ImageException 400 naming the field when it is not base64, 413 when it decodes to more
     *                        than {@code maxBytes}
     */
    public static byte[] decodeBase64(String value, long maxBytes) throws ImageException {
        String payload = value;
        if (payload.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = payload.indexOf(',');
            if (comma < 0) {
                throw ImageException.badRequest(BASE64_FIELD + " is a data URI without a ',' before the data");
            }
            String header = payload.substring(5, comma).strip().toLowerCase(Locale.ROOT);
            if (!header.endsWith(";base64")) {
                throw ImageException.badRequest(BASE64_FIELD + " data URI must be base64-encoded (data:image/…;base64,…)");
            }
            payload = payload.substring(comma + 1);
        }
        // Refuse before allocating the decoded copy: 4 characters carry 3 bytes.
        long estimate = estimateDecoded(payload);
        if (estimate > maxBytes) {
            throw ImageException.tooLarge("image is about " + ImageLimits.formatBytes(estimate)
                    + ", over the limit of " + ImageLimits.formatBytes(maxBytes));
        }
        byte[] chars = new byte[payload.length()];
        int n = 0;
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f') {
                continue;
            }
            if (c == '-') {
                c = '+';
            } else if (c == '_') {
                c = '/';
            } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=')) {
                throw ImageException.badRequest(BASE64_FIELD + " is not valid base64: unexpected character "
                        + describe(c) + " at position " + i);
            }
            chars[n++] = (byte) c;
        }
        if (n == 0) {
            throw ImageException.badRequest(BASE64_FIELD + " is empty");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(Arrays.copyOf(chars, n));
        } catch (IllegalArgumentException e) {
            throw ImageException.badRequest(BASE64_FIELD + " is not valid base64: " + e.getMessage(), e);
        }
        if (decoded.length > maxBytes) {
            throw ImageException.tooLarge("image is " + ImageLimits.formatBytes(decoded.length)
                    + ", over the limit of " + ImageLimits.formatBytes(maxBytes));
        }
        return decoded;
    }

    private static long estimateDecoded(String payload) {
        long significant = payload.chars().filter(c -> !Character.isWhitespace(c) && c != '=').count();
        return significant * 3 / 4;
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7F ? "'" + c + "'" : String.format(Locale.ROOT, "U+%04X", (int) c);
    }
}
