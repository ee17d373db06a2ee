package io.visionflow.local;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The flow builder's static files (built by {@code web/build.sh} into the jar under {@code web/}),
 * served by the local server at {@code /}. Only GET and HEAD of paths that the API does not answer
 * reach here (the server asks {@code Api.hasRoute} first), so a file can never shadow an endpoint.
 */
final class WebFiles {
    /** A file to send. */
    record File(byte[] body, String contentType) {
    }

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json",
            "png", "image/png",
            "svg", "image/svg+xml",
            "txt", "text/plain; charset=utf-8");

    /**
     * What the page may load: only its own files; images from data: and blob: URLs (the user's
     * own); requests to any API address, since the user may point it at another server.
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private final String root;

    /** @param root the classpath folder, e.g. {@code /web/} */
    WebFiles(String root) {
        this.root = root.endsWith("/") ? root : root + "/";
    }

    /** The file at a raw request path, if the build put one there; {@code /} is {@code index.html}. */
    Optional<File> find(String rawPath) throws IOException {
        String path = rawPath.equals("/") || rawPath.isEmpty() ? "/index.html" : rawPath;
        // plain names only: no escapes, no dot segments or hidden files, nothing outside the root
        if (!path.matches("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+")) {
            return Optional.empty();
        }
        int dot = path.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        try (InputStream in = WebFiles.class.getResourceAsStream(root + path.substring(1))) {
            return in == null ? Optional.empty() : Optional.of(new File(in.readAllBytes(), type));
        }
    }

    /** Whether the build put the page in this jar (it is missing in a build without npm's output). */
    boolean present() {
        return WebFiles.class.getResource(root + "index.html") != null;
    }
}
