package io.visionflow.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The flow builder's static files (built by {@code web/build.sh} into the jar under {@code web/}),
 * served at {@code /} by the local server and by the API function. Only GET and HEAD of paths that
 * the API does not answer are served ({@link #respond} asks {@link Api#hasRoute} first), so a file
 * can never shadow an endpoint.
 */
public final class WebFiles {
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
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private final String root;

    /** @param root the classpath folder, e.g. {@code /web/} */
    public WebFiles(String root) {
        this.root = root.endsWith("/") ? root : root + "/";
    }

    /**
     * The answer to a GET or HEAD of a file on a path no route of {@code api} has; empty for
     * anything else, which the API then answers.
     */
    public Optional<ApiResponse> respond(Api api, String method, String rawPath) throws IOException {
        if (!(method.equalsIgnoreCase("GET") || method.equalsIgnoreCase("HEAD")) || api.hasRoute(rawPath)) {
            return Optional.empty();
        }
        return find(rawPath).map(f -> new ApiResponse(200, Map.of("Content-Type", f.contentType(),
                "Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff", "Content-Security-Policy", CSP,
                "Referrer-Policy", "no-referrer"), f.body()));
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
    public boolean present() {
        return WebFiles.class.getResource(root + "index.html") != null;
    }
}
