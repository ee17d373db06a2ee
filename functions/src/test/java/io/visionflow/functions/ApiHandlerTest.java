package io.visionflow.functions;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The translation alone, no stores. */
class ApiHandlerTest {

    private static ObjectNode event(String method, String rawPath, String rawQuery) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("rawPath", rawPath);
        if (rawQuery != null) {
            e.put("rawQueryString", rawQuery);
        }
        e.putObject("requestContext").putObject("http").put("method", method).put("path", rawPath);
        return e;
    }

    @Test
    void methodPathAndRepeatedQueryKeys() {
        var e = event("GET", "/account/v2/request/", "status=DONE&status=ERROR&q=a%2Cb&empty&page=2");
        ApiRequest r = ApiHandler.toRequest(e);
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.path()).isEqualTo("/account/v2/request/");
        assertThat(r.query()).containsEntry("status", List.of("DONE", "ERROR"))
                .containsEntry("q", List.of("a,b")).containsEntry("empty", List.of("")).containsEntry("page", List.of("2"));
    }

    @Test
    void parsedQueryMapWhenNoRawQueryString() {
        var e = event("GET", "/flows/v2/flow/", null);
        e.putObject("queryStringParameters").put("page", "3");
        assertThat(ApiHandler.toRequest(e).query()).containsEntry("page", List.of("3"));
    }

    @Test
    void headersLowerCasedCookiesIgnored() {
        var e = event("GET", "/flows/v2/flow/", "");
        e.putObject("headers").put("Authorization", "Token abc").put("X-Custom", "1");
        e.putArray("cookies").add("session=1");
        ApiRequest r = ApiHandler.toRequest(e);
        assertThat(r.header("authorization")).contains("Token abc");
        assertThat(r.headers()).containsOnlyKeys("authorization", "x-custom");
    }

    @Test
    void base64BodyDecoded() {
        byte[] bytes = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
        var e = event("POST", "/models/v2/model/", "");
        e.put("body", Base64.getEncoder().encodeToString(bytes)).put("isBase64Encoded", true);
        assertThat(ApiHandler.toRequest(e).body()).isEqualTo(bytes);

        var plain = event("POST", "/flows/v2/process", "");
        plain.put("body", "{\"flow\":\"x\"}");
        assertThat(new String(ApiHandler.toRequest(plain).body(), StandardCharsets.UTF_8)).isEqualTo("{\"flow\":\"x\"}");
        assertThat(ApiHandler.toRequest(event("GET", "/", "")).body()).isEmpty();
    }

    @Test
    void jsonResponseAsTextBinaryAsBase64() {
        var json = ApiHandler.toEvent(new ApiResponse(404, Map.of("Content-Type", "application/json", "X-Request-Id", "r1"),
                "{\"status\":{}}".getBytes(StandardCharsets.UTF_8)));
        assertThat(json.get("statusCode").asInt()).isEqualTo(404);
        assertThat(json.get("isBase64Encoded").asBoolean()).isFalse();
        assertThat(json.get("body").asText()).isEqualTo("{\"status\":{}}");
        assertThat(json.at("/headers/X-Request-Id").asText()).isEqualTo("r1");

        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        var binary = ApiHandler.toEvent(new ApiResponse(200, Map.of("Content-Type", "image/png"), png));
        assertThat(binary.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(Base64.getDecoder().decode(binary.get("body").asText())).isEqualTo(png);
    }

    @Test
    void gzipIsTakenWhenNamedWithoutAZeroWeight() {
        assertThat(ApiHandler.acceptsGzip("gzip, deflate, br")).isTrue(); // Python requests, curl --compressed
        assertThat(ApiHandler.acceptsGzip("deflate, GZIP;q=0.5")).isTrue();
        assertThat(ApiHandler.acceptsGzip("gzip;q=0")).isFalse();
        assertThat(ApiHandler.acceptsGzip("gzip; q=0.000")).isFalse();
        assertThat(ApiHandler.acceptsGzip("x-gzip, deflate")).isFalse();
        assertThat(ApiHandler.acceptsGzip("")).isFalse();
    }

    /** A JSON answer of {@code records} records of {@code size} bytes each, as a large async request's. */
    private static ApiResponse answer(int records, int size) {
        StringBuilder json = new StringBuilder("{\"records\": [");
        for (int i = 0; i < records; i++) {
            json.append(i == 0 ? "" : ",").append("{\"_id\": \"").append(i).append("\", \"note\": \"")
                    .append(Integer.toString(i, 36).repeat(size / 4)).append("\"}");
        }
        return new ApiResponse(200, Map.of("Content-Type", "application/json", "X-Request-Id", "r1"),
                json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aLargeAnswerIsGzippedForAClientThatTakesIt() throws Exception {
        ApiResponse large = answer(1000, 2000);
        var zipped = ApiHandler.toEvent(large, true);
        assertThat(zipped.get("statusCode").asInt()).isEqualTo(200);
        assertThat(zipped.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(zipped.at("/headers/Content-Encoding").asText()).isEqualTo("gzip");
        assertThat(zipped.at("/headers/Vary").asText()).isEqualTo("Accept-Encoding");
        assertThat(zipped.at("/headers/X-Request-Id").asText()).isEqualTo("r1");
        byte[] sent = Base64.getDecoder().decode(zipped.get("body").asText());
        assertThat(sent.length).isLessThan(large.body().length / 4);
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(sent))) {
            assertThat(in.readAllBytes()).isEqualTo(large.body());
        }
        // a client that does not take gzip gets the same answer as text; a small answer is never compressed
        var plain = ApiHandler.toEvent(large, false);
        assertThat(plain.get("isBase64Encoded").asBoolean()).isFalse();
        assertThat(plain.get("body").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(large.body());
        assertThat(plain.path("headers").has("Content-Encoding")).isFalse();
        assertThat(ApiHandler.toEvent(answer(3, 100), true).path("headers").has("Content-Encoding")).isFalse();
    }

    @Test
    void anAnswerLambdaCannotReturnBecomesAnErrorThatSaysWhatToDo() {
        // 9 MB of JSON: over Lambda's 6 MB as text, a fraction of it gzipped
        ApiResponse huge = answer(2000, 8000);
        assertThat(huge.body().length).isGreaterThan(ApiHandler.MAX_EVENT_BODY);
        assertThat(ApiHandler.toEvent(huge, true).get("statusCode").asInt()).isEqualTo(200);
        var refused = ApiHandler.toEvent(huge, false);
        assertThat(refused.get("statusCode").asInt()).isEqualTo(500);
        assertThat(refused.get("body").asText()).contains("Accept-Encoding: gzip").contains("webhook").contains("6 MB");
        assertThat(refused.at("/headers/X-Request-Id").asText()).isEqualTo("r1");
    }

    @Test
    void onnxTasksAreRefusedWithTheReason() {
        var onnx = new Task("t1", "garment", TaskKind.CLASSIFICATION, List.of(), new OnnxBackend("m1", null, null));
        assertThatThrownBy(() -> new HttpOnlyRunners().runnerFor(onnx))
                .isInstanceOf(TaskException.class)
                .hasMessageContaining("onnx tasks run in the model worker")
                .satisfies(e -> assertThat(((TaskException) e).status()).isEqualTo(501));
    }

    @Test
    void httpTasksGetOneRunnerEach() throws Exception {
        var http = new Task("t2", "garment", TaskKind.CLASSIFICATION, List.of(),
                new HttpBackend("http://127.0.0.1:9/classify", Map.of(), null));
        var runners = Loopback.runners();
        assertThat(runners.runnerFor(http)).isSameAs(runners.runnerFor(http));
        // by default (public addresses only) the same task is refused
        assertThatThrownBy(() -> new HttpOnlyRunners().runnerFor(http))
                .hasMessageContaining("loopback");
    }

    @Test
    void theInvocationsRequestIdIsTheRequestsAndMetricsAreEmfLines() throws java.io.IOException {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.visionflow.api.Api api = io.visionflow.api.Api.create(c -> {
            c.stores = io.visionflow.store.memory.MemoryStores.create();
            c.runners = new HttpOnlyRunners();
            c.metrics = new io.visionflow.telemetry.EmfMetrics(lines::add, java.time.Clock.systemUTC());
        })) {
            com.amazonaws.services.lambda.runtime.Context context = (com.amazonaws.services.lambda.runtime.Context)
                    java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {com.amazonaws.services.lambda.runtime.Context.class},
                            (proxy, method, args) -> method.getName().equals("getAwsRequestId") ? "8f5c2b1e-aws" : null);
            var out = new java.io.ByteArrayOutputStream();
            new ApiHandler(api).handleRequest(new java.io.ByteArrayInputStream(event("GET", "/flows/v2/flow/", null).toString()
                    .getBytes(StandardCharsets.UTF_8)), out, context);
            var r = EventFiles.parseResponse(out.toByteArray());
            assertThat(r.getStatusCode()).isEqualTo(401);
            assertThat(r.getHeaders()).containsEntry("X-Request-Id", "8f5c2b1e-aws");
            assertThat(r.getBody()).contains("\"request_id\":\"8f5c2b1e-aws\"");
            assertThat(lines).singleElement().asString().startsWith("{\"_aws\"").contains("\"request_id\":\"8f5c2b1e-aws\"");
        }
    }
}
