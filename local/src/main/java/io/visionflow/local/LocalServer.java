package io.visionflow.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.Envelope;
import io.visionflow.api.WebFiles;
import io.visionflow.json.Mappers;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http.protocol.HttpDateGenerator;
import org.apache.hc.core5.io.CloseMode;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The local HTTP host of the {@link Api}: translates each HTTP/1.1 request into an
 * {@link ApiRequest} and the {@link ApiResponse} back. Nothing else lives here: routing, auth and
 * errors are the API's.
 *
 * <p>Each connection is served by its own thread, which reads a request, answers it and reads the
 * next (keep-alive), so a request never waits for a hand-over between threads; the HTTP messages
 * are read and written by HttpCore's classic server connection. The JDK's server, used before,
 * handed every request from its selector thread to a worker and back, which cost 0.3 to 0.6 ms a
 * request on this machine (a trivial answer in 0.49 ms against 0.23 ms this way, with clients
 * that pause between calls). Connections are bounded ({@link #MAX_CONNECTIONS}); one over the
 * bound is answered 503 and closed, and an idle one is closed after {@link #IDLE}.
 */
public final class LocalServer implements AutoCloseable {
    /** Connections served at once; each holds a thread. */
    static final int MAX_CONNECTIONS = 512;
    /** A connection without a new request for this long is closed; also bounds each read of a request. */
    static final Duration IDLE = Duration.ofSeconds(60);
    private static final Http1Config HTTP = Http1Config.custom()
            .setMaxLineLength(16 * 1024).setMaxHeaderCount(200).setMaxEmptyLineCount(10).build();
    private static final ObjectMapper ACCESS_JSON = Mappers.create();

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
    private final ServerSocket listener;
    private final WebFiles web;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    private LocalServer(Config config) throws IOException {
        this.config = config;
        this.web = config.web == null ? null : new WebFiles(config.web);
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(config.host, config.port), 128);
        Thread.ofPlatform().name("local-server-accept").daemon(true).start(this::accept);
    }

    public static LocalServer start(Consumer<Config> configure) throws IOException {
        Config c = new Config();
        configure.accept(c);
        Objects.requireNonNull(c.api, "api");
        return new LocalServer(c);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The base URL, ending with a slash (what Ximilar clients take as their endpoint). */
    public URI uri() {
        String host = config.host.equals("0.0.0.0") ? "localhost" : config.host;
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    /** Stops accepting and closes every connection; requests in flight end with them. */
    public void stop() {
        stopped = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void accept() {
        while (!stopped) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (stopped) {
                    return;
                }
                continue; // a connection that failed while being accepted
            }
            if (!slots.tryAcquire()) {
                Thread.ofVirtual().start(() -> refuseBusy(socket));
                continue;
            }
            open.add(socket);
            try {
                Thread.ofPlatform().name("local-server-" + socket.getPort()).daemon(true).start(() -> serve(socket));
            } catch (RuntimeException | OutOfMemoryError e) {
                open.remove(socket);
                slots.release();
                closeQuietly(socket);
            }
        }
    }

    /** One connection: requests in turn until the client or an answer closes it, or it idles out. */
    private void serve(Socket socket) {
        DefaultBHttpServerConnection conn = new DefaultBHttpServerConnection("http", HTTP);
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) IDLE.toMillis());
            conn.bind(socket);
            boolean again = true;
            while (again && !stopped) {
                ClassicHttpRequest request;
                try {
                    request = conn.receiveRequestHeader();
                } catch (HttpException e) {
                    answerMalformed(conn, e);
                    return;
                } catch (IOException e) {
                    return; // idle too long, or the client hung up
                }
                if (request == null) {
                    return; // closed by the client between requests
                }
                again = exchange(conn, socket, request);
            }
        } catch (IOException | RuntimeException e) {
            // the connection broke mid-answer: nothing left to tell the client
        } finally {
            lingeringClose(conn, socket);
            open.remove(socket);
            slots.release();
        }
    }

    /**
     * Closes after the last answer has left: output first, then whatever the client is still
     * sending (a refused body) is read and dropped for a moment. Closing with unread input would
     * reset the connection, and a reset can discard the answer before the client reads it.
     */
    private static void lingeringClose(DefaultBHttpServerConnection conn, Socket socket) {
        try {
            conn.flush();
            if (!socket.isClosed()) {
                socket.shutdownOutput();
                socket.setSoTimeout(1000);
                InputStream in = socket.getInputStream();
                byte[] sink = new byte[8192];
                long drained = 0;
                for (int n; drained < (1 << 20) && (n = in.read(sink)) >= 0; ) {
                    drained += n;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone already, or still sending after a second: closed anyway
        } finally {
            conn.close(CloseMode.IMMEDIATE);
            closeQuietly(socket);
        }
    }

    /** Answers one request; false when the connection must close after it. */
    private boolean exchange(DefaultBHttpServerConnection conn, Socket socket, ClassicHttpRequest request)
            throws IOException {
        long start = System.nanoTime();
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        String target = request.getPath() == null ? "/" : request.getPath();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String rawQuery = q < 0 ? null : target.substring(q + 1);
        Map<String, String> headers = headers(request);
        Exchange ex = new Exchange(method, path, rawQuery, headers, socket.getInetAddress(), start);

        Optional<ApiResponse> file = web == null ? Optional.empty() : web.respond(config.api, method, path);
        if (file.isPresent()) {
            boolean keep = consumeSmallBody(conn, request) && write(conn, request, ex, file.get());
            log(ex, 200, 0, file.get().body().length, "-", null);
            return keep;
        }

        long limit = Math.min(config.maxBodyBytes, config.api.maxBodyBytes(method, path));
        long declared = declaredLength(headers);
        byte[] body;
        try {
            if (declared > limit) {
                return refuseTooLarge(conn, request, ex, declared, limit);
            }
            if ("100-continue".equalsIgnoreCase(headers.getOrDefault("expect", "").strip())) {
                conn.sendResponseHeader(new BasicClassicHttpResponse(100));
                conn.flush();
            }
            conn.receiveRequestEntity(request);
            body = read(request.getEntity(), limit);
            if (body == null) {
                return refuseTooLarge(conn, request, ex, -1, limit);
            }
        } catch (HttpException e) {
            answerMalformed(conn, e);
            log(ex, 400, declared, 0, "-", e.getClass().getSimpleName());
            return false;
        } catch (IOException e) {
            // the client went away mid-body: nothing to answer
            log(ex, 0, declared, 0, "-", e.getClass().getSimpleName());
            return false;
        }
        ApiResponse response = config.api.handle(ex.toRequest(body));
        boolean keep = write(conn, request, ex, response);
        log(ex, response.status(), body.length, response.body().length,
                response.headers().getOrDefault("X-Request-Id", "-"), null);
        return keep;
    }

    /** What the access log and the API need of a request, taken once. */
    private record Exchange(String method, String path, String rawQuery, Map<String, String> headers,
                            InetAddress remote, long start) {
        ApiRequest toRequest(byte[] body) {
            return new ApiRequest(method, path, query(rawQuery), headers, body);
        }
    }

    private static Map<String, String> headers(ClassicHttpRequest request) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : request.getHeaders()) {
            headers.merge(h.getName().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
        }
        return headers;
    }

    private static long declaredLength(Map<String, String> headers) {
        String v = headers.get("content-length");
        try {
            return v == null ? -1 : Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The body, or null when it is over {@code limit}; never reads more than limit + 1 bytes. */
    private static byte[] read(HttpEntity entity, long limit) throws IOException {
        if (entity == null) {
            return new byte[0];
        }
        try (InputStream in = entity.getContent()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            return body.length > limit ? null : body;
        }
    }

    /** A GET of a page file may carry a body nobody wants; a small one is read so the connection can go on. */
    private static boolean consumeSmallBody(DefaultBHttpServerConnection conn, ClassicHttpRequest request) {
        try {
            conn.receiveRequestEntity(request);
            return read(request.getEntity(), 64 * 1024) != null;
        } catch (HttpException | IOException e) {
            return false;
        }
    }

    /** 413 before the body is read (or once it is over the limit); the connection closes, the body unread. */
    private boolean refuseTooLarge(DefaultBHttpServerConnection conn, ClassicHttpRequest request, Exchange ex,
                                   long length, long limit) throws IOException {
        String size = length >= 0 ? "the body is " + length + " bytes," : "the body is";
        ApiResponse response = error(413, size + " over the limit of " + limit + " bytes");
        config.api.observeRefused(ex.toRequest(new byte[0]), response, Duration.ofNanos(System.nanoTime() - ex.start()));
        writeClosing(conn, request, response);
        log(ex, 413, length, response.body().length, response.headers().get("X-Request-Id"), null);
        return false;
    }

    /** An error envelope answered by the server itself, before or without the API, under a new request id. */
    private static ApiResponse error(int status, String detail) {
        String requestId = UUID.randomUUID().toString();
        return ApiResponse.json(status, Envelope.error(status, detail, requestId, List.of()), requestId);
    }

    private static void answerMalformed(DefaultBHttpServerConnection conn, HttpException e) {
        try {
            writeClosing(conn, null, error(400, "malformed HTTP request: " + e.getMessage()));
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    private static void writeClosing(DefaultBHttpServerConnection conn, ClassicHttpRequest request, ApiResponse response)
            throws IOException {
        ClassicHttpResponse out = message(response, request == null ? "GET" : request.getMethod());
        out.setHeader("Connection", "close");
        send(conn, out, request != null && request.getMethod().equalsIgnoreCase("HEAD"));
    }

    /** Writes the answer; true when the connection may serve another request. */
    private static boolean write(DefaultBHttpServerConnection conn, ClassicHttpRequest request, Exchange ex,
                                 ApiResponse response) throws IOException {
        ClassicHttpResponse out = message(response, ex.method());
        HttpCoreContext context = HttpCoreContext.create();
        boolean http10 = request.getVersion() != null && request.getVersion().lessEquals(HttpVersion.HTTP_1_0);
        context.setProtocolVersion(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        if (http10 && ex.headers().getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("keep-alive")) {
            out.setHeader("Connection", "keep-alive"); // an HTTP/1.0 client that asked to keep it
        }
        boolean keep = DefaultConnectionReuseStrategy.INSTANCE.keepAlive(request, out, context);
        if (!keep) {
            out.setHeader("Connection", "close");
        }
        send(conn, out, ex.method().equals("HEAD"));
        return keep;
    }

    private static ClassicHttpResponse message(ApiResponse response, String method) {
        BasicClassicHttpResponse out = new BasicClassicHttpResponse(response.status());
        response.headers().forEach(out::setHeader);
        out.setHeader("Date", HttpDateGenerator.INSTANCE.getCurrentDate());
        byte[] body = response.body();
        int status = response.status();
        if (status != 204 && status != 304 && status >= 200) {
            // a HEAD answer says how long the GET's body would be, and sends none
            out.setHeader("Content-Length", Integer.toString(body.length));
            if (body.length > 0 && !method.equalsIgnoreCase("HEAD")) {
                out.setEntity(new ByteArrayEntity(body, null));
            }
        }
        return out;
    }

    private static void send(DefaultBHttpServerConnection conn, ClassicHttpResponse out, boolean head)
            throws IOException {
        try {
            conn.sendResponseHeader(out);
            if (!head && out.getEntity() != null) {
                conn.sendResponseEntity(out);
            }
            conn.flush();
        } catch (HttpException e) {
            throw new IOException(e);
        }
    }

    /** One connection over {@link #MAX_CONNECTIONS}: a 503 envelope, then closed, its request unread. */
    private static void refuseBusy(Socket socket) {
        DefaultBHttpServerConnection conn = new DefaultBHttpServerConnection("http", HTTP);
        try {
            conn.bind(socket);
            ApiResponse busy = error(503, "more than " + MAX_CONNECTIONS + " connections are open; try again");
            Map<String, String> headers = new HashMap<>(busy.headers());
            headers.put("Retry-After", "1");
            writeClosing(conn, null, new ApiResponse(503, headers, busy.body()));
        } catch (IOException e) {
            // it went away first
        } finally {
            lingeringClose(conn, socket);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
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

    private void log(Exchange ex, int status, long in, long out, String requestId, String failure) {
        // path only: query values and headers may carry secrets, bodies carry images
        ObjectNode line = ACCESS_JSON.createObjectNode();
        line.put("time", java.time.Instant.now().toString());
        line.put("level", status >= 500 || failure != null ? "WARNING" : "INFO");
        line.put("logger", "access");
        line.put("message", ex.method() + " " + ex.path() + " " + status);
        line.put("request_id", requestId);
        line.put("method", ex.method());
        line.put("path", ex.path());
        line.put("status", status);
        line.put("in", in);
        line.put("out", out);
        line.put("ms", Math.round((System.nanoTime() - ex.start()) / 1e5) / 10.0);
        line.put("remote", ex.remote().getHostAddress());
        if (failure != null) {
            line.put("failure", failure);
        }
        config.accessLog.accept(line.toString());
    }
}
