package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowArbitraries;
import io.visionflow.service.BuiltinServices;
import io.visionflow.store.BlobStore;
import io.visionflow.task.onnx.PretrainedModels;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import static io.visionflow.api.ApiHarness.A;
import static io.visionflow.api.ApiHarness.B;
import static io.visionflow.api.ApiHarness.JSON;
import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fuzz bar of the API: random requests to every route of the table (ids of the caller, of
 * another account and made up; generated flows with every action type, mutated bodies, records
 * with good, corrupt and unreachable images, junk) sent as account A. Never a 5xx, errors always in
 * the envelope, and account B's flows, tasks, models, requests, usage and token never change.
 * jqwik prints how many inputs it tried and which routes and action types they reached; the run is
 * bounded by its number of tries (a few seconds), not by the clock.
 */
class ApiFuzzTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String NOWHERE = "00000000-0000-4000-8000-000000000000";
    private static final List<String> ACTION_TYPES = List.of("list", "recognition", "detection", "branch_selector",
            "object_selector", "flow", "service");
    private static ApiHarness h;
    private static BuiltinServices services;
    /** Ids by kind: A's, then B's. */
    private static final Map<String, List<String>> IDS = new HashMap<>();
    private static FlowArbitraries ofA;
    private static FlowArbitraries acrossAccounts;
    private static List<Object> victimBefore;
    private static final AtomicInteger TRIES = new AtomicInteger();
    private static String png;

    @BeforeContainer
    static void setUp() {
        services = BuiltinServices.open(PretrainedModels.modelSource());
        // limits on but out of reach, so that every try also passes through the rate and credit checks
        h = new ApiHarness(cfg -> {
            cfg.services = services.catalog();
            cfg.rateLimit = new RateLimit(1e6, 1_000_000);
        });
        h.stores.accounts().setMonthlyCredits(A, 1_000_000_000L);
        png = ApiHarness.png(ApiHarness.plain(Color.RED, 24, 16));
        for (String[] who : new String[][] {{A, TOKEN_A}, {B, TOKEN_B}}) {
            String token = who[1];
            String model = h.uploadModel(token, ApiHarness.testModel("mean_colour.onnx"));
            String colour = h.classifier(token, model, "colour", "red", "green", "blue");
            String grid = h.uploadModel(token, ApiHarness.testModel("grid_detector.onnx"));
            String vehicles = h.expect(201, "POST", "/detection/v2/task/", token, """
                    {"name": "vehicles", "labels": ["Car", "Truck"], "backend": {"kind": "onnx", "model": "%s",
                     "preprocessing": {"width": 64, "height": 64}, "output": {"decoder": "yolo", "objectness": true}}}"""
                    .formatted(grid)).get("id").asText();
            String flow = h.flow(token, "{\"name\": \"base\", \"top_node\": {\"type\": \"recognition\", \"id\": \"r\", \"task\": \""
                    + colour + "\", \"output_field\": \"colour\"}}");
            String process = "{\"flow\": \"" + flow + "\", \"records\": [{\"_base64\": \"" + png + "\"}]}";
            h.ok("POST", "/flows/v2/process", token, process);
            String request = h.expect(201, "POST", "/account/v2/request/", token, process).get("id").asText();
            add("model", model, grid);
            add("task", colour, vehicles);
            add("flow", flow);
            add("request", request);
        }
        ofA = new FlowArbitraries(IDS.get("task").get(0), "red", IDS.get("task").get(1), List.of(IDS.get("flow").get(0)),
                List.of("dominant_colors", "upscale"));
        acrossAccounts = new FlowArbitraries(IDS.get("task").get(2), "red", IDS.get("task").get(3), List.of(IDS.get("flow").get(1)),
                List.of("dominant_colors", "no_such_service"));
        // stored flows of every action type for the run routes to run (a generated flow is valid often enough),
        // each run once here, so that every action type surely runs whatever the random tries pick
        TreeSet<String> ran = new TreeSet<>();
        String records = "[{\"_base64\": \"" + png + "\"}, {\"_base64\": \"AAAA\"}]";
        // at least 60 generated flows, more (at most 600) until every action type has run: some
        // generated flows are invalid on purpose (out-of-range retry policies, say)
        java.util.concurrent.atomic.AtomicInteger sampled = new java.util.concurrent.atomic.AtomicInteger();
        ofA.flows().sampleStream().takeWhile(f -> sampled.incrementAndGet() <= 60
                || (sampled.get() <= 600 && !ran.containsAll(ACTION_TYPES))).forEach(flow -> {
            ApiResponse r = h.call("POST", "/flows/v2/flow/", TOKEN_A, flow.toString());
            if (r.status() == 201) {
                String id = r.bodyJson().get("id").asText();
                add("flow", id);
                ApiResponse run = h.call("POST", "/flows/v2/process", TOKEN_A, "{\"flow\": \"" + id + "\", \"records\": " + records + "}");
                TRIES.incrementAndGet();
                assertThat(run.status()).as(flow + " -> " + run.bodyText()).isEqualTo(200);
                ran.addAll(flow.findValuesAsText("type"));
            }
        });
        assertThat(ran).as("action types run").containsAll(ACTION_TYPES);
        System.out.println("ApiFuzzTest: " + (IDS.get("flow").size() - 2) + " of " + (sampled.get() - 1)
                + " generated flows are valid, stored for A and run");
        h.awaitRequestsFinished(B);
        victimBefore = stateOfB();
    }

    @AfterContainer
    static void tearDown() {
        System.out.println("ApiFuzzTest: " + TRIES.get() + " requests tried over " + h.api.routes().all().size() + " routes");
        h.close();
        services.close();
    }

    private static void add(String kind, String... ids) {
        IDS.computeIfAbsent(kind, k -> new ArrayList<>()).addAll(List.of(ids));
    }

    /** Everything of B's an API call could touch. */
    private static List<Object> stateOfB() {
        List<Object> out = new ArrayList<>();
        h.stores.flows().list(B, 0, 1000).items().forEach(f -> out.add(f.id() + "@" + f.version() + " " + f.valid() + " " + f.definition()));
        h.stores.tasks().list(B, null, 0, 1000).items().forEach(t -> out.add(t.task() + "@" + t.version()));
        out.add(h.stores.usage().usage(B, java.time.LocalDate.now().minusDays(2), java.time.LocalDate.now().plusDays(2)));
        h.stores.requests().list(B, null, null, 0, 1000).items()
                .forEach(r -> out.add(r.id() + " " + r.status() + " " + r.response() + " " + r.updated()));
        out.add(h.stores.accounts().get(B));
        out.add(h.stores.accounts().accountOfToken(Tokens.hash(TOKEN_B)));
        for (String model : IDS.get("model").subList(2, 4)) {
            out.add(h.stores.blobs().get(BlobStore.key(B, TaskJson.MODEL_KIND, model)).map(b -> b.length));
        }
        return out;
    }

    /** The caller's flows and tasks (its requests and usage move on in the background, as async requests finish). */
    private static List<Object> flowsAndTasksOfA() {
        List<Object> out = new ArrayList<>();
        h.stores.flows().list(A, 0, 1000).items().forEach(f -> out.add(f.id() + "@" + f.version() + " " + f.valid() + " " + f.definition()));
        h.stores.tasks().list(A, null, 0, 1000).items().forEach(t -> out.add(t.task() + "@" + t.version()));
        return out;
    }

    /** One request: route, path, body (null for none), token, content type. */
    record Fuzzed(Routes.Route route, String path, byte[] body, String token, String contentType) {
        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return route.method() + " " + path + " " + (text.length() > 600 ? text.substring(0, 600) + "…" : text);
        }
    }

    @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
    void noRequestBreaksTheServerOrTouchesAnotherAccount(@ForAll("requests") Fuzzed f) throws Exception {
        TRIES.incrementAndGet();
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", f.contentType());
        if (f.token() != null) {
            headers.put("authorization", "Token " + f.token());
        }
        String path = f.path();
        Map<String, List<String>> query = new HashMap<>();
        int q = path.indexOf('?');
        if (q >= 0) {
            for (String pair : path.substring(q + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                query.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
            }
            path = path.substring(0, q);
        }
        List<Object> callersBefore = flowsAndTasksOfA();
        ApiResponse r = h.api.handle(new ApiRequest(f.route().method(), path, query, headers, f.body()));
        Statistics.label("route").collect(f.route().name());
        Statistics.label("status").collect(r.status() / 100 + "xx");
        if (f.body() != null && f.body().length > 0 && f.contentType().equals("application/json")) {
            TreeSet<String> types = new TreeSet<>();
            try {
                JSON.readTree(f.body()).findValuesAsText("type").forEach(types::add);
            } catch (java.io.IOException e) {
                // junk bodies have no action types
            }
            types.retainAll(ACTION_TYPES);
            types.forEach(t -> Statistics.label("action type").collect(t));
        }
        if (r.status() == 200 && f.route().name().equals("POST /flows/v2/process")) {
            // what the engine ran: the types of the stored flow (nested flows are types of their own)
            String flowId = JSON.readTree(f.body()).path(JSON.readTree(f.body()).has("flow") ? "flow" : "flow_id").asText();
            h.stores.flows().get(A, flowId).ifPresent(stored -> new TreeSet<>(stored.definition().findValuesAsText("type"))
                    .forEach(t -> Statistics.label("action type run").collect(t)));
        }
        Statistics.label("route").coverage(c -> h.api.routes().all().forEach(route -> c.check(route.name()).count(n -> n > 0)));
        Statistics.label("action type").coverage(c -> ACTION_TYPES.forEach(t -> c.check(t).count(n -> n > 0)));

        assertThat(r.status()).as(f + " -> " + r.bodyText()).isLessThan(500);
        if (r.status() >= 400) {
            JsonNode body = r.bodyJson();
            assertThat(body.at("/status/code").asInt()).as(f + " -> " + r.bodyText()).isEqualTo(r.status());
            assertThat(body.at("/status/detail").asText()).as(f + " -> " + r.bodyText()).isNotBlank();
            assertThat(r.bodyText()).as(f.toString()).doesNotContain("Exception", "io.visionflow.", "com.fasterxml");
            // a refused request changes nothing of the caller's either
            assertThat(flowsAndTasksOfA()).as(f + " -> " + r.bodyText()).isEqualTo(callersBefore);
        }
        assertThat(r.headers().get("X-Request-Id")).isNotBlank();
        assertThat(stateOfB()).as(f + " -> " + r.bodyText()).isEqualTo(victimBefore);
    }

    // ---- generators ----

    @Provide
    Arbitrary<Fuzzed> requests() {
        List<Tuple.Tuple2<Integer, Arbitrary<Routes.Route>>> weighted = new ArrayList<>();
        for (Routes.Route route : h.api.routes().all()) {
            // the routes that run flows get more tries: they reach the engine and every action type
            weighted.add(Tuple.of(route.billable() ? 6 : 1, Arbitraries.just(route)));
        }
        return Arbitraries.frequencyOf(weighted).flatMap(route -> {
            Arbitrary<Body> body = Arbitraries.frequencyOf(Tuple.of(3, bodyFor(route)), Tuple.of(1, body()));
            return Combinators.combine(pathId(), query(), body, token()).as((id, query, b, token) -> {
                String path = "/" + String.join("/", route.segments()).replaceAll("\\{[a-z]+}", id) + query;
                return new Fuzzed(route, path, b.body, token, b.contentType);
            });
        });
    }

    /** A body of the kind the route reads. */
    private static Arbitrary<Body> bodyFor(Routes.Route route) {
        String name = route.name();
        if (route.billable()) {
            return runs(name.contains("/flows/") || name.contains("/request") ? "flow" : "task");
        }
        if (name.startsWith("POST /flows") || name.startsWith("PUT /flows") || name.startsWith("PATCH /flows")) {
            return definitions();
        }
        if (name.contains("/task")) {
            return tasks();
        }
        return body();
    }
    private static Arbitrary<String> pathId() {
        List<String> all = new ArrayList<>();
        IDS.values().forEach(all::addAll);
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(all)),
                Tuple.of(1, Arbitraries.of(NOWHERE, "nope", "%zz", "%2e%2e", "..", "a%2Fb", "%C3%A9t%C3%A9", "x".repeat(300), "0", "-1",
                        "00000000000000000000000000000000000000000000000000000000000000000")));
    }

    private static Arbitrary<String> query() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("")), Tuple.of(1, Arbitraries.of(
                "?force=true", "?page=2&page_size=1", "?page=abc", "?page_size=1000", "?from=2026-01-01&to=2026-12-31",
                "?from=2027-01-01&to=2026-01-01", "?type=flows&status=DONE", "?status=NOPE", "?force=1&page=1")));
    }

    private static Arbitrary<String> token() {
        return Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(TOKEN_A)),
                Tuple.of(1, Arbitraries.of("nope-nope-nope-nope", "x".repeat(300))), Tuple.of(1, Arbitraries.just((String) null)));
    }

    /** A body and its content type. */
    private record Body(byte[] body, String contentType) {
        static Body json(JsonNode node) {
            return new Body(node.toString().getBytes(StandardCharsets.UTF_8), "application/json");
        }
    }

    private static Arbitrary<Body> body() {
        return Arbitraries.frequencyOf(Tuple.of(7, definitions()), Tuple.of(5, runs("flow")), Tuple.of(2, runs("task")),
                Tuple.of(2, tasks()), Tuple.of(2, junk()));
    }

    /** Generated flows over A's tasks and flows (sometimes B's), as they are or mutated. */
    private static Arbitrary<Body> definitions() {
        Arbitrary<ObjectNode> flows = Arbitraries.frequencyOf(Tuple.of(4, ofA.flows()), Tuple.of(1, acrossAccounts.flows()));
        Arbitrary<Body> mutated = Combinators.combine(flows, Arbitraries.longs()).as((flow, seed) -> {
            Random random = new Random(seed);
            JsonNode m = flow;
            for (int i = 0; i <= random.nextInt(3); i++) {
                m = FlowArbitraries.mutate(m, random);
            }
            return Body.json(m);
        });
        return Arbitraries.frequencyOf(Tuple.of(4, flows.map(Body::json)), Tuple.of(3, mutated));
    }

    /** What the run routes read: a flow or task id (mostly the caller's) and records. */
    private static Arbitrary<Body> runs(String kind) {
        // the fuzzing deletes some of A's flows and tasks as it goes
        List<String> own = IDS.get(kind).stream().filter(ApiFuzzTest::ofA).toList();
        Arbitrary<String> id = own.isEmpty() ? ids("flow", "task")
                : Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(own)), Tuple.of(1, ids("flow", "task")));
        return Combinators.combine(Arbitraries.of(kind, kind + "_id", kind.equals("flow") ? "task" : "flow"), id,
                records(), Arbitraries.of(0.0, 0.3, 1.0, -1.0, 2.0)).as((field, chosen, records, keep) -> {
            ObjectNode o = F.objectNode().put(field, chosen).put("type", "flows");
            o.set("records", records);
            if (keep != 0.0) {
                o.put("keep_prob", keep);
            }
            return Body.json(o);
        });
    }

    private static boolean ofA(String id) {
        return h.stores.flows().get(A, id).isPresent() || h.stores.tasks().get(A, id).isPresent();
    }

    /** Task registrations with A's, B's and made-up models, and http backends. */
    private static Arbitrary<Body> tasks() {
        return Combinators.combine(ids("model"), Arbitraries.of("onnx", "http", "nope"),
                Arbitraries.<List<String>>of(List.of("red", "green", "blue"), List.of("a"), List.of(), List.of("Car", "Truck")))
                .as((model, kind, labels) -> {
            ObjectNode o = F.objectNode().put("name", "fuzzed");
            var array = o.putArray("labels");
            labels.forEach(array::add);
            ObjectNode backend = o.putObject("backend").put("kind", kind);
            if (kind.equals("http")) {
                backend.put("url", "https://model.example/classify");
            } else {
                backend.put("model", model);
                backend.putObject("preprocessing").put("width", 32).put("height", 32);
                backend.putObject("output").put("decoder", "classifier");
            }
            return Body.json(o);
        });
    }

    private static Arbitrary<Body> junk() {
        return Arbitraries.oneOf(
                Arbitraries.just(new Body(null, "application/json")),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> new Body(b, "application/json")),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> new Body(b, "application/octet-stream")),
                Arbitraries.of("{}", "[]", "null", "{\"service\": 5}", "{\"flow\": {}}", "{\"records\": [[]]}", "\"x\"", "{\"a\":")
                        .map(s -> new Body(s.getBytes(StandardCharsets.UTF_8), "application/json")),
                Arbitraries.just(new Body(ApiHarness.multipart("b0undary", "file", "m.onnx", ApiHarness.testModel("brightness.onnx")),
                        "multipart/form-data; boundary=b0undary")));
    }

    private static Arbitrary<String> ids(String... kinds) {
        List<String> pool = new ArrayList<>();
        for (String k : kinds) {
            pool.addAll(IDS.get(k));
        }
        pool.add(NOWHERE);
        return Arbitraries.of(pool);
    }

    private static Arbitrary<JsonNode> records() {
        Arbitrary<JsonNode> record = Arbitraries.of(
                "{\"_base64\": \"" + png + "\"}",
                "{\"_id\": \"x\", \"_base64\": \"data:image/png;base64," + png + "\"}",
                "{\"_base64\": \"AAAA\"}",
                "{\"_base64\": \"" + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(Base64.getDecoder().decode(png), 40)) + "\"}",
                "{\"_base64\": 5}",
                "{\"_url\": \"http://127.0.0.1:1/closed.png\"}",
                "{\"_url\": \"ftp://example.com/x.png\"}",
                "{\"_blob\": \"image/acct-b/x\"}",
                "{}",
                "{\"colour\": \"red\", \"_base64\": \"" + png + "\"}").map(s -> {
                    try {
                        return JSON.readTree(s);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(8, Arbitraries.integers().between(1, 3)))
                .flatMap(n -> record.list().ofSize(n)).map(list -> {
            var a = F.arrayNode();
            list.forEach(a::add);
            return (JsonNode) a;
        });
    }
}
