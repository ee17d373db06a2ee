package io.visionflow.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@code multipart/form-data} body (RFC 7578) split into its parts. Only what uploads need:
 * each part's name, file name and bytes; no nested multiparts, no transfer encodings.
 */
final class Multipart {
    record Part(String name, String filename, String contentType, byte[] body) {
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int MAX_HEADER_BYTES = 8 * 1024;

    private Multipart() {
    }

    /** The boundary of a {@code multipart/form-data} content type, or empty when the type is another. */
    static Optional<String> boundary(String contentType) {
        String[] params = contentType.split(";");
        if (!params[0].strip().equalsIgnoreCase("multipart/form-data")) {
            return Optional.empty();
        }
        for (int i = 1; i < params.length; i++) {
            String p = params[i].strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("boundary")) {
                String b = p.substring(eq + 1).strip();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (b.isEmpty() || b.length() > 70) {
                    throw ApiException.badRequest("Content-Type", "the multipart boundary must be 1 to 70 characters");
                }
                return Optional.of(b);
            }
        }
        throw ApiException.badRequest("Content-Type", "multipart/form-data needs a boundary parameter");
    }

    static List<Part> parse(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the first delimiter may open the body; every later one follows a CRLF
        int at = startsWith(body, 0, delimiter) ? 0 : indexOf(body, concat(CRLF, delimiter), 0);
        if (at < 0) {
            throw bad("the body has no part with the boundary of the Content-Type header");
        }
        if (at > 0) {
            at += CRLF.length; // skip the preamble's CRLF
        }
        byte[] next = concat(CRLF, delimiter);
        List<Part> parts = new ArrayList<>();
        while (true) {
            int p = at + delimiter.length;
            if (startsWith(body, p, new byte[] {'-', '-'})) {
                return parts; // closing delimiter; the epilogue is ignored
            }
            p = skipLinearWhitespace(body, p);
            if (!startsWith(body, p, CRLF)) {
                throw bad("a boundary line is not followed by a line break");
            }
            p += CRLF.length;
            int headersEnd = indexOf(body, HEADER_END, p);
            int bodyStart;
            String headers;
            if (startsWith(body, p, CRLF)) {
                headers = "";
                bodyStart = p + CRLF.length;
            } else if (headersEnd < 0 || headersEnd - p > MAX_HEADER_BYTES) {
                throw bad("a part's headers do not end with an empty line");
            } else {
                headers = new String(body, p, headersEnd - p, StandardCharsets.UTF_8);
                bodyStart = headersEnd + HEADER_END.length;
            }
            int end = indexOf(body, next, bodyStart);
            if (end < 0) {
                throw bad("the body ends before the closing boundary");
            }
            parts.add(part(headers, Arrays.copyOfRange(body, bodyStart, end)));
            at = end + CRLF.length;
        }
    }

    private static Part part(String headers, byte[] content) {
        String name = null;
        String filename = null;
        String type = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String h = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String v = line.substring(colon + 1).strip();
            if (h.equals("content-disposition")) {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if (h.equals("content-type")) {
                type = v;
            }
        }
        if (name == null) {
            throw bad("a part has no Content-Disposition name");
        }
        return new Part(name, filename, type, content);
    }

    /** A parameter of a header value, quoted or not ({@code form-data; name="file"; filename="m.onnx"}). */
    private static String param(String value, String key) {
        int i = 0;
        while (i < value.length()) {
            int semi = value.indexOf(';', i);
            if (semi < 0) {
                return null;
            }
            int p = semi + 1;
            while (p < value.length() && value.charAt(p) == ' ') {
                p++;
            }
            int eq = value.indexOf('=', p);
            if (eq < 0) {
                return null;
            }
            String k = value.substring(p, eq).strip();
            String v;
            int after;
            if (eq + 1 < value.length() && value.charAt(eq + 1) == '"') {
                StringBuilder sb = new StringBuilder();
                int q = eq + 2;
                while (q < value.length() && value.charAt(q) != '"') {
                    if (value.charAt(q) == '\\' && q + 1 < value.length()) {
                        q++;
                    }
                    sb.append(value.charAt(q++));
                }
                v = sb.toString();
                after = q + 1;
            } else {
                int end = value.indexOf(';', eq);
                v = value.substring(eq + 1, end < 0 ? value.length() : end).strip();
                after = end < 0 ? value.length() : end;
            }
            if (k.equalsIgnoreCase(key)) {
                return v;
            }
            i = after;
        }
        return null;
    }

    private static int skipLinearWhitespace(byte[] b, int p) {
        while (p < b.length && (b[p] == ' ' || b[p] == '\t')) {
            p++;
        }
        return p;
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest("", "multipart body: " + message);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at < 0 || at + prefix.length > b.length) {
            return false;
        }
        return Arrays.equals(b, at, at + prefix.length, prefix, 0, prefix.length);
    }

    static int indexOf(byte[] b, byte[] pattern, int from) {
        int last = b.length - pattern.length;
        byte first = pattern[0];
        for (int i = Math.max(0, from); i <= last; i++) {
            if (b[i] == first && Arrays.equals(b, i, i + pattern.length, pattern, 0, pattern.length)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
