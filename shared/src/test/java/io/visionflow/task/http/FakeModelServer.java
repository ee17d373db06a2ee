package io.visionflow.task.http;

import io.visionflow.net.OriginFormOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * A real HTTP model server on loopback for tests and benchmarks: answers the classify/detect wire
 * format of DESIGN section 1 with configurable results, errors and latency per path, and records
 * every request it receives.
 *
 * <pre>{@code
 * try (FakeModelServer server = FakeModelServer.start()) {
 *     server.classify("/cls", Map.of("Car", 0.8, "Truck", 0.2)).delay("/cls", 50);
 *     server.detect("/det", List.of(FakeModelServer.object("Car", 0.9, 10, 10, 40, 30)));
 *     HttpBackend backend = new HttpBackend(server.url("/cls"), Map.of(), "remote-task");
 *     ...
 *     server.lastRequest("/cls").images();
 * }
 * }</pre>
 *
 * Answers are computed per record, so a request with several records gets one result each; a
 * record whose image cannot be decoded gets {@code _status: {"code": 400, ...}} like a real server.
 * Unknown paths answer 404.
 */
public final class FakeModelServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as received; header names are lower case. */
    public record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The {@code task_id} field (the remote task, under Ximilar's name), or null. */
        public String task() {
            JsonNode t = json().get("task_id");
            return t == null || t.isNull() ? null : t.asText();
        }

        /** The decoded {@code _base64} image of every record (null where it does not decode). */
        public List<BufferedImage> images() {
            List<BufferedImage> images = new ArrayList<>();
            for (JsonNode r : json().path("records")) {
                images.add(decode(r.path("_base64").asText("")));
            }
            return images;
        }
    }

    /** A raw answer. */
    public record Answer(int status, String contentType, byte[] body) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** An object a fake detector reports, box in pixels of the image it received. */
    public record Obj(String name, double prob, double x1, double y1, double x2, double y2) {
    }

    public static Obj object(String name, double prob, double x1, double y1, double x2, double y2) {
        return new Obj(name, prob, x1, y1, x2, y2);
    }

    private record Route(Function<Request, Answer> handler, long delayMs, long bodyDelayMs) {
        Route withDelay(long ms) {
            return new Route(handler, ms, bodyDelayMs);
        }

        Route withBodyDelay(long ms) {
            return new Route(handler, delayMs, ms);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, List<Request>> received = new ConcurrentHashMap<>();

    private FakeModelServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts on a free loopback port. */
    public static FakeModelServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            // Virtual threads: delayed answers must not starve concurrent calls in load tests.
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
            FakeModelServer fake = new FakeModelServer(server, executor);
            OriginFormOnly.context(server, "/", fake::serve);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:port} + path. */
    public String url(String path) {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Answers every record with these label probabilities (sorted by prob; ids are {@code "r-" + name}). */
    public FakeModelServer classify(String path, Map<String, Double> probs) {
        Map<String, Double> copy = new LinkedHashMap<>(probs);
        return classifyWith(path, image -> copy);
    }

    /** Answers every record with the label probabilities this function gives for its image. */
    public FakeModelServer classifyWith(String path, Function<BufferedImage, Map<String, Double>> model) {
        return handle(path, request -> perRecord(request, image -> classification(model.apply(image))));
    }

    /** Answers every record with these objects in {@code _objects}. */
    public FakeModelServer detect(String path, List<Obj> objects) {
        List<Obj> copy = List.copyOf(objects);
        return detectWith(path, image -> copy);
    }

    /** Answers every record with the objects this function finds in its image. */
    public FakeModelServer detectWith(String path, Function<BufferedImage, List<Obj>> model) {
        return handle(path, request -> perRecord(request, image -> detection(model.apply(image))));
    }

    /** Answers with this status and body, whatever the request. */
    public FakeModelServer respond(String path, int status, String body) {
        Answer answer = Answer.json(status, body);
        return handle(path, request -> answer);
    }

    /** Full control: the answer is computed from the request. */
    public FakeModelServer handle(String path, Function<Request, Answer> handler) {
        routes.compute(path, (p, old) -> new Route(handler, old == null ? 0 : old.delayMs, old == null ? 0 : old.bodyDelayMs));
        return this;
    }

    /** Waits this long before answering (before the status line). */
    public FakeModelServer delay(String path, long ms) {
        routes.compute(path, (p, old) -> (old == null ? new Route(null, 0, 0) : old).withDelay(ms));
        return this;
    }

    /** Sends the status line and headers at once, then waits this long before the body. */
    public FakeModelServer delayBody(String path, long ms) {
        routes.compute(path, (p, old) -> (old == null ? new Route(null, 0, 0) : old).withBodyDelay(ms));
        return this;
    }

    public List<Request> requests(String path) {
        return List.copyOf(received.getOrDefault(path, List.of()));
    }

    public Request lastRequest(String path) {
        List<Request> list = requests(path);
        if (list.isEmpty()) {
            throw new AssertionError("no request was received on " + path);
        }
        return list.get(list.size() - 1);
    }

    public int calls(String path) {
        return received.getOrDefault(path, List.of()).size();
    }

    /** Forgets the recorded requests (routes stay). */
    public void clearRequests() {
        received.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            Request request = new Request(exchange.getRequestMethod(), path, Collections.unmodifiableMap(headers), body);
            received.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(request);

            Route route = routes.get(path);
            Answer answer;
            if (route == null || route.handler == null) {
                answer = Answer.json(404, "{\"status\": {\"code\": 404, \"text\": \"Not Found\"}, \"detail\": \"no model at " + path + "\"}");
            } else if (!request.method().equals("POST")) {
                answer = Answer.json(405, "{\"status\": {\"code\": 405, \"text\": \"Method Not Allowed\"}}");
            } else {
                sleep(route.delayMs);
                try {
                    answer = route.handler.apply(request);
                } catch (RuntimeException e) {
                    answer = Answer.json(500, "{\"status\": {\"code\": 500, \"text\": \"" + e.getClass().getSimpleName() + "\"}}");
                }
            }
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            OutputStream out = exchange.getResponseBody();
            if (route != null && route.bodyDelayMs > 0) {
                out.flush();
                sleep(route.bodyDelayMs);
            }
            out.write(answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) throws InterruptedException {
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    private static Answer perRecord(Request request, Function<BufferedImage, ObjectNode> model) {
        JsonNode in;
        try {
            in = request.json();
        } catch (UncheckedIOException e) {
            return Answer.json(400, "{\"status\": {\"code\": 400, \"text\": \"Bad Request\"}, \"detail\": \"body is not JSON\"}");
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode records = out.putArray("records");
        for (JsonNode r : in.path("records")) {
            BufferedImage image = decode(r.path("_base64").asText(""));
            ObjectNode result = image == null ? JSON.createObjectNode() : model.apply(image);
            if (r.has("_id")) {
                result.set("_id", r.get("_id"));
            }
            ObjectNode status = result.putObject("_status");
            status.put("code", image == null ? 400 : 200);
            status.put("text", image == null ? "cannot decode the image" : "OK");
            records.add(result);
        }
        ObjectNode status = out.putObject("status");
        status.put("code", 200);
        status.put("text", "OK");
        return new Answer(200, "application/json", out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode classification(Map<String, Double> probs) {
        ObjectNode result = JSON.createObjectNode();
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(probs.entrySet());
        sorted.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        ArrayNode labels = JSON.createArrayNode();
        for (Map.Entry<String, Double> e : sorted) {
            labels.addObject().put("id", "r-" + e.getKey()).put("name", e.getKey()).put("prob", e.getValue());
        }
        if (!labels.isEmpty()) {
            result.set("best_label", labels.get(0).deepCopy());
        }
        result.set("labels", labels);
        return result;
    }

    private static ObjectNode detection(List<Obj> objects) {
        ObjectNode result = JSON.createObjectNode();
        ArrayNode list = result.putArray("_objects");
        for (Obj o : objects) {
            ObjectNode node = list.addObject();
            node.put("id", "r-" + o.name()).put("name", o.name()).put("prob", o.prob());
            node.putArray("bound_box").add(o.x1()).add(o.y1()).add(o.x2()).add(o.y2());
        }
        return result;
    }

    static BufferedImage decode(String base64) {
        String data = base64.startsWith("data:") ? base64.substring(base64.indexOf(',') + 1) : base64;
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data)));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
