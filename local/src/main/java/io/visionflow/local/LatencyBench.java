package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.net.OutboundPolicy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code visionflow bench-server latency [ROUNDS] [WARMUP]}: single-request latency of the local server as an
 * outside client sees it, side by side with calling the model server directly. The server runs as
 * {@code serve} runs it (SQLite stores in a fresh data directory, access log, metrics); the remote
 * model server and the client are Python's standard library ({@code bench/model_server.py},
 * {@code bench/client.py}), keep-alive on both. Each call is first made WARMUP times untimed (the
 * 50 ms ones a tenth of that), so the figures are those of a server that has been up a while;
 * {@code WARMUP} 0 shows a fresh JVM. Then the calls run in turns, one of each per round, each
 * round starting one call further on (ROUNDS a multiple of the 7 calls keeps that even); each call
 * is made twice in a row, and the table gives the medians of both: the first after the client
 * talked to another server (the server idle a moment), the second back to back, and the
 * table gives medians with the targets of issue 14 beside them.
 */
final class LatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SLOW_MS = 50;
    private static final int BRANCHES = 8;

    private LatencyBench() {
    }

    /** One row: what was timed, and how its median compares with a target (null: no target). */
    record Row(String name, String label, Target target) {
    }

    /** A target: at most {@code factor} × the median of {@code base} + {@code plusMs}. */
    record Target(String base, double factor, double plusMs, String text) {
        /** {@code suffix}: "" for the first call of a pair, "/again" for the second, compared like with like. */
        boolean met(Map<String, Double> medians, String suffix, double value) {
            return value <= limit(this, medians, suffix);
        }
    }

    static final List<Row> ROWS = List.of(
            new Row("direct", "the model server directly", null),
            new Row("get_flow", "GET /flows/v2/flow/{id}", new Target(null, 0, 0.5, "<= 0.5 ms")),
            new Row("validate", "POST /flows/v2/validate", null),
            new Row("process", "POST /flows/v2/process, one task on that server", new Target("direct", 1, 1.5, "<= direct + 1.5 ms")),
            new Row("classify", "POST /recognition/v2/classify on that task", new Target("direct", 1, 1.5, "<= direct + 1.5 ms")),
            new Row("slow_direct", "a " + SLOW_MS + " ms model directly (the slowest branch)", null),
            new Row("parallel", BRANCHES + " parallel " + SLOW_MS + " ms tasks in one flow", new Target("slow_direct", 1.15, 0,
                    "<= 1.15 x slowest branch")));

    static int run(List<String> args, PrintStream out) throws IOException, InterruptedException {
        int rounds = args.isEmpty() ? 70 : Integer.parseInt(args.get(0));
        int warmup = args.size() < 2 ? 2000 : Integer.parseInt(args.get(1));
        Path data = Files.createTempDirectory("vf-latency");
        Path scripts = Files.createTempDirectory("vf-latency-scripts");
        Process model = null;
        PrintStream stderr = System.err;
        try {
            Path serverScript = copy("/bench/model_server.py", scripts);
            Path clientScript = copy("/bench/client.py", scripts);
            model = new ProcessBuilder("python3", serverScript.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String modelUrl = "http://127.0.0.1:" + firstLine(model.getInputStream()).strip();
            // the access log is written as serve writes it, to a stream nobody reads
            System.setErr(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
            try (ServeCommand.Running running = ServeCommand.start(data, "127.0.0.1", 0, false, "bench-token-0123456789abcdef",
                    OutboundPolicy.allowingPrivate(), new PrintStream(OutputStream.nullOutputStream()))) {
                String api = running.server().uri().toString();
                ApiClient client = new ApiClient(running.server().uri(), running.account().token());
                String image = tinyPng();
                String tiny = createTask(client, "tiny", modelUrl + "/classify");
                ArrayNode branches = JSON.createArrayNode();
                for (int i = 0; i < BRANCHES; i++) {
                    String slow = createTask(client, "slow-" + i, modelUrl + "/sleep/" + SLOW_MS);
                    branches.addObject().put("type", "recognition").put("id", "b" + i).put("task", slow).put("output_field", "b" + i);
                }
                ObjectNode one = JSON.createObjectNode().put("name", "one task");
                one.putObject("top_node").put("type", "recognition").put("id", "r").put("task", tiny).put("output_field", "r");
                ObjectNode eight = JSON.createObjectNode().put("name", "parallel");
                eight.putObject("top_node").put("type", "list").put("mode", "parallel").set("actions", branches);
                String oneId = createFlow(client, one);
                String eightId = createFlow(client, eight);

                String records = "[{\"_base64\": \"" + image + "\"}]";
                Map<String, String> auth = Map.of("Authorization", "Token " + running.account().token(),
                        "Content-Type", "application/json");
                Map<String, String> plain = Map.of("Content-Type", "application/json");
                ArrayNode calls = JSON.createArrayNode();
                call(calls, "direct", modelUrl + "/classify", "POST", plain, "{\"records\": " + records + "}");
                call(calls, "get_flow", api + "flows/v2/flow/" + oneId, "GET", auth, null);
                call(calls, "validate", api + "flows/v2/validate", "POST", auth, one.toString());
                call(calls, "process", api + "flows/v2/process", "POST", auth,
                        "{\"flow\": \"" + oneId + "\", \"records\": " + records + "}");
                call(calls, "classify", api + "recognition/v2/classify", "POST", auth,
                        "{\"task_id\": \"" + tiny + "\", \"version\": null, \"records\": " + records + "}");
                call(calls, "slow_direct", modelUrl + "/sleep/" + SLOW_MS, "POST", plain, "{\"records\": " + records + "}")
                        .put("warmup", warmup / 100);
                call(calls, "parallel", api + "flows/v2/process", "POST", auth,
                        "{\"flow\": \"" + eightId + "\", \"records\": " + records + "}").put("warmup", warmup / 10);
                ObjectNode plan = JSON.createObjectNode().put("rounds", rounds).put("warmup", warmup).set("calls", calls);

                Process py = new ProcessBuilder("python3", clientScript.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try (OutputStream in = py.getOutputStream()) {
                    in.write(JSON.writeValueAsBytes(plan));
                }
                byte[] result = py.getInputStream().readAllBytes();
                if (py.waitFor() != 0) {
                    throw new IOException("the bench client failed");
                }
                print(out, JSON.readTree(result), rounds, warmup);
            }
        } finally {
            System.setErr(stderr);
            if (model != null) {
                model.destroy();
                model.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return 0;
    }

    private static void print(PrintStream out, JsonNode times, int rounds, int warmup) {
        Map<String, Double> medians = new java.util.HashMap<>();
        times.fields().forEachRemaining(e -> medians.put(e.getKey(), median(e.getValue())));
        out.printf(Locale.ROOT, "Visionflow latency from an external client (Python http.client, keep-alive), %d rounds after"
                + " %d warm-up calls each, medians, %d cores, Java %s%n", rounds, warmup, Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        out.printf(Locale.ROOT, "%-50s %10s %10s %10s %-34s%n", "call", "after idle", "p90", "again", "target (checked on both)");
        for (Row row : ROWS) {
            double first = medians.get(row.name());
            double again = medians.get(row.name() + "/again");
            String target = "";
            if (row.target() != null) {
                target = row.target().text();
                if (row.target().base() != null) {
                    target += String.format(Locale.ROOT, " (%.2f/%.2f)", limit(row.target(), medians, ""),
                            limit(row.target(), medians, "/again"));
                }
                target += (row.target().met(medians, "", first) ? " met" : " MISSED") + " / "
                        + (row.target().met(medians, "/again", again) ? "met" : "MISSED");
            }
            out.printf(Locale.ROOT, "%-50s %7.2f ms %7.2f ms %7.2f ms %s%n", row.label(), first,
                    percentile(times.get(row.name()), 0.9), again, target);
        }
        out.printf(Locale.ROOT, "one-task flow - direct: %+.2f ms (again %+.2f ms); %d parallel branches / slowest branch: %.2fx"
                        + " (again %.2fx)%n", medians.get("process") - medians.get("direct"),
                medians.get("process/again") - medians.get("direct/again"), BRANCHES,
                medians.get("parallel") / medians.get("slow_direct"),
                medians.get("parallel/again") / medians.get("slow_direct/again"));
    }

    private static double limit(Target t, Map<String, Double> medians, String suffix) {
        return (t.base() == null ? 0 : medians.get(t.base() + suffix) * t.factor()) + t.plusMs();
    }

    private static double median(JsonNode values) {
        return percentile(values, 0.5);
    }

    private static double percentile(JsonNode values, double p) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).asDouble();
        }
        Arrays.sort(v);
        if (p == 0.5 && v.length % 2 == 0) {
            return (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
        return v[Math.min(v.length - 1, (int) Math.floor(p * v.length))];
    }

    private static ObjectNode call(ArrayNode calls, String name, String url, String method, Map<String, String> headers,
                                   String body) {
        ObjectNode c = calls.addObject().put("name", name).put("url", url).put("method", method);
        c.set("headers", JSON.valueToTree(headers));
        if (body != null) {
            c.put("body", body);
        }
        return c;
    }

    private static String createTask(ApiClient client, String name, String url) throws IOException {
        ObjectNode task = JSON.createObjectNode().put("name", name);
        task.putArray("labels").add("day").add("night");
        task.putObject("backend").put("kind", "http").put("url", url);
        ApiClient.Reply r = client.post("recognition/v2/task/", JSON.writeValueAsBytes(task));
        if (r.status() / 100 != 2) {
            throw new IOException("creating task " + name + " answered " + r.status() + ": " + r.body());
        }
        return r.body().get("id").asText();
    }

    private static String createFlow(ApiClient client, ObjectNode flow) throws IOException {
        ApiClient.Reply r = client.post("flows/v2/flow/", JSON.writeValueAsBytes(flow));
        if (r.status() / 100 != 2) {
            throw new IOException("creating flow answered " + r.status() + ": " + r.body());
        }
        return r.body().get("id").asText();
    }

    private static Path copy(String resource, Path dir) throws IOException {
        Path target = dir.resolve(Path.of(resource).getFileName().toString());
        try (InputStream in = LatencyBench.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing resource " + resource);
            }
            Files.copy(in, target);
        }
        return target;
    }

    private static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.write(c);
        }
        if (line.size() == 0) {
            throw new IOException("the model server did not start");
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** A 16×16 PNG: what a thumbnail costs to send, so the figures are the server's, not the image's. */
    private static String tinyPng() throws IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, (x * 16) << 16 | (y * 16) << 8 | 128);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }
}
