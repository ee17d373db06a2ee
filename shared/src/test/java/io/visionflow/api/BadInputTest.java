package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table of bad requests over every endpoint: each answer is the error envelope with the right
 * 4xx and a message naming the field, never a 5xx or a stack trace, and nothing stored changes.
 */
class BadInputTest {
    private static final int BODY_LIMIT = 256 * 1024;
    private static ApiHarness h;
    private static String flow;
    private static String colour;
    private static String vehicles;
    private static String model;
    private static String grid;
    private static String img;

    /** One bad request: what it sends, the status it must get and a fragment its message must name. */
    record Case(String name, String method, String path, String token, String contentType, byte[] body, int status,
                String names) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Case> CASES = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        h = new ApiHarness(cfg -> cfg.maxBodyBytes = BODY_LIMIT);
        String brightness = h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx"));
        String topBottom = h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx"));
        model = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
        String garment = h.classifier(TOKEN_A, brightness, "garment", "Pants", "Shirt");
        String sleeve = h.classifier(TOKEN_A, topBottom, "sleeve", "short", "long");
        colour = h.classifier(TOKEN_A, model, "colour", "red", "green", "blue");
        grid = h.uploadModel(TOKEN_A, ApiHarness.testModel("grid_detector.onnx"));
        vehicles = h.expect(201, "POST", "/detection/v2/task/", TOKEN_A, """
                {"name": "vehicles", "labels": ["Car", "Truck"], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "objectness": true}}}"""
                .formatted(grid)).get("id").asText();
        flow = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        img = ApiHarness.record(ApiHarness.plain(Color.RED, 16, 16));
        cases();
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    private static void json(String name, String method, String path, String body, int status, String names) {
        CASES.add(new Case(name, method, path, TOKEN_A, "application/json",
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), status, names));
    }

    private static String task(String labels, String backend) {
        return "{\"name\": \"t\", \"labels\": " + labels + ", \"backend\": " + backend + "}";
    }

    private static String onnx(String extra) {
        return "{\"kind\": \"onnx\", \"model\": \"" + model + "\"" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    private static String records(int n) {
        return "[" + String.join(", ", java.util.Collections.nCopies(n, img)) + "]";
    }

    private static void cases() {
        String f = "/flows/v2/flow/" + flow;
        String rt = "/recognition/v2/task/";
        String ct = rt + colour;
        // every endpoint: no token, a bad token, a malformed header
        String[][] endpoints = {{"GET", "/flows/v2/flow/"}, {"POST", "/flows/v2/flow/"}, {"GET", f}, {"PUT", f}, {"PATCH", f},
                {"DELETE", f}, {"GET", f + "/json"}, {"POST", "/flows/v2/process"}, {"POST", "/recognition/v2/classify"},
                {"POST", "/detection/v2/detect"}, {"GET", rt}, {"POST", rt}, {"GET", ct}, {"PUT", ct}, {"PATCH", ct}, {"DELETE", ct},
                {"GET", "/detection/v2/task/"}, {"POST", "/detection/v2/task/"}, {"GET", "/detection/v2/task/" + vehicles},
                {"POST", "/models/v2/model/"}, {"GET", "/models/v2/model/" + model}, {"GET", "/account/v2/usage"},
                {"POST", "/authorization/v2/authorize"}};
        for (String[] e : endpoints) {
            CASES.add(new Case(e[0] + " " + e[1] + " without a token", e[0], e[1], null, "application/json", "{}".getBytes(), 401, "Authorization"));
            CASES.add(new Case(e[0] + " " + e[1] + " with a bad token", e[0], e[1], "not-a-token", "application/json", "{}".getBytes(), 401, "invalid token"));
        }
        CASES.add(new Case("Bearer instead of Token", "GET", "/flows/v2/flow/", "Bearer " + TOKEN_A, "application/json", null, 401, "Token"));

        // every JSON endpoint: malformed, not an object, empty, trailing garbage, repeated key, over the body limit
        String[][] jsonEndpoints = {{"POST", "/flows/v2/flow/"}, {"PUT", f}, {"PATCH", f}, {"POST", "/flows/v2/process"},
                {"POST", "/recognition/v2/classify"}, {"POST", "/detection/v2/detect"}, {"POST", rt}, {"PUT", ct}, {"PATCH", ct},
                {"POST", "/detection/v2/task/"}, {"POST", "/authorization/v2/authorize"}};
        String huge = "{\"records\": [{\"_base64\": \"" + "A".repeat(BODY_LIMIT) + "\"}]}";
        for (String[] e : jsonEndpoints) {
            String p = e[0] + " " + e[1];
            json(p + " malformed JSON", e[0], e[1], "{\"name\": ", 400, "not valid JSON");
            json(p + " a list body", e[0], e[1], "[1, 2]", 400, "JSON object");
            json(p + " an empty body", e[0], e[1], null, 400, "empty");
            json(p + " trailing garbage", e[0], e[1], "{} {}", 400, "not valid JSON");
            json(p + " repeated key", e[0], e[1], "{\"name\": \"a\", \"name\": \"b\"}", 400, "name");
            json(p + " body over the limit", e[0], e[1], huge, 413, "limit");
        }

        // process, classify, detect
        String process = "/flows/v2/process";
        json("process without flow", "POST", process, "{\"records\": " + records(1) + "}", 400, "flow");
        json("process with a numeric flow", "POST", process, "{\"flow\": 5, \"records\": " + records(1) + "}", 400, "flow");
        json("process with an unknown flow", "POST", process, "{\"flow\": \"nope\", \"records\": " + records(1) + "}", 404, "nope");
        json("process without records", "POST", process, "{\"flow\": \"" + flow + "\"}", 400, "records");
        json("process with records not a list", "POST", process, "{\"flow\": \"" + flow + "\", \"records\": {}}", 400, "records");
        json("process with no records", "POST", process, "{\"flow\": \"" + flow + "\", \"records\": []}", 400, "records");
        json("process with 11 records", "POST", process, "{\"flow\": \"" + flow + "\", \"records\": " + records(11) + "}", 400, "records");
        json("process with a number as a record", "POST", process, "{\"flow\": \"" + flow + "\", \"records\": [" + img + ", 3]}", 400, "records[1]");
        json("classify without task", "POST", "/recognition/v2/classify", "{\"records\": " + records(1) + "}", 400, "task");
        json("classify with an unknown task", "POST", "/recognition/v2/classify", "{\"task\": \"nope\", \"records\": " + records(1) + "}", 404, "nope");
        json("classify with a detection task", "POST", "/recognition/v2/classify", "{\"task\": \"" + vehicles + "\", \"records\": " + records(1) + "}", 400, "task");
        json("classify with 11 records", "POST", "/recognition/v2/classify", "{\"task\": \"" + colour + "\", \"records\": " + records(11) + "}", 400, "records");
        json("detect with a classification task", "POST", "/detection/v2/detect", "{\"task\": \"" + colour + "\", \"records\": " + records(1) + "}", 400, "task");
        json("detect with keep_prob 2", "POST", "/detection/v2/detect", "{\"task\": \"" + vehicles + "\", \"keep_prob\": 2, \"records\": " + records(1) + "}", 400, "keep_prob");
        json("detect with keep_prob text", "POST", "/detection/v2/detect", "{\"task\": \"" + vehicles + "\", \"keep_prob\": \"high\", \"records\": " + records(1) + "}", 400, "keep_prob");
        json("detect with empty records", "POST", "/detection/v2/detect", "{\"task\": \"" + vehicles + "\", \"records\": []}", 400, "records");

        // flows
        json("flow without top_node", "POST", "/flows/v2/flow/", "{\"name\": \"x\"}", 400, "top_node");
        json("flow with a numeric name", "POST", "/flows/v2/flow/", "{\"name\": 5, \"top_node\": {\"type\": \"recognition\", \"id\": \"a\", \"task\": \"" + colour + "\", \"output_field\": \"c\"}}", 400, "name");
        json("flow with an unknown action type", "POST", "/flows/v2/flow/", "{\"name\": \"x\", \"top_node\": {\"type\": \"teleport\", \"id\": \"a\"}}", 400, "top_node.type");
        json("flow with an unknown task", "POST", "/flows/v2/flow/", "{\"name\": \"x\", \"top_node\": {\"type\": \"recognition\", \"id\": \"a\", \"task\": \"nope\", \"output_field\": \"c\"}}", 400, "top_node.task");
        json("flow with a task of the wrong kind", "POST", "/flows/v2/flow/", "{\"name\": \"x\", \"top_node\": {\"type\": \"detection\", \"id\": \"a\", \"task\": \"" + colour + "\", \"output_field\": \"c\"}}", 400, "top_node.task");
        json("flow PUT of an unknown id", "PUT", "/flows/v2/flow/nope", "{\"name\": \"x\"}", 404, "nope");
        json("flow PATCH of an unknown id", "PATCH", "/flows/v2/flow/nope", "{\"name\": \"x\"}", 404, "nope");
        json("flow DELETE of an unknown id", "DELETE", "/flows/v2/flow/nope", null, 404, "nope");
        json("flow /json of an unknown id", "GET", "/flows/v2/flow/nope/json", null, 404, "nope");
        json("flow PATCH breaking the tree", "PATCH", f, "{\"top_node\": 3}", 400, "top_node");
        json("flows page not a number", "GET", "/flows/v2/flow/?page=abc", null, 400, "page");
        json("flows page_size 0", "GET", "/flows/v2/flow/?page_size=0", null, 400, "page_size");
        json("flows page far past the end", "GET", "/flows/v2/flow/?page=2147483647&page_size=100", null, 404, "Invalid page");
        json("requests page far past the end", "GET", "/account/v2/request/?page=2147483647&page_size=100", null, 404, "Invalid page");
        json("path with a bad escape", "GET", "/flows/v2/flow/%zz", null, 400, "%zz");
        json("method not allowed", "DELETE", "/flows/v2/process", null, 405, "POST");
        json("no such endpoint", "GET", "/flows/v3/flow/", null, 404, "/flows/v3/flow/");

        // tasks
        String onnx = onnx("");
        json("task without name", "POST", rt, "{\"labels\": [\"a\"], \"backend\": " + onnx + "}", 400, "name");
        json("task with a numeric name", "POST", rt, "{\"name\": 1, \"labels\": [\"a\"], \"backend\": " + onnx + "}", 400, "name");
        json("task with an unknown field", "POST", rt, "{\"name\": \"t\", \"colour\": 1, \"labels\": [\"a\"], \"backend\": " + onnx + "}", 400, "colour");
        json("task of the other type", "POST", rt, "{\"name\": \"t\", \"type\": \"detection\", \"labels\": [\"a\"], \"backend\": " + onnx + "}", 400, "type");
        json("task without labels", "POST", rt, "{\"name\": \"t\", \"backend\": " + onnx + "}", 400, "labels");
        json("task with labels not a list", "POST", rt, task("\"a,b\"", onnx), 400, "labels");
        json("task with no labels", "POST", rt, task("[]", onnx), 400, "labels");
        json("task with duplicate labels", "POST", rt, task("[\"a\", \"b\", \"a\"]", onnx), 400, "labels[2]");
        json("task with a duplicate label object", "POST", rt, task("[\"a\", {\"name\": \"a\"}]", onnx), 400, "labels[1]");
        json("task with a numeric label", "POST", rt, task("[\"a\", 3]", onnx), 400, "labels[1]");
        json("task with an empty label", "POST", rt, task("[\"a\", \"  \"]", onnx), 400, "labels[1]");
        json("task with a misspelt label field", "POST", rt, task("[{\"nam\": \"a\"}]", onnx), 400, "labels[0].nam");
        json("task without backend", "POST", rt, "{\"name\": \"t\", \"labels\": [\"a\"]}", 400, "backend");
        json("task with backend a string", "POST", rt, task("[\"a\"]", "\"onnx\""), 400, "backend");
        json("task with an unknown backend kind", "POST", rt, task("[\"a\"]", "{\"kind\": \"tensorflow\"}"), 400, "backend.kind");
        json("task without backend kind", "POST", rt, task("[\"a\"]", "{\"model\": \"" + model + "\"}"), 400, "backend.kind");
        json("task without model", "POST", rt, task("[\"a\"]", "{\"kind\": \"onnx\"}"), 400, "backend.model");
        json("task with an unknown model", "POST", rt, task("[\"a\"]", "{\"kind\": \"onnx\", \"model\": \"" + "0".repeat(64) + "\"}"), 400, "backend.model");
        json("task with a path as model", "POST", rt, task("[\"a\"]", "{\"kind\": \"onnx\", \"model\": \"../../etc/passwd\"}"), 400, "backend.model");
        json("task with an unknown backend field", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"gpu\": true")), 400, "backend.gpu");
        json("width as a string", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"width\": \"32\", \"height\": 32}")), 400, "backend.preprocessing.width");
        json("width not whole", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"width\": 32.5, \"height\": 32}")), 400, "backend.preprocessing.width");
        json("width too large", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"width\": 100000, \"height\": 100000}")), 400, "backend.preprocessing.width");
        json("width out of int range", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"width\": 99999999999, \"height\": 32}")), 400, "width: the number is out of range");
        json("width without height", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"width\": 32}")), 400, "height");
        json("unknown resize", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"resize\": \"squash\"}")), 400, "backend.preprocessing.resize");
        json("unknown preprocessing field", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"widht\": 32}")), 400, "backend.preprocessing.widht");
        json("std of zero", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"std\": [0, 1, 1]}")), 400, "std");
        json("negative std", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"std\": [-1, 1, 1]}")), 400, "backend.preprocessing.std[0]");
        json("two means", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"mean\": [0.5, 0.5]}")), 400, "mean");
        json("a mean as text", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"mean\": [0.5, \"x\", 0.5]}")), 400, "backend.preprocessing.mean[1]");
        json("a null mean", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"mean\": [0.5, null, 0.5]}")), 400, "backend.preprocessing");
        json("pad value over 255", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"pad_value\": 300}")), 400, "backend.preprocessing.pad_value");
        json("negative scale", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"scale\": -1}")), 400, "backend.preprocessing.scale");
        json("preprocessing a list", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": []")), 400, "backend.preprocessing");
        json("an input the model lacks", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"input\": \"pixels\"}")), 400, "backend.preprocessing.input");
        json("nhwc on an nchw model", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"preprocessing\": {\"layout\": \"nhwc\"}")), 400, "backend.preprocessing");
        json("unknown decoder", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"output\": {\"decoder\": \"argmax\"}")), 400, "backend.output.decoder");
        json("output without decoder", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"output\": {\"activation\": \"softmax\"}")), 400, "backend.output.decoder");
        json("unknown activation", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"output\": {\"decoder\": \"classifier\", \"activation\": \"relu\"}")), 400, "backend.output.activation");
        json("classification decoded as yolo", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"output\": {\"decoder\": \"yolo\"}")), 400, "backend.output.decoder");
        json("detection without output", "POST", "/detection/v2/task/", task("[\"a\"]", onnx("")), 400, "backend.output");
        json("detection decoded as classifier", "POST", "/detection/v2/task/", task("[\"a\"]", onnx("\"output\": {\"decoder\": \"classifier\"}")), 400, "backend.output.decoder");
        json("yolo nms_iou 3", "POST", "/detection/v2/task/", task("[\"a\"]", onnx("\"output\": {\"decoder\": \"yolo\", \"nms_iou\": 3}")), 400, "backend.output.nms_iou");
        json("anchors without strides", "POST", "/detection/v2/task/", task("[\"a\"]", onnx("\"output\": {\"decoder\": \"anchors\", \"scores\": [\"s\"], \"boxes\": [\"b\"]}")), 400, "strides");
        json("fewer labels than the model's scores", "POST", rt, task("[\"a\", \"b\"]", onnx("")), 400, "labels: the model gives 3 scores per image");
        json("a classifier tensor the model lacks", "POST", rt, task("[\"a\", \"b\", \"c\"]", onnx("\"output\": {\"decoder\": \"classifier\", \"tensor\": \"probs\"}")), 400, "backend.output.tensor");
        json("yolo rows that do not fit the labels", "POST", "/detection/v2/task/", "{\"name\": \"v\", \"labels\": [\"Car\", \"Truck\", \"Bus\"], \"backend\": "
                + "{\"kind\": \"onnx\", \"model\": \"" + grid + "\", \"output\": {\"decoder\": \"yolo\", \"objectness\": true}}}", 400, "labels: the model's output has shape [1, 20, 7]");
        json("http without url", "POST", rt, task("[\"a\"]", "{\"kind\": \"http\"}"), 400, "backend.url");
        json("http with an ftp url", "POST", rt, task("[\"a\"]", "{\"kind\": \"http\", \"url\": \"ftp://x.example/\"}"), 400, "backend.url");
        json("http with a relative url", "POST", rt, task("[\"a\"]", "{\"kind\": \"http\", \"url\": \"/classify\"}"), 400, "backend.url");
        json("http with a numeric header", "POST", rt, task("[\"a\"]", "{\"kind\": \"http\", \"url\": \"https://x.example\", \"headers\": {\"X-Key\": 1}}"), 400, "backend.headers.X-Key");
        json("http with a restricted header", "POST", rt, task("[\"a\"]", "{\"kind\": \"http\", \"url\": \"https://x.example\", \"headers\": {\"Host\": \"y\"}}"), 400, "backend.headers");
        json("task GET of an unknown id", "GET", rt + "nope", null, 404, "nope");
        json("task PUT of an unknown id", "PUT", rt + "nope", task("[\"a\"]", onnx("")), 404, "nope");
        json("task PATCH with duplicate labels", "PATCH", ct, "{\"labels\": [\"red\", \"red\"]}", 400, "labels[1]");
        json("task PATCH with another backend kind and no url", "PATCH", ct, "{\"backend\": {\"kind\": \"http\"}}", 400, "backend.url");
        json("task PATCH with a stale version", "PATCH", ct, "{\"version\": 7, \"name\": \"x\"}", 409, "version");
        json("detection task under the recognition path", "GET", rt + vehicles, null, 404, vehicles);
        json("task DELETE used by a flow", "DELETE", ct, null, 409, flow);

        // models
        CASES.add(new Case("model as JSON", "POST", "/models/v2/model/", TOKEN_A, "application/json", "{}".getBytes(), 415, "octet-stream"));
        CASES.add(new Case("model empty", "POST", "/models/v2/model/", TOKEN_A, "application/octet-stream", new byte[0], 400, "file"));
        CASES.add(new Case("model garbage", "POST", "/models/v2/model/", TOKEN_A, "application/octet-stream", "xyz".getBytes(), 400, "ONNX"));
        CASES.add(new Case("model multipart without boundary", "POST", "/models/v2/model/", TOKEN_A, "multipart/form-data", "xyz".getBytes(), 400, "boundary"));
        CASES.add(new Case("model multipart with the wrong boundary", "POST", "/models/v2/model/", TOKEN_A, "multipart/form-data; boundary=abc",
                ApiHarness.multipart("xyz", "file", "m.onnx", new byte[] {1, 2}), 400, "boundary"));
        json("model GET of an unknown id", "GET", "/models/v2/model/" + "1".repeat(64), null, 404, "1111");
        json("model GET of a non-id", "GET", "/models/v2/model/abc", null, 404, "abc");

        // usage
        json("usage with a bad from", "GET", "/account/v2/usage?from=yesterday", null, 400, "from");
        json("usage with a bad to", "GET", "/account/v2/usage?to=2020-13-01", null, 400, "to");
        json("usage with from after to", "GET", "/account/v2/usage?from=2020-02-01&to=2020-01-01", null, 400, "from");
        json("usage over a year", "GET", "/account/v2/usage?from=2000-01-01&to=2020-01-01", null, 400, "from");
        json("authorize with a numeric service", "POST", "/authorization/v2/authorize", "{\"service\": 5}", 400, "service");
    }

    @TestFactory
    Stream<DynamicTest> everyBadRequestIsAClear4xxAndChangesNothing() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            ApiHarness.Snapshot before = h.snapshot();
            Map<String, String> headers = new HashMap<>();
            headers.put("content-type", c.contentType());
            if (c.token() != null) {
                headers.put("authorization", c.token().startsWith("Bearer ") ? c.token() : "Token " + c.token());
            }
            String path = c.path();
            Map<String, List<String>> query = new HashMap<>();
            int q = path.indexOf('?');
            if (q >= 0) {
                query = ApiRequest.json("GET", path, null, null).query();
                path = path.substring(0, q);
            }
            ApiResponse r = h.api.handle(new ApiRequest(c.method(), path, query, headers, c.body()));
            String text = r.bodyText();
            assertThat(r.status()).as(c.name() + ": " + text).isEqualTo(c.status());
            JsonNode body = r.bodyJson();
            assertThat(body.at("/status/code").asInt()).isEqualTo(c.status());
            assertThat(body.at("/status/text").asText()).isNotEqualTo("Error");
            String detail = body.at("/status/detail").asText();
            assertThat(detail).isEqualTo(body.get("detail").asText()).isNotBlank();
            StringBuilder named = new StringBuilder(detail);
            body.at("/status/errors").forEach(e -> named.append(' ').append(e.get("path").asText()).append(": ").append(e.get("message").asText()));
            assertThat(named.toString()).as(c.name()).contains(c.names());
            assertThat(text).doesNotContain("Exception", "\tat ", "io.visionflow.", "com.fasterxml", "java.lang");
            assertThat(h.snapshot()).as("stored state after " + c.name()).isEqualTo(before);
        }));
    }

    @Test
    void aCorruptImageFailsItsRecordOnlyAndRecordsWithoutImagesToo() {
        String corrupt = "{\"_base64\": \"" + Base64.getEncoder().encodeToString("\u0089PNG\r\n\u001a\nnot really".getBytes(StandardCharsets.ISO_8859_1)) + "\"}";
        for (String endpoint : List.of("/flows/v2/process", "/recognition/v2/classify")) {
            String ref = endpoint.contains("flows") ? "\"flow\": \"" + flow + "\"" : "\"task\": \"" + colour + "\"";
            JsonNode out = h.ok("POST", endpoint, TOKEN_A, "{" + ref + ", \"records\": [" + img + ", " + corrupt + ", {}, " + img + "]}");
            JsonNode records = out.get("records");
            assertThat(records).hasSize(4);
            assertThat(records.at("/1/_status/code").asInt()).isEqualTo(400);
            assertThat(records.at("/2/_status/code").asInt()).isEqualTo(400);
            assertThat(records.at("/2/_status/text").asText()).contains("_url").contains("_base64");
            assertThat(records.at("/0/_status/code").asInt()).isEqualTo(200);
            assertThat(records.at("/3/_status/code").asInt()).isEqualTo(200);
            assertThat(out.toString()).doesNotContain("Exception", "io.visionflow.");
        }
    }
}
