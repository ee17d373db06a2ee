package io.visionflow.webhook;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * A real HTTP server on loopback that records every webhook it receives and answers with the
 * status {@code answer} gives for the n-th request (1-based); a negative status means "sleep that
 * many milliseconds, then answer 200", to play a slow receiver.
 */
public final class WebhookReceiver implements AutoCloseable {
    public record Received(Headers headers, byte[] body) {
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public WebhookReceiver(IntFunction<Integer> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestHeaders(), body));
            int status = answer.apply(received.size());
            if (status < 0) {
                try {
                    Thread.sleep(-status);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status = 200;
            }
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
