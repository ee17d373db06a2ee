package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.telemetry.EmfMetrics;
import io.visionflow.telemetry.JsonLogFormatter;
import io.visionflow.telemetry.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import java.util.regex.Pattern;

import static io.visionflow.api.ApiHarness.JSON;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSON log lines that carry the request id and no secrets, the request id in every answer, and
 * the same per-request metrics as Prometheus text ({@code GET /metrics}) or CloudWatch EMF lines.
 */
class ObservabilityTest {
    /** A sample line of the text format: name, optional labels, one value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*})? (-?[0-9.eE+-]+|\\+Inf|NaN)");

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final List<String> emf = Collections.synchronizedList(new ArrayList<>());
    private Handler handler;
    private Logger apiLogger;

    @BeforeEach
    void captureLogs() {
        apiLogger = Logger.getLogger(Api.class.getName());
        handler = new StreamHandler(logs, new JsonLogFormatter());
        handler.setLevel(Level.ALL);
        apiLogger.addHandler(handler);
    }

    @AfterEach
    void release() {
        apiLogger.removeHandler(handler);
    }

    private List<JsonNode> logLines() throws Exception {
        handler.flush();
        List<JsonNode> out = new ArrayList<>();
        for (String line : logs.toString(java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static ApiRequest withHeader(ApiRequest r, String name, String value) {
        Map<String, String> headers = new HashMap<>(r.headers());
        headers.put(name, value);
        return new ApiRequest(r.method(), r.path(), r.query(), headers, r.body());
    }

    @Test
    void everyAnswerCarriesItsRequestIdAndTheAccessLogLineCarriesItWithoutSecrets() throws Exception {
        try (ApiHarness h = new ApiHarness(cfg -> {
            cfg.clock = clock;
            cfg.accessLog = true;
        })) {
            String img = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
            String colour = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx")), "colour", "red", "green", "blue");
            ApiRequest classify = withHeader(ApiRequest.json("POST", "/recognition/v2/classify", TOKEN_A,
                    "{\"task\": \"" + colour + "\", \"records\": [" + img + ", {\"_base64\": \"AAAA\"}]}"), "x-request-id", "client-7");
            handler.flush();
            logs.reset();

            ApiResponse ok = h.api.handle(classify);
            ApiResponse missing = h.call("GET", "/flows/v2/flow/nope", TOKEN_A, null);
            ApiResponse hosted = h.api.handle(ApiRequest.json("GET", "/flows/v2/flow/", TOKEN_A, null), "lambda-req-1");
            ApiResponse unsafe = h.api.handle(ApiRequest.json("GET", "/flows/v2/flow/", TOKEN_A, null), "bad id\nX-Evil: 1");

            for (ApiResponse r : List.of(ok, missing)) {
                assertThat(r.headers().get("X-Request-Id")).isNotBlank().isEqualTo(r.bodyJson().at("/status/request_id").asText());
            }
            // the client's id is only a note in the log: request ids key the exactly-once credit charges
            assertThat(ok.headers().get("X-Request-Id")).isNotEqualTo("client-7");
            assertThat(hosted.headers().get("X-Request-Id")).isEqualTo("lambda-req-1");
            assertThat(unsafe.headers().get("X-Request-Id")).doesNotContain("\n", "Evil");

            List<JsonNode> lines = logLines();
            assertThat(lines).hasSize(4);
            JsonNode first = lines.get(0);
            assertThat(first.get("request_id").asText()).isEqualTo(ok.headers().get("X-Request-Id"));
            assertThat(first.get("message").asText()).isEqualTo("POST /recognition/v2/classify 200");
            assertThat(first.get("route").asText()).isEqualTo("POST /recognition/v2/classify");
            assertThat(first.get("status").asInt()).isEqualTo(200);
            assertThat(first.get("flow").asText()).isEqualTo("-");
            assertThat(first.get("credits").asInt()).isEqualTo(1);
            assertThat(first.get("records").asInt()).isEqualTo(2);
            assertThat(first.get("record_errors").asInt()).isEqualTo(1);
            assertThat(first.get("client_request_id").asText()).isEqualTo("client-7");
            assertThat(first.get("account").asText()).isEqualTo(ApiHarness.A);
            assertThat(first.has("time") && first.has("level") && first.has("logger") && first.has("latency_ms")).isTrue();
            assertThat(lines.get(1).get("route").asText()).isEqualTo("GET /flows/v2/flow/{id}");
            assertThat(lines.get(1).get("status").asInt()).isEqualTo(404);
            assertThat(lines.get(2).get("request_id").asText()).isEqualTo("lambda-req-1");
            String all = logs.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(all).doesNotContain(TOKEN_A, ApiHarness.png(ApiHarness.plain(Color.RED, 8, 8)), "nope\"");
        }
    }

    @Test
    void logLinesOfThreadsARequestStartsCarryItsIdAndLoseTokensAndImageData() throws Exception {
        Logger logger = Logger.getLogger(Api.class.getName());
        String data = "iVBORw0KGgo" + "A".repeat(5000);
        try (RequestContext.Scope s = RequestContext.open("req-42")) {
            Thread t = Thread.ofVirtual().start(() -> logger.log(Level.WARNING,
                    "calling with Authorization: Token abcdef0123456789 and token=s3cr3t-value, image " + data));
            t.join();
            logger.info("done");
        }
        logger.info("outside");
        List<JsonNode> lines = logLines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("request_id").asText()).isEqualTo("req-42");
        assertThat(lines.get(1).get("request_id").asText()).isEqualTo("req-42");
        assertThat(lines.get(2).has("request_id")).isFalse();
        String m = lines.get(0).get("message").asText();
        assertThat(m).doesNotContain("abcdef0123456789", "s3cr3t-value", "AAAAAAAAAA")
                .contains("Token [redacted]", "token=[redacted]", "[5011 characters of data]");
        assertThat(lines.get(0).get("level").asText()).isEqualTo("WARNING");

        logger.log(Level.SEVERE, "failed", new IllegalStateException("broken with Token abcdefghijklmnop"));
        JsonNode error = logLines().get(3);
        assertThat(error.get("error").asText()).contains("IllegalStateException", "Token [redacted]").doesNotContain("abcdefghijklmnop");
        logger.info("a few words ".repeat(2_000));
        assertThat(logLines().get(4).get("message").asText()).hasSizeLessThan(8300).endsWith("[cut at 8192 characters]");
    }

    @Test
    void metricsAreTheCallersOwnInPrometheusText() {
        try (ApiHarness h = new ApiHarness(cfg -> cfg.clock = clock)) {
            String img = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
            String colour = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx")), "colour", "red", "green", "blue");
            String flow = h.flow(TOKEN_A, "{\"name\": \"f\", \"top_node\": {\"type\": \"recognition\", \"id\": \"c\", \"task\": \""
                    + colour + "\", \"output_field\": \"colour\"}}");
            for (int i = 0; i < 3; i++) {
                h.ok("POST", "/flows/v2/process", TOKEN_A, "{\"flow\": \"" + flow + "\", \"records\": [" + img + ", {\"_base64\": \"AAAA\"}]}");
            }
            h.expect(404, "POST", "/flows/v2/process", TOKEN_A, "{\"flow\": \"no-such-flow\", \"records\": [" + img + "]}");
            h.expect(401, "GET", "/metrics", null, null);

            ApiResponse r = h.call("GET", "/metrics", TOKEN_A, null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers()).containsEntry("Content-Type", "text/plain; version=0.0.4; charset=utf-8").containsKey("X-Request-Id");
            String text = r.bodyText();
            for (String line : text.split("\n")) {
                if (!line.startsWith("#")) {
                    assertThat(line).as("a sample line").matches(SAMPLE);
                }
            }
            assertThat(text).contains("# TYPE visionflow_requests_total counter\n",
                    "visionflow_requests_total{route=\"POST /flows/v2/process\",flow=\"" + flow + "\",code=\"200\"} 3\n",
                    "visionflow_requests_total{route=\"POST /flows/v2/process\",flow=\"\",code=\"404\"} 1\n",
                    "visionflow_request_duration_seconds_bucket{route=\"POST /flows/v2/process\",flow=\"" + flow + "\",le=\"+Inf\"} 3\n",
                    "visionflow_request_duration_seconds_count{route=\"POST /flows/v2/process\",flow=\"" + flow + "\"} 3\n",
                    "visionflow_credits_total{flow=\"" + flow + "\"} 3\n",
                    "visionflow_records_total{flow=\"" + flow + "\"} 6\n",
                    "visionflow_record_errors_total{flow=\"" + flow + "\"} 3\n")
                    .doesNotContain("no-such-flow", "account=");
            // B sees only B's own series: none of A's flows
            assertThat(h.call("GET", "/metrics", TOKEN_B, null).bodyText()).doesNotContain(flow, "visionflow_credits_total{");
        }
    }

    @Test
    void inLambdaTheSameMeasuresAreEmbeddedMetricFormatLines() throws Exception {
        try (ApiHarness h = new ApiHarness(cfg -> {
            cfg.clock = clock;
            cfg.metrics = new EmfMetrics(emf::add, clock);
        })) {
            String img = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
            String colour = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx")), "colour", "red", "green", "blue");
            emf.clear();
            ApiResponse r = h.api.handle(ApiRequest.json("POST", "/recognition/v2/classify", TOKEN_A,
                    "{\"task\": \"" + colour + "\", \"records\": [" + img + "]}"), "aws-req-9");
            assertThat(r.status()).isEqualTo(200);
            h.expect(404, "GET", "/metrics", TOKEN_A, null);

            assertThat(emf).hasSize(2);
            JsonNode line = JSON.readTree(emf.get(0));
            assertThat(emf.get(0)).doesNotContain("\n");
            JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
            assertThat(line.at("/_aws/Timestamp").asLong()).isEqualTo(clock.millis());
            assertThat(directive.get("Namespace").asText()).isEqualTo("Visionflow");
            for (JsonNode set : directive.get("Dimensions")) {
                for (JsonNode d : set) {
                    assertThat(line.get(d.asText()).isTextual()).as("dimension " + d).isTrue();
                }
            }
            for (JsonNode m : directive.get("Metrics")) {
                assertThat(line.get(m.get("Name").asText()).isNumber()).as("metric " + m).isTrue();
            }
            assertThat(line.get("Flow").asText()).isEqualTo("-");
            assertThat(line.get("Route").asText()).isEqualTo("POST /recognition/v2/classify");
            assertThat(line.get("Credits").asInt()).isEqualTo(1);
            assertThat(line.get("Errors").asInt()).isZero();
            assertThat(line.get("request_id").asText()).isEqualTo("aws-req-9");
            assertThat(JSON.readTree(emf.get(1)).get("Errors").asInt()).isEqualTo(1);
            assertThat(String.join("\n", emf)).doesNotContain(TOKEN_A);
        }
    }

    @Test
    void aRehearsedRequestIsAnsweredButNeitherMeasuredNorLogged() throws Exception {
        try (ApiHarness h = new ApiHarness(cfg -> {
            cfg.clock = clock;
            cfg.accessLog = true;
            cfg.metrics = new EmfMetrics(emf::add, clock);
        })) {
            emf.clear();
            handler.flush();
            logs.reset();
            // a function's warm-up sends these before any real request: no client made them
            assertThat(h.api.rehearse(ApiRequest.json("POST", "/flows/v2/process", null, "{}")).status()).isEqualTo(401);
            assertThat(h.api.rehearse(ApiRequest.json("GET", "/v2/no-such-route", null, null)).status()).isEqualTo(404);
            assertThat(emf).isEmpty();
            assertThat(logLines()).isEmpty();
            // the same request handled for real is both
            assertThat(h.api.handle(ApiRequest.json("POST", "/flows/v2/process", null, "{}")).status()).isEqualTo(401);
            assertThat(emf).hasSize(1);
            assertThat(logLines()).singleElement().satisfies(l -> assertThat(l.get("status").asInt()).isEqualTo(401));
        }
    }

    @Test
    void latencyComesFromTheApisClock() {
        TestClock stepping = new TestClock(Instant.parse("2026-11-25T10:00:00Z")) {
            @Override
            public Instant instant() {
                Instant now = super.instant();
                advance(Duration.ofMillis(300));
                return now;
            }
        };
        try (ApiHarness h = new ApiHarness(cfg -> {
            cfg.clock = stepping;
            cfg.metrics = new EmfMetrics(emf::add, stepping);
        })) {
            h.ok("GET", "/flows/v2/flow/", TOKEN_A, null);
            assertThat(emf).anySatisfy(l -> assertThat(l).contains("\"Latency\":300.0"));
        }
    }
}
