package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Lambda {@code Invoke} REST API on loopback ({@code POST /2015-03-31/functions/{name}/invocations}),
 * answering with real handlers the way Lambda does: the payload with 200; an exception of the
 * handler as 200 with {@code X-Amz-Function-Error: Unhandled} and Lambda's error JSON; throttling
 * as 429 {@code TooManyRequestsException}; an unknown function as 404
 * {@code ResourceNotFoundException}. Faults can be injected: throttle the next n calls, answer
 * after a delay.
 */
final class LambdaInvokeServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/2015-03-31/functions/";

    private final HttpServer server;
    private final Map<String, RequestStreamHandler> functions = new ConcurrentHashMap<>();
    /** Every call: function name and qualifier as the SDK sent them. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger throttleNext = new AtomicInteger();
    volatile Duration delay = Duration.ZERO;

    private LambdaInvokeServer(HttpServer server) {
        this.server = server;
    }

    static LambdaInvokeServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LambdaInvokeServer s = new LambdaInvokeServer(server);
        server.createContext("/", s::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor()); // invocations run concurrently, as Lambda's do
        server.start();
        return s;
    }

    LambdaInvokeServer function(String name, RequestStreamHandler handler) {
        functions.put(name, handler);
        return this;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (!exchange.getRequestMethod().equals("POST") || !path.startsWith(PREFIX) || !path.endsWith("/invocations")) {
                error(exchange, 404, "UnknownOperationException", "no such operation: " + exchange.getRequestMethod() + " " + path);
                return;
            }
            String name = URLDecoder.decode(path.substring(PREFIX.length(), path.length() - "/invocations".length()), StandardCharsets.UTF_8);
            String query = exchange.getRequestURI().getQuery();
            calls.add(name + (query == null ? "" : "?" + query));
            byte[] payload = exchange.getRequestBody().readAllBytes();
            RequestStreamHandler handler = functions.get(functionName(name));
            if (handler == null) {
                error(exchange, 404, "ResourceNotFoundException", "Function not found: " + name);
                return;
            }
            if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                exchange.getResponseHeaders().add("Retry-After", "0");
                error(exchange, 429, "TooManyRequestsException", "Rate Exceeded.");
                return;
            }
            sleep(delay);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] body;
            try {
                handler.handleRequest(new ByteArrayInputStream(payload), out, null);
                body = out.toByteArray();
            } catch (Exception | Error e) {
                exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                body = JSON.writeValueAsBytes(Map.of("errorMessage", String.valueOf(e.getMessage()),
                        "errorType", e.getClass().getName(), "stackTrace", List.of()));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Amz-Executed-Version", "1");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** The function of a name, {@code name:qualifier} or ARN ({@code arn:aws:lambda:region:account:function:name[:qualifier]}). */
    private static String functionName(String name) {
        String[] parts = name.split(":");
        if (name.startsWith("arn:")) {
            return parts.length > 6 ? parts[6] : name;
        }
        return parts[0];
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        byte[] body = JSON.writeValueAsBytes(Map.of("Type", "User", "message", message));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void sleep(Duration d) {
        if (!d.isZero()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
