package io.visionflow.task.http;

import static io.visionflow.task.http.FakeModelServer.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.net.AddressClassifier;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpTaskRunnerTest {
    private static final List<Label> VEHICLES = List.of(new Label("l-car", "Car"), new Label("l-truck", "Truck"));
    private static final HttpTaskRunner.Settings FAST = HttpTaskRunner.Settings.DEFAULTS
            .withPolicy(OutboundPolicy.allowingPrivate()) // the fake model server runs on loopback
            .withConnectTimeout(Duration.ofSeconds(2))
            .withCallTimeout(Duration.ofSeconds(5));

    private FakeModelServer server;

    @BeforeEach
    void start() {
        server = FakeModelServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Task task(TaskKind kind, String url, Map<String, String> headers, String remoteTask) {
        return new Task("t1", "vehicles", kind, VEHICLES, new HttpBackend(url, headers, remoteTask));
    }

    private HttpTaskRunner classifier(String path) {
        return new HttpTaskRunner(task(TaskKind.CLASSIFICATION, server.url(path), Map.of(), null), FAST);
    }

    private HttpTaskRunner detector(String path) {
        return new HttpTaskRunner(task(TaskKind.DETECTION, server.url(path), Map.of(), null), FAST);
    }

    private static BufferedImage image(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.RED);
        g.fillRect(0, 0, w / 2, h / 2);
        g.dispose();
        return img;
    }

    private static void assertTaskException(ThrowingCallable call, int status, String... messageParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TaskException.class, e -> {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            if (messageParts.length > 0) {
                assertThat(e.getMessage()).contains(messageParts);
            }
        });
    }

    // --- happy paths -------------------------------------------------------------------------

    @Test
    void classifiesAndSendsImageTaskIdAndHeaders() throws Exception {
        server.classify("/v2/classify", Map.of("Truck", 0.7, "Car", 0.2, "Bus", 0.1));
        Task task = task(TaskKind.CLASSIFICATION, server.url("/v2/classify"),
                Map.of("Authorization", "Token secret-1", "X-Tenant", "acme"), "remote-42");
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST)) {
            Classification c = runner.classify(image(40, 30));

            assertThat(c.labels()).containsExactly(
                    new LabelProb("l-truck", "Truck", 0.7),
                    new LabelProb("l-car", "Car", 0.2),
                    new LabelProb(null, "Bus", 0.1)); // unknown locally: kept by name, no local id
            assertThat(c.best().name()).isEqualTo("Truck");
        }

        FakeModelServer.Request req = server.lastRequest("/v2/classify");
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.header("Authorization")).isEqualTo("Token secret-1");
        assertThat(req.header("X-Tenant")).isEqualTo("acme");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.task()).isEqualTo("remote-42");
        JsonNode body = req.json();
        assertThat(body.get("records")).hasSize(1);
        assertThat(body.has("keep_prob")).isFalse();
        BufferedImage sent = req.images().get(0);
        assertThat(sent).isNotNull();
        assertThat(sent.getWidth()).isEqualTo(40);
        assertThat(sent.getHeight()).isEqualTo(30);
        Color topLeft = new Color(sent.getRGB(5, 5));
        assertThat(topLeft.getRed()).isGreaterThan(200);
        assertThat(topLeft.getGreen()).isLessThan(60);
    }

    @Test
    void omitsTheTaskFieldWhenTheBackendHasNone() throws Exception {
        server.classify("/c", Map.of("Car", 1.0));
        try (HttpTaskRunner runner = classifier("/c")) {
            runner.classify(image(8, 8));
        }
        assertThat(server.lastRequest("/c").json().has("task_id")).isFalse();
    }

    @Test
    void localLabelsMissingFromATopKAnswerGetProbabilityZero() throws Exception {
        server.classify("/c", Map.of("Car", 0.9));
        try (HttpTaskRunner runner = classifier("/c")) {
            assertThat(runner.classify(image(8, 8)).labels()).containsExactly(
                    new LabelProb("l-car", "Car", 0.9), new LabelProb("l-truck", "Truck", 0.0));
        }
    }

    @Test
    void acceptsAnAnswerWithOnlyBestLabel() throws Exception {
        server.respond("/c", 200, "{\"records\": [{\"best_label\": {\"name\": \"Truck\", \"prob\": 0.6}}]}");
        try (HttpTaskRunner runner = classifier("/c")) {
            Classification c = runner.classify(image(8, 8));
            assertThat(c.best()).isEqualTo(new LabelProb("l-truck", "Truck", 0.6));
        }
    }

    @Test
    void detectsMapsLabelsFiltersByProbAndClipsBoxes() throws Exception {
        server.detect("/v2/detect", List.of(
                object("Car", 0.9, 10, 20, 30, 40),
                object("Truck", 0.95, -5, 50, 120, 70), // overflows the 100x80 image
                object("Bike", 0.5, 1, 2, 3, 4),
                object("Car", 0.2, 0, 0, 5, 5))); // below minProb
        Task task = task(TaskKind.DETECTION, server.url("/v2/detect"), Map.of("Authorization", "Token t"), "det-7");
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST)) {
            List<DetectedObject> objects = runner.detect(image(100, 80), 0.3);
            assertThat(objects).containsExactly(
                    new DetectedObject("l-truck", "Truck", 0.95, new Box(0, 50, 100, 70)),
                    new DetectedObject("l-car", "Car", 0.9, new Box(10, 20, 30, 40)),
                    new DetectedObject(null, "Bike", 0.5, new Box(1, 2, 3, 4)));
        }
        FakeModelServer.Request req = server.lastRequest("/v2/detect");
        assertThat(req.task()).isEqualTo("det-7");
        assertThat(req.header("Authorization")).isEqualTo("Token t");
        assertThat(req.json().get("keep_prob").asDouble()).isCloseTo(0.3, within(1e-9));
        assertThat(req.images().get(0).getWidth()).isEqualTo(100);
        assertThat(req.images().get(0).getHeight()).isEqualTo(80);
    }

    @Test
    void pngKeepsExactPixels() throws Exception {
        server.classify("/c", Map.of("Car", 1.0));
        Task task = task(TaskKind.CLASSIFICATION, server.url("/c"), Map.of(), null);
        BufferedImage img = image(16, 16);
        img.setRGB(15, 15, new Color(200, 120, 120).getRGB());
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withImageFormat(HttpTaskRunner.ImageFormat.PNG))) {
            runner.classify(img);
        }
        BufferedImage sent = server.lastRequest("/c").images().get(0);
        assertThat(sent.getRGB(15, 15)).isEqualTo(img.getRGB(15, 15));
        assertThat(sent.getRGB(0, 0)).isEqualTo(Color.RED.getRGB());
    }

    @Test
    void sendsTransparentImagesAsJpeg() throws Exception {
        server.classify("/c", Map.of("Car", 1.0));
        BufferedImage argb = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB);
        try (HttpTaskRunner runner = classifier("/c")) {
            runner.classify(argb);
        }
        BufferedImage sent = server.lastRequest("/c").images().get(0);
        assertThat(new Color(sent.getRGB(5, 5)).getRed()).isGreaterThan(240); // flattened on white
    }

    @Test
    void oneRunnerServesConcurrentCalls() throws Exception {
        server.classify("/c", Map.of("Car", 0.8, "Truck", 0.2)).delay("/c", 100);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (HttpTaskRunner runner = classifier("/c")) {
            List<Future<Classification>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> runner.classify(image(8, 8))));
            }
            for (Future<Classification> f : futures) {
                assertThat(f.get().best().name()).isEqualTo("Car");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(790));
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.calls("/c")).isEqualTo(8);
    }

    // --- failures ----------------------------------------------------------------------------

    @Test
    void serverErrorIs502NamingTheStatus() {
        server.respond("/c", 500, "{\"status\": {\"code\": 500, \"text\": \"model crashed\"}}");
        try (HttpTaskRunner runner = classifier("/c")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "HTTP 500", "model crashed");
        }
    }

    @Test
    void clientErrorWithDetailIs502() {
        server.respond("/c", 401, "{\"detail\": \"Invalid token.\"}");
        try (HttpTaskRunner runner = classifier("/c")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "HTTP 401", "Invalid token.");
        }
    }

    @Test
    void unknownPathIs502() {
        try (HttpTaskRunner runner = classifier("/nothing-here")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "HTTP 404");
        }
    }

    @Test
    void redirectIsNotFollowed() {
        server.handle("/moved", r -> new FakeModelServer.Answer(302, "text/plain", new byte[0]));
        try (HttpTaskRunner runner = classifier("/moved")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "HTTP 302");
        }
    }

    @Test
    void slowAnswerTimesOutWith504() {
        server.classify("/slow", Map.of("Car", 1.0)).delay("/slow", 3000);
        Task task = task(TaskKind.CLASSIFICATION, server.url("/slow"), Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withCallTimeout(Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            assertTaskException(() -> runner.classify(image(8, 8)), 504, "did not answer within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
        }
    }

    @Test
    void slowBodyAfterHeadersAlsoTimesOut() {
        server.classify("/trickle", Map.of("Car", 1.0)).delayBody("/trickle", 3000);
        Task task = task(TaskKind.CLASSIFICATION, server.url("/trickle"), Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withCallTimeout(Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            assertTaskException(() -> runner.classify(image(8, 8)), 504, "did not answer within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
        }
    }

    @Test
    void connectionRefusedIs502() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Task task = task(TaskKind.CLASSIFICATION, "http://127.0.0.1:" + port + "/c", Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST)) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "cannot reach", "127.0.0.1:" + port);
        }
    }

    @Test
    void garbageBodyIs502() {
        server.handle("/c", r -> new FakeModelServer.Answer(200, "text/html", "<html>oops</html>".getBytes()));
        try (HttpTaskRunner runner = classifier("/c")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "invalid JSON", "<html>oops</html>");
        }
    }

    @Test
    void missingOrWrongFieldsAre502() {
        Map<String, String> bodies = Map.of(
                "[1, 2]", "not a JSON object",
                "{}", "no \"records\"",
                "{\"records\": []}", "no \"records\"",
                "{\"records\": [{}]}", "neither \"labels\" nor \"best_label\"",
                "{\"records\": [{\"labels\": []}]}", "\"labels\" is empty",
                "{\"records\": [{\"labels\": [{\"name\": \"Car\"}]}]}", "labels[0].prob",
                "{\"records\": [{\"labels\": [{\"prob\": 0.5}]}]}", "labels[0].name",
                "{\"records\": [{\"labels\": [{\"name\": \"Car\", \"prob\": \"high\"}]}]}", "labels[0].prob",
                "{\"records\": [{\"labels\": [{\"name\": \"Car\", \"prob\": 7}]}]}", "not between 0 and 1",
                "{\"records\": [{\"labels\": {\"Car\": 0.5}}]}", "\"labels\" is not a list");
        try (HttpTaskRunner runner = classifier("/c")) {
            for (Map.Entry<String, String> e : bodies.entrySet()) {
                server.respond("/c", 200, e.getKey());
                assertTaskException(() -> runner.classify(image(8, 8)), 502, "unexpected result", e.getValue());
            }
        }
    }

    @Test
    void malformedDetectionsAre502() {
        Map<String, String> bodies = Map.of(
                "{\"records\": [{}]}", "no \"_objects\"",
                "{\"records\": [{\"_objects\": {}}]}", "\"_objects\" is not a list",
                "{\"records\": [{\"_objects\": [{\"name\": \"Car\", \"prob\": 0.5}]}]}", "_objects[0].bound_box",
                "{\"records\": [{\"_objects\": [{\"name\": \"Car\", \"prob\": 0.5, \"bound_box\": [1, 2, 3]}]}]}", "bound_box",
                "{\"records\": [{\"_objects\": [{\"name\": \"Car\", \"prob\": 0.5, \"bound_box\": [1, 2, \"x\", 4]}]}]}",
                "bound_box[2]");
        try (HttpTaskRunner runner = detector("/d")) {
            for (Map.Entry<String, String> e : bodies.entrySet()) {
                server.respond("/d", 200, e.getKey());
                assertTaskException(() -> runner.detect(image(8, 8), 0.1), 502, e.getValue());
            }
        }
    }

    @Test
    void recordStatusErrorIs502WithItsText() {
        server.respond("/c", 200, "{\"records\": [{\"_status\": {\"code\": 400, \"text\": \"Image too small\"}}]}");
        try (HttpTaskRunner runner = classifier("/c")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "400", "Image too small");
        }
    }

    @Test
    void envelopeErrorWithHttp200Is502() {
        server.respond("/c", 200, "{\"records\": [], \"status\": {\"code\": 429, \"text\": \"Too many requests\"}}");
        try (HttpTaskRunner runner = classifier("/c")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "status 429", "Too many requests");
        }
    }

    @Test
    void usesHttp11WithoutUpgradeOnPlainHttp() throws Exception {
        server.classify("/c", Map.of("Car", 1.0));
        try (HttpTaskRunner runner = classifier("/c")) {
            runner.classify(image(8, 8));
        }
        assertThat(server.lastRequest("/c").header("Upgrade")).isNull();
    }

    @Test
    void recordStatusOkIsAccepted() throws Exception {
        server.respond("/c", 200,
                "{\"records\": [{\"_status\": {\"code\": 200, \"text\": \"OK\"}, \"labels\": [{\"name\": \"Car\", \"prob\": 1}]}]}");
        try (HttpTaskRunner runner = classifier("/c")) {
            assertThat(runner.classify(image(8, 8)).best().id()).isEqualTo("l-car");
        }
    }

    @Test
    void oversizedAnswerIs502() {
        String padding = String.join("", Collections.nCopies(5000, "x"));
        server.respond("/c", 200, "{\"records\": [{\"labels\": [{\"name\": \"Car\", \"prob\": 1}]}], \"pad\": \"" + padding + "\"}");
        Task task = task(TaskKind.CLASSIFICATION, server.url("/c"), Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withMaxResponseBytes(1000))) {
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "more than 1000 bytes");
        }
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withMaxResponseBytes(10_000))) {
            assertThatNoTaskException(() -> runner.classify(image(8, 8)));
        }
    }

    @Test
    void wrongKindOfCallIs500() {
        try (HttpTaskRunner runner = detector("/d")) {
            assertTaskException(() -> runner.classify(image(8, 8)), 500, "detection task");
        }
        assertThat(server.calls("/d")).isZero();
    }

    @Test
    void rejectsBadConfiguration() {
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "ftp://example.com/x", Map.of(), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "/relative", Map.of(), null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "http://x/", Map.of("Host", "y"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Host");
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "http://x/", Map.of("Bad Name", "y"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad Name");
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "http://x/", Map.of("X-A", "line\nbreak"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-A");
        Task onnx = new Task("t", "n", TaskKind.CLASSIFICATION, VEHICLES, new OnnxBackend("m", null, null));
        assertThatThrownBy(() -> new HttpTaskRunner(onnx)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FAST.withCallTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusedAddressesFailAtRegistration() {
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, "http://169.254.169.254/latest/",
                Map.of(), null), FAST)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cloud metadata");
        assertThatThrownBy(() -> new HttpTaskRunner(task(TaskKind.CLASSIFICATION, server.url("/c"), Map.of(), null),
                FAST.withPolicy(OutboundPolicy.publicOnly())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a loopback address");
        assertThat(server.calls("/c")).isZero();
    }

    @Test
    void everyNewConnectionChecksTheAddressAgainAndAChangedOneIsRefused() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.handle("/c", request -> {
            if (request.json().path("records").size() > 0 && server.calls("/c") > 2) {
                try {
                    release.await(); // the third call holds its connection until the test says
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return FakeModelServer.Answer.json(200, "{\"records\": [{\"best_label\": {\"name\": \"Truck\", \"prob\": 0.9}}]}");
        });
        AtomicReference<String> dns = new AtomicReference<>("127.0.0.1");
        AtomicInteger lookups = new AtomicInteger();
        OutboundPolicy loopbackOnly = OutboundPolicy.publicAnd(AddressClassifier.Kind.LOOPBACK).withResolver(host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {InetAddress.getByName(dns.get())};
        });
        Task task = task(TaskKind.CLASSIFICATION, "http://models.invalid:" + server.port() + "/c", Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST.withPolicy(loopbackOnly))) {
            assertThat(runner.classify(image(8, 8)).best().name()).isEqualTo("Truck");
            assertThat(runner.classify(image(8, 8)).best().name()).isEqualTo("Truck");
            int before = lookups.get();
            dns.set("10.0.0.7"); // the name now points into a private network
            // the kept connection was made to a checked address and goes on serving...
            var kept = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return runner.classify(image(8, 8)).best().name();
                } catch (TaskException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            while (server.calls("/c") < 3) {
                Thread.sleep(5);
            }
            // ...while a second connection, needed now, is checked and refused before connecting
            assertTaskException(() -> runner.classify(image(8, 8)), 502, "is refused", "10.0.0.7", "private network");
            assertThat(lookups.get()).isGreaterThan(before);
            release.countDown();
            assertThat(kept.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("Truck");
        }
        assertThat(server.calls("/c")).isEqualTo(3);
    }

    @Test
    void errorMessagesDoNotLeakTheQueryString() {
        server.respond("/c", 503, "busy");
        Task task = task(TaskKind.CLASSIFICATION, server.url("/c") + "?key=s3cret", Map.of(), null);
        try (HttpTaskRunner runner = new HttpTaskRunner(task, FAST)) {
            assertThatThrownBy(() -> runner.classify(image(8, 8)))
                    .isInstanceOf(TaskException.class)
                    .hasMessageContaining("HTTP 503")
                    .hasMessageNotContaining("s3cret");
        }
    }

    private static void assertThatNoTaskException(ThrowingCallable call) {
        try {
            call.call();
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
    }
}
