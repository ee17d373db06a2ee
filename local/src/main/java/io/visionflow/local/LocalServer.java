package io.visionflow.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.WebFiles;
import io.visionflow.api.Envelope;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The local HTTP host of the {@link Api}: the JDK's HTTP server on virtual threads, translating
 * each exchange into an {@link ApiRequest} and the {@link ApiResponse} back. Nothing else lives
 * here: routing, auth and errors are the API's.
 */
public final class LocalServer implements AutoCloseable {
    /** What the server hosts and where; only {@code api} is required. */
    public static final class Config {
        public Api api;
        public String host = "127.0.0.1";
        /** 0 picks a free port (tests). */
        public int port = 8080;
        /**
         * A cap on every body on top of the API's own limit per route (64 MB, model uploads 256 MB);
         * a body over either is refused with a 413 before it is read in full.
         */
        public long maxBodyBytes = Long.MAX_VALUE;
        /**
         * The classpath folder of the flow builder's static files, served at {@code /} on paths the
         * API does not answer; null serves none.
         */
        public String web = "/web/";
        /**
         * One JSON line per request ({@code time, level, logger, message, request_id, method, path,
         * status, in, out, ms, remote}); never gets tokens, query values or image data.
         */
        public Consumer<String> accessLog = line -> System.err.println(line);
    }

    private final Config config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final WebFiles web;

    private LocalServer(Config config) throws IOException {
        this.config = config;
        this.web = config.web == null ? null : new WebFiles(config.web);
        this.server = HttpServer.create(new InetSocketAddress(config.host, config.port), 0);
        // a request mostly waits on model runs: one cheap virtual thread each, no pool to size
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
    }

    public static LocalServer start(Consumer<Config> configure) throws IOException {
        Config c = new Config();
        configure.accept(c);
        Objects.requireNonNull(c.api, "api");
        return new LocalServer(c);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL, ending with a slash (what Ximilar clients take as their endpoint). */
    public URI uri() {
        String host = config.host.equals("0.0.0.0") ? "localhost" : config.host;
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    public void stop() {
        server.stop(0);
        executor.close();
    }

    @Override
    public void close() {
        stop();
    }

    private void exchange(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        ApiResponse response;
        long bodyBytes = -1;
        try (ex) {
            if (serveFile(ex, start)) {
                return;
            }
            try {
                byte[] body = readBody(ex);
                bodyBytes = body == null ? declaredLength(ex) : body.length;
                if (body == null) {
                    response = tooLarge(ex, bodyBytes);
                    config.api.observeRefused(toRequest(ex, new byte[0]), response,
                            java.time.Duration.ofNanos(System.nanoTime() - start));
                } else {
                    response = config.api.handle(toRequest(ex, body));
                }
            } catch (IOException e) {
                // the client went away mid-body: nothing to answer
                log(ex, 0, bodyBytes, 0, "-", start, e.getClass().getSimpleName());
                return;
            }
            write(ex, response);
            log(ex, response.status(), bodyBytes, response.body().length,
                    response.headers().getOrDefault("X-Request-Id", "-"), start, null);
        }
    }

    /** GET or HEAD of a flow builder file on a path the API does not answer: sends it, true. */
    private boolean serveFile(HttpExchange ex, long start) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getRawPath();
        var file = web == null ? java.util.Optional.<ApiResponse>empty() : web.respond(config.api, method, path);
        if (file.isEmpty()) {
            return false;
        }
        write(ex, file.get());
        log(ex, 200, 0, file.get().body().length, "-", start, null);
        return true;
    }

    /** The body, or null when it is over the cap (declared or actual); never reads more than cap + 1 bytes. */
    private byte[] readBody(HttpExchange ex) throws IOException {
        long limit = limit(ex);
        long declared = declaredLength(ex);
        if (declared > limit) {
            return null;
        }
        InputStream in = ex.getRequestBody();
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        return body.length > limit ? null : body;
    }

    private long limit(HttpExchange ex) {
        return Math.min(config.maxBodyBytes, config.api.maxBodyBytes(ex.getRequestMethod().toUpperCase(Locale.ROOT),
                ex.getRequestURI().getRawPath()));
    }

    private static long declaredLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        try {
            return v == null ? -1 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private ApiResponse tooLarge(HttpExchange ex, long length) {
        String requestId = UUID.randomUUID().toString();
        String size = length >= 0 ? "the body is " + length + " bytes," : "the body is";
        return ApiResponse.json(413, Envelope.error(413, size + " over the limit of " + limit(ex)
                + " bytes", requestId, List.of()), requestId);
    }

    static ApiRequest toRequest(HttpExchange ex, byte[] body) {
        URI uri = ex.getRequestURI();
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        return new ApiRequest(ex.getRequestMethod().toUpperCase(Locale.ROOT), uri.getRawPath(), query(uri.getRawQuery()),
                headers, body);
    }

    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> query = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            } catch (IllegalArgumentException e) {
                // a malformed %-escape: keep it raw so the API can say which parameter is wrong
                query.computeIfAbsent(eq < 0 ? pair : pair.substring(0, eq), x -> new ArrayList<>())
                        .add(eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        return query;
    }

    private static void write(HttpExchange ex, ApiResponse response) throws IOException {
        response.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        byte[] body = response.body();
        boolean empty = body.length == 0 || response.status() == 204 || ex.getRequestMethod().equalsIgnoreCase("HEAD");
        ex.sendResponseHeaders(response.status(), empty ? -1 : body.length);
        if (!empty) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void log(HttpExchange ex, int status, long in, long out, String requestId, long start, String failure) {
        // path only: query values and headers may carry secrets, bodies carry images
        com.fasterxml.jackson.databind.node.ObjectNode line = ACCESS_JSON.createObjectNode();
        line.put("time", java.time.Instant.now().toString());
        line.put("level", status >= 500 || failure != null ? "WARNING" : "INFO");
        line.put("logger", "access");
        line.put("message", ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " " + status);
        line.put("request_id", requestId);
        line.put("method", ex.getRequestMethod());
        line.put("path", ex.getRequestURI().getRawPath());
        line.put("status", status);
        line.put("in", in);
        line.put("out", out);
        line.put("ms", Math.round((System.nanoTime() - start) / 1e5) / 10.0);
        line.put("remote", ex.getRemoteAddress().getAddress().getHostAddress());
        if (failure != null) {
            line.put("failure", failure);
        }
        config.accessLog.accept(line.toString());
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper ACCESS_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
