package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.visionflow.api.ApiHarness.A;
import static io.visionflow.api.ApiHarness.B;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tenant isolation matrix: account B calls every route of the table with account A's flow,
 * task, model and request ids (in the path, in the body, nested in B's own flow definitions). Each
 * answer is exactly what a nonexistent id gets (404 for a resource, 400 for a reference in a
 * definition; never 403, never a word that tells A's ids from made-up ones), and nothing of A's changes.
 */
class TenantIsolationTest {
    private static final String NOWHERE = "00000000-0000-4000-8000-000000000000";
    private static final String NO_MODEL = "0".repeat(64);
    private static ApiHarness h;
    private static String flowA;
    private static String nestingA;
    private static String colourA;
    private static String vehiclesA;
    private static String modelA;
    private static String requestA;
    /** A stored image of A's (what store_images answers a URL of). */
    private static String imageA;
    private static String flowB;
    private static String img;

    /** One call of B: the route it covers, and its method, path and body with a placeholder for A's id. */
    record Case(String route, String method, String path, String body, String idOfA, String missing) {
        String with(String id) {
            return (path + "\u0000" + (body == null ? "" : body)).replace("{A}", id);
        }
    }

    @BeforeAll
    static void setUp() {
        h = new ApiHarness();
        modelA = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
        String imageKey = h.stores.blobs().put(A, "image", ApiHarness.testModel("brightness.onnx"));
        imageA = imageKey.substring(imageKey.lastIndexOf('/') + 1);
        colourA = h.classifier(TOKEN_A, modelA, "colour", "red", "green", "blue");
        String grid = h.uploadModel(TOKEN_A, ApiHarness.testModel("grid_detector.onnx"));
        vehiclesA = h.expect(201, "POST", "/detection/v2/task/", TOKEN_A, """
                {"name": "vehicles", "labels": ["Car", "Truck"], "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "objectness": true}}}"""
                .formatted(grid)).get("id").asText();
        flowA = h.flow(TOKEN_A, recognition("a", colourA));
        nestingA = h.flow(TOKEN_A, "{\"name\": \"nests\", \"top_node\": {\"type\": \"flow\", \"id\": \"n\", \"flow\": \"" + flowA + "\"}}");
        img = ApiHarness.record(ApiHarness.plain(Color.RED, 16, 16));
        h.ok("POST", "/flows/v2/process", TOKEN_A, "{\"flow\": \"" + nestingA + "\", \"records\": [" + img + "]}");
        requestA = h.expect(201, "POST", "/account/v2/request/", TOKEN_A,
                "{\"flow\": \"" + flowA + "\", \"records\": [" + img + "]}").get("id").asText();
        h.awaitRequestsFinished(A);
        // B's own things, to change in ways that point at A's
        String lightB = h.classifier(TOKEN_B, h.uploadModel(TOKEN_B, ApiHarness.testModel("brightness.onnx")), "light", "dark", "bright");
        flowB = h.flow(TOKEN_B, recognition("b", lightB));
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    private static String recognition(String name, String task) {
        return "{\"name\": \"" + name + "\", \"top_node\": {\"type\": \"recognition\", \"id\": \"r\", \"task\": \"" + task
                + "\", \"output_field\": \"colour\"}}";
    }

    /** Everything of A's an API call could touch: flows, tasks, usage, blobs written, requests, account and tokens. */
    private static List<Object> stateOfA() {
        List<Object> out = new ArrayList<>();
        out.add(h.snapshot());
        h.stores.requests().list(A, null, null, 0, 1000).items()
                .forEach(r -> out.add(r.id() + " " + r.status() + " " + r.payload() + " " + r.response() + " " + r.updated()));
        out.add(h.stores.accounts().get(A));
        out.add(h.stores.accounts().accountOfToken(Tokens.hash(TOKEN_A)));
        out.add(h.stores.blobs().get(io.visionflow.store.BlobStore.key(A, TaskJson.MODEL_KIND, modelA)).map(b -> b.length));
        return out;
    }

    private static List<Case> cases() {
        String flow = "{\"name\": \"x\", \"top_node\": {\"type\": \"recognition\", \"id\": \"r\", \"task\": \"%s\", \"output_field\": \"c\"}}";
        String task = "{\"name\": \"x\", \"labels\": [\"a\"], \"backend\": {\"kind\": \"http\", \"url\": \"https://x.example\"}}";
        String process = "{\"flow\": \"{A}\", \"records\": [" + img + "]}";
        List<Case> c = new ArrayList<>();
        // A's ids in the path: 404, as for an id that never existed
        for (String suffix : List.of("", "?force=true")) {
            c.add(new Case("GET /flows/v2/flow/{id}", "GET", "/flows/v2/flow/{A}" + suffix, null, flowA, NOWHERE));
            c.add(new Case("DELETE /flows/v2/flow/{id}", "DELETE", "/flows/v2/flow/{A}" + suffix, null, flowA, NOWHERE));
            c.add(new Case("DELETE /flows/v2/flow/{id}", "DELETE", "/flows/v2/flow/{A}" + suffix, null, nestingA, NOWHERE));
        }
        c.add(new Case("GET /flows/v2/flow/{id}/json", "GET", "/flows/v2/flow/{A}/json", null, flowA, NOWHERE));
        c.add(new Case("PUT /flows/v2/flow/{id}", "PUT", "/flows/v2/flow/{A}", flow.formatted(colourA), flowA, NOWHERE));
        c.add(new Case("PATCH /flows/v2/flow/{id}", "PATCH", "/flows/v2/flow/{A}", "{\"name\": \"mine now\"}", flowA, NOWHERE));
        for (String kind : List.of("recognition", "detection")) {
            for (String id : List.of(colourA, vehiclesA)) {
                String base = "/" + kind + "/v2/task/{A}";
                c.add(new Case("GET /" + kind + "/v2/task/{id}", "GET", base, null, id, NOWHERE));
                c.add(new Case("PUT /" + kind + "/v2/task/{id}", "PUT", base, task, id, NOWHERE));
                c.add(new Case("PATCH /" + kind + "/v2/task/{id}", "PATCH", base, "{\"name\": \"x\"}", id, NOWHERE));
                c.add(new Case("DELETE /" + kind + "/v2/task/{id}", "DELETE", base + "?force=true", null, id, NOWHERE));
            }
        }
        c.add(new Case("GET /models/v2/model/{id}", "GET", "/models/v2/model/{A}", null, modelA, NO_MODEL));
        c.add(new Case("GET /v2/image/{id}", "GET", "/v2/image/{A}", null, imageA, NO_MODEL));
        c.add(new Case("GET /account/v2/request/{id}", "GET", "/account/v2/request/{A}", null, requestA, NOWHERE));
        c.add(new Case("GET /account/v2/request/{id}/status", "GET", "/account/v2/request/{A}/status", null, requestA, NOWHERE));
        // A's ids in a body: 404 for what the call runs
        c.add(new Case("POST /flows/v2/process", "POST", "/flows/v2/process", process, flowA, NOWHERE));
        c.add(new Case("POST /flows/v2/process", "POST", "/flows/v2/process", process.replace("\"flow\"", "\"flow_id\""), nestingA, NOWHERE));
        c.add(new Case("POST /account/v2/request", "POST", "/account/v2/request/", process, flowA, NOWHERE));
        c.add(new Case("POST /recognition/v2/classify", "POST", "/recognition/v2/classify",
                "{\"task\": \"{A}\", \"records\": [" + img + "]}", colourA, NOWHERE));
        c.add(new Case("POST /detection/v2/detect", "POST", "/detection/v2/detect",
                "{\"task_id\": \"{A}\", \"records\": [" + img + "]}", vehiclesA, NOWHERE));
        // A's ids inside B's definitions: invalid, with the same problems as made-up ids
        String nested = "{\"name\": \"x\", \"top_node\": {\"type\": \"list\", \"actions\": [{\"type\": \"flow\", \"id\": \"n\", \"flow\": \"{A}\"}]}}";
        String selector = "{\"name\": \"x\", \"top_node\": {\"type\": \"object_selector\", \"id\": \"s\", \"task\": \"{A}\", \"output_field\": \"o\"}}";
        String branch = "{\"name\": \"x\", \"top_node\": {\"type\": \"branch_selector\", \"id\": \"b\", \"task\": \"{A}\", \"field\": \"f\", "
                + "\"branches\": [{\"label\": \"red\", \"action\": {\"type\": \"flow\", \"id\": \"n\", \"flow\": \"" + flowA + "\"}}]}}";
        for (String[] def : List.of(new String[] {nested, flowA}, new String[] {nested, nestingA},
                new String[] {flow.replace("%s", "{A}"), colourA}, new String[] {selector, vehiclesA}, new String[] {branch, colourA})) {
            c.add(new Case("POST /flows/v2/flow", "POST", "/flows/v2/flow/", def[0], def[1], NOWHERE));
            c.add(new Case("POST /flows/v2/validate", "POST", "/flows/v2/validate", def[0], def[1], NOWHERE));
            c.add(new Case("PUT /flows/v2/flow/{id}", "PUT", "/flows/v2/flow/" + flowB, def[0], def[1], NOWHERE));
            c.add(new Case("PATCH /flows/v2/flow/{id}", "PATCH", "/flows/v2/flow/" + flowB,
                    "{\"top_node\": " + def[0].substring(def[0].indexOf("{\"type\""), def[0].length() - 1) + "}", def[1], NOWHERE));
        }
        String onnx = "{\"name\": \"steal\", \"labels\": [\"red\", \"green\", \"blue\"], \"backend\": {\"kind\": \"onnx\", \"model\": \"{A}\", "
                + "\"preprocessing\": {\"width\": 32, \"height\": 32}, \"output\": {\"decoder\": \"classifier\"}}}";
        for (String kind : List.of("recognition", "detection")) {
            c.add(new Case("POST /" + kind + "/v2/task", "POST", "/" + kind + "/v2/task/", onnx, modelA, NO_MODEL));
        }
        return c;
    }

    private static String normalised(ApiResponse r, String id) {
        JsonNode body = r.body().length == 0 ? ApiHarness.JSON.nullNode() : r.bodyJson();
        if (body.path("status") instanceof com.fasterxml.jackson.databind.node.ObjectNode s) {
            s.remove("request_id");
        }
        return r.status() + " " + body.toString().replace(id, "<id>");
    }

    @Test
    void bGetsForEveryOneOfAsIdsWhatAMadeUpIdGetsAndAIsUntouched() {
        List<Object> before = stateOfA();
        List<Case> cases = cases();
        for (Case c : cases) {
            String[] stolen = c.with(c.idOfA()).split("\u0000", -1);
            String[] madeUp = c.with(c.missing()).split("\u0000", -1);
            ApiResponse theirs = h.call(c.method(), stolen[0], TOKEN_B, stolen[1].isEmpty() ? null : stolen[1]);
            ApiResponse none = h.call(c.method(), madeUp[0], TOKEN_B, madeUp[1].isEmpty() ? null : madeUp[1]);
            String what = c.method() + " " + stolen[0] + " " + stolen[1] + " -> " + theirs.bodyText();
            assertThat(theirs.status()).as(what).isIn(400, 404);
            assertThat(normalised(theirs, c.idOfA())).as(what).isEqualTo(normalised(none, c.missing()));
            assertThat(stateOfA()).as(what).isEqualTo(before);
        }

        // every route of the table is in the matrix, or answers B with B's own things only (below)
        Set<String> covered = new TreeSet<>();
        cases.forEach(c -> covered.add(c.route()));
        Set<String> ownOnly = Set.of("GET /flows/v2/flow", "GET /recognition/v2/task", "GET /detection/v2/task",
                "POST /models/v2/model", "GET /account/v2/request", "GET /account/v2/usage", "POST /authorization/v2/authorize",
                "GET /metrics", "GET /recognition/v2/label", "GET /detection/v2/label");
        Set<String> all = new TreeSet<>();
        h.api.routes().all().forEach(r -> all.add(r.name()));
        Set<String> missing = new TreeSet<>(all);
        missing.removeAll(covered);
        missing.removeAll(ownOnly);
        assertThat(missing).as("routes without a tenant isolation case").isEmpty();
        assertThat(all).containsAll(ownOnly).containsAll(covered);

        // the listing routes show B nothing of A's
        assertThat(h.ok("GET", "/flows/v2/flow/?page_size=100", TOKEN_B, null).get("count").asInt()).isEqualTo(1);
        assertThat(h.ok("GET", "/recognition/v2/task/", TOKEN_B, null).get("count").asInt()).isEqualTo(1);
        assertThat(h.ok("GET", "/detection/v2/task/", TOKEN_B, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/account/v2/request/", TOKEN_B, null).get("count").asInt()).isZero();
        assertThat(h.ok("GET", "/recognition/v2/label/", TOKEN_B, null).toString()).doesNotContain(colourA, "red");
        assertThat(h.ok("GET", "/detection/v2/label/", TOKEN_B, null).get("count").asInt()).isZero();
        // A's task as the filter: the empty page a made-up id gets
        assertThat(h.ok("GET", "/recognition/v2/label/?task=" + colourA, TOKEN_B, null))
                .isEqualTo(h.ok("GET", "/recognition/v2/label/?task=" + NOWHERE, TOKEN_B, null));
        assertThat(h.ok("GET", "/detection/v2/label/?task=" + vehiclesA, TOKEN_B, null).get("count").asInt()).isZero();
        JsonNode usage = h.ok("GET", "/account/v2/usage", TOKEN_B, null);
        assertThat(usage.get("total").asInt()).isZero();
        assertThat(usage.toString()).doesNotContain(flowA, nestingA);
        assertThat(h.ok("POST", "/authorization/v2/authorize", TOKEN_B, "{}").get("user_id").asText()).isEqualTo(B);
        assertThat(h.call("GET", "/metrics", TOKEN_B, null).bodyText()).doesNotContain(flowA, nestingA, colourA);
        // uploading A's model bytes gives B a copy of its own (ids are content hashes), and A keeps its own
        String copy = h.uploadModel(TOKEN_B, ApiHarness.testModel("mean_colour.onnx"));
        assertThat(copy).isEqualTo(modelA);
        h.ok("GET", "/models/v2/model/" + copy, TOKEN_B, null);
        h.expect(204, "DELETE", "/flows/v2/flow/" + flowB, TOKEN_B, null);
        List<Object> after = stateOfA();
        assertThat(after.subList(1, after.size())).isEqualTo(before.subList(1, before.size()));
        assertThat(h.ok("GET", "/flows/v2/flow/" + flowA, TOKEN_A, null).get("version").asInt()).isEqualTo(1);
        assertThat(h.ok("GET", "/account/v2/request/" + requestA + "/status", TOKEN_A, null).get("status").asText()).isEqualTo("DONE");
    }
}
