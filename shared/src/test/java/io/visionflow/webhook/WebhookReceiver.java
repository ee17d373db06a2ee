package io.visionflow.webhook;

import io.visionflow.net.OriginFormOnly;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * A real HTTP server on loopback that records every webhook it receives and answers with the
 * status {@code answer} gives for the n-th request (1-based); a negative status means "sleep that
 * many milliseconds, then answer 200", to play a slow receiver.
 */
public final class WebhookReceiver implements AutoCloseable {
    public record Received(String path, Headers headers, byte[] body) {
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** The status for the n-th request (1-based), which is {@code request}. */
    @FunctionalInterface
    public interface Answer {
        int status(int n, Received request);
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public WebhookReceiver(IntFunction<Integer> answer) throws IOException {
        this((n, r) -> answer.apply(n), Map.of());
    }

    /** Answers with these headers too. */
    public WebhookReceiver(IntFunction<Integer> answer, Map<String, String> headers) throws IOException {
        this((n, r) -> answer.apply(n), headers);
    }

    public WebhookReceiver(Answer answer, Map<String, String> headers) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        OriginFormOnly.context(server, "/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Received request = new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders(), body);
            int n;
            synchronized (received) {
                received.add(request);
                n = received.size();
            }
            int status = answer.status(n, request);
            if (status < 0) {
                try {
                    Thread.sleep(-status);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status = 200;
            }
            headers.forEach(exchange.getResponseHeaders()::set);
            try {
                exchange.sendResponseHeaders(status, -1);
            } catch (IOException e) {
                // the sender gave up on a slow answer and closed the connection
            }
            exchange.close();
        });
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    public List<Received> received() {
        return received;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
