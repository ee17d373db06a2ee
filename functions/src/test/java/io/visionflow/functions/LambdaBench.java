package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.image.BlobImageStore;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.http.FakeModelServer;
import io.visionflow.worker.RemoteStepExecutor;
import io.visionflow.worker.WorkerKind;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code ./visionflow bench-lambda}: what a Lambda deployment costs, measured on this machine with
 * the shaded jars and the emulators.
 * <ol>
 *   <li>Cold start of the API function: a fresh JVM on visionflow-api.jar builds the Api from its
 *   environment and answers a flow whose task is an http model server: time from the JVM's launch
 *   to the first answer, the first and the warm second event, and the CPU time spent, with and
 *   without the template's C1-only JAVA_TOOL_OPTIONS, with and without the warm-up, on both cores
 *   and on one (as a function under 1769 MB gets less than one vCPU), side by side with the jar's size.</li>
 *   <li>The same for the model worker's first step on a real ONNX model (BlazeFace, from S3).</li>
 *   <li>The invoke hop: one sync flow driven through the Lambda Invoke server (SDK LambdaClient,
 *   HTTP, worker handler, images through S3) vs the same flow in-process, alternating, as a ratio.</li>
 * </ol>
 * Without SnapStart: a snapshot restore skips the JVM start and the priming work measured here.
 */
public final class LambdaBench {
    private static final Path API_JAR = ApiJarTest.JAR;

    private LambdaBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 5);
        Path tmp = Files.createTempDirectory("visionflow-bench-lambda");
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        System.out.printf("Visionflow Lambda bench: %d rounds, Java %s, %d cores%n%n", rounds,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        // -Dbench.parts=api,worker,hop picks parts; -Dbench.jvm="-Xlog:..." adds options to every fresh JVM
        String parts = System.getProperty("bench.parts", "api,worker,hop");
        if (parts.contains("api")) {
            apiColdStart(tmp, rounds);
        }
        if (parts.contains("worker")) {
            workerColdStart(tmp, rounds);
        }
        if (parts.contains("hop")) {
            invokeHop(tmp, Math.max(rounds * 4, 20));
        }
        System.exit(0);
    }

    private static final List<String> EXTRA = System.getProperty("bench.jvm", "").isBlank() ? List.of()
            : List.of(System.getProperty("bench.jvm").trim().split("\\s+"));
    private static final List<String> C1 = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");

    /**
     * One way to start the function: JVM options, extra environment, one core or all of them, and
     * whether the priming hook runs before the first event (what a SnapStart restore starts from).
     */
    record Variant(String name, List<String> flags, Map<String, String> env, boolean oneCore, boolean primed) {
    }

    private static final Map<String, String> NO_WARMUP = Map.of(Warmup.VARIABLE, "off");
    private static final List<Variant> VARIANTS = List.of(
            new Variant("default JVM options", EXTRA, Map.of(), false, false),
            new Variant("C1 only (the template's `JAVA_TOOL_OPTIONS`)", concat(EXTRA, C1), Map.of(), false, false),
            new Variant("C1, no warm-up (`VISIONFLOW_WARMUP=off`)", concat(EXTRA, C1), NO_WARMUP, false, false),
            new Variant("C1, one core", concat(EXTRA, C1), Map.of(), true, false),
            new Variant("C1, one core, no warm-up", concat(EXTRA, C1), NO_WARMUP, true, false),
            // SnapStart's init starts no warm-up: the hook does the work, before the snapshot
            new Variant("C1, priming hook run first (what a restored snapshot starts from)", concat(EXTRA, C1),
                    Map.of(Warmup.INITIALIZATION_TYPE, "snap-start"), false, true));

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static Map<String, String> with(Map<String, String> env, Variant v) {
        Map<String, String> out = new HashMap<>(env);
        out.putAll(v.env());
        return out;
    }

    private static void apiColdStart(Path tmp, int rounds) throws Exception {
        ApiJarTest.Deployment d = ApiJarTest.Deployment.create(tmp);
        try (FakeModelServer model = FakeModelServer.start().classify("/classify", Map.of("Shirt", 0.7, "Pants", 0.3));
             Api api = d.loopbackApi()) {
            Map<String, String> values = d.httpTaskFlow(api, model);
            List<String> events = ApiJarTest.Deployment.events(tmp, values, "process-flow", "process-flow");
            System.out.printf("API function, fresh JVM on %s (%.1f MB), http-task flow, medians:%n",
                    API_JAR.getFileName(), Files.size(API_JAR) / 1e6);
            table(rounds, v -> FreshJvm.run(API_JAR, ApiJarMain.class, with(d.env(), v),
                    v.primed() ? concat(List.of("--primed"), events) : events, tmp, v.flags(), v.oneCore()),
                    a -> a.startsWith("200 "), 1);
        }
    }

    private static void workerColdStart(Path tmp, int rounds) throws Exception {
        WorkerJarTest.Step step = WorkerJarTest.Step.faceDetection(tmp);
        Path file = tmp.resolve("step.json");
        Files.write(file, step.request());
        Path jar = WorkerJarTest.jar(System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x86_64");
        System.out.printf("%nModel worker, fresh JVM on %s (%.1f MB), BlazeFace detection step, model from S3, medians:%n",
                jar.getFileName(), Files.size(jar) / 1e6);
        table(rounds, v -> FreshJvm.run(jar, WorkerJarMain.class, with(step.env(), v),
                v.primed() ? List.of("--primed", file.toString(), file.toString()) : List.of(file.toString(), file.toString()),
                tmp, v.flags(), v.oneCore()), a -> !a.contains("\"failure\""), 0);
    }

    @FunctionalInterface
    interface Run {
        FreshJvm.Result run(Variant variant) throws Exception;
    }

    /**
     * Rounds of fresh JVMs per variant, alternating; prints medians. {@code timeField}: column of
     * the ms in an answer. The CPU column is the process's CPU time (all its threads) when it
     * answered: the work a cold start does, whatever the cores it was spread over.
     */
    private static void table(int rounds, Run run, java.util.function.Predicate<String> ok, int timeField) throws Exception {
        Map<Variant, List<long[]>> byVariant = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Variant v : VARIANTS) {
                FreshJvm.Result res = run.run(v);
                List<String> answers = res.answers();
                if (res.exit() != 0 || answers.size() != 2 || !answers.stream().allMatch(ok)) {
                    throw new IllegalStateException("bad run: " + res.lines() + res.stderr());
                }
                byVariant.computeIfAbsent(v, k -> new ArrayList<>()).add(new long[] {res.stat("first-answer"),
                        Long.parseLong(answers.get(0).split(" ")[timeField]), Long.parseLong(answers.get(1).split(" ")[timeField]),
                        res.stat("cpu-at-first-answer")});
            }
        }
        System.out.println("| start | JVM start → first answer | first event | warm second event | CPU time at first answer |");
        System.out.println("|---|---|---|---|---|");
        for (Variant v : VARIANTS) {
            List<long[]> runs = byVariant.get(v);
            System.out.printf("| %s | %s | %d ms | %d ms | %s |%n", v.name() + (EXTRA.isEmpty() ? "" : ", " + String.join(" ", EXTRA)),
                    v.primed() ? "—" : median(runs, 0) + " ms", median(runs, 1), median(runs, 2),
                    v.primed() ? "—" : median(runs, 3) + " ms");
        }
    }

    private static long median(List<long[]> runs, int field) {
        long[] values = runs.stream().mapToLong(r -> r[field]).sorted().toArray();
        return values[values.length / 2];
    }

    /** The same flows in-process and through the Invoke server, alternating, after a warm-up of both. */
    private static void invokeHop(Path tmp, int rounds) throws Exception {
        ApiJarTest.Deployment d = ApiJarTest.Deployment.create(tmp);
        Map<String, String> env = new HashMap<>(d.env());
        try (LambdaInvokeServer lambda = LambdaInvokeServer.start();
             BackendRunners runners = new BackendRunners(key -> d.stores().blobs().localFile(key));
             Api local = Api.create(c -> {
                 c.stores = d.stores();
                 c.runners = runners;
             })) {
            lambda.function("vf-model", new ModelWorkerHandler(WorkerEnvironment.create(env, ServiceCatalog.empty())));
            env.put(LambdaStepInvoker.LAMBDA_ENDPOINT, lambda.endpoint().toString());
            LambdaStepInvoker invoker = new LambdaStepInvoker(LambdaStepInvoker.client(env, Duration.ofSeconds(25)),
                    Map.of(WorkerKind.MODEL, "vf-model:live"));
            try (Api remote = Api.create(c -> {
                c.stores = d.stores();
                c.runners = new HttpOnlyRunners();
                c.executor = new RemoteStepExecutor(invoker);
                BlobImageStore.Cache none = new BlobImageStore.Cache(0);
                c.images = account -> new BlobImageStore(d.stores().blobs(), account, none);
            })) {
                String token = d.token();
                String meanColour = upload(local, token, "mean_colour.onnx");
                String brightness = upload(local, token, "brightness.onnx");
                String topBottom = upload(local, token, "top_bottom.onnx");
                String[] tasks = {classifier(local, token, meanColour, "colour", "red", "green", "blue"),
                        classifier(local, token, brightness, "light", "dark", "bright"),
                        classifier(local, token, topBottom, "view", "sky", "ground")};
                String parallel = ok(local, token, "POST", "/flows/v2/flow", """
                        {"name": "three", "top_node": {"type": "list", "mode": "parallel", "actions": [
                          {"type": "recognition", "id": "a", "task": "%s", "output_field": "colour"},
                          {"type": "recognition", "id": "b", "task": "%s", "output_field": "light"},
                          {"type": "recognition", "id": "c", "task": "%s", "output_field": "view"}]}}"""
                        .formatted((Object[]) tasks)).get("id").asText();
                String sequence = ok(local, token, "POST", "/flows/v2/flow", """
                        {"name": "three in a row", "top_node": {"type": "list", "mode": "sequence", "actions": [
                          {"type": "recognition", "id": "a", "task": "%s", "output_field": "colour"},
                          {"type": "recognition", "id": "b", "task": "%s", "output_field": "light"},
                          {"type": "recognition", "id": "c", "task": "%s", "output_field": "view"}]}}"""
                        .formatted((Object[]) tasks)).get("id").asText();
                String photo = record(photo());
                System.out.printf("%nInvoke hop: the same sync flow through the Lambda Invoke server (SDK LambdaClient, HTTP,"
                        + " worker handler, images via S3 on s3rver) vs in-process, %d alternating rounds, medians per request:%n", rounds);
                System.out.println("| flow (one 640×480 photo) | in-process | through workers | ratio | per step |");
                System.out.println("|---|---|---|---|---|");
                for (String[] flow : new String[][] {{"3 recognitions in parallel", parallel}, {"3 recognitions in sequence", sequence}}) {
                    String body = "{\"flow\": \"" + flow[1] + "\", \"records\": [" + photo + "]}";
                    Supplier<JsonNode> here = () -> ok(local, token, "POST", "/flows/v2/process", body);
                    Supplier<JsonNode> there = () -> ok(remote, token, "POST", "/flows/v2/process", body);
                    if (!here.get().get("records").equals(there.get().get("records"))) {
                        throw new IllegalStateException("the two drivers disagree");
                    }
                    long[] a = new long[rounds];
                    long[] b = new long[rounds];
                    for (int r = 0; r < rounds; r++) {
                        a[r] = time(here);
                        b[r] = time(there);
                    }
                    java.util.Arrays.sort(a);
                    java.util.Arrays.sort(b);
                    double ma = a[rounds / 2] / 1e6;
                    double mb = b[rounds / 2] / 1e6;
                    System.out.printf("| %s | %.2f ms | %.2f ms | %.2f× | +%.2f ms |%n", flow[0], ma, mb, mb / ma, (mb - ma) / 3);
                }
            }
        }
    }

    private static long time(Supplier<JsonNode> call) {
        long start = System.nanoTime();
        call.get();
        return System.nanoTime() - start;
    }

    private static JsonNode ok(Api api, String token, String method, String path, String body) {
        ApiResponse r = api.handle(ApiRequest.json(method, path, token, body));
        if (r.status() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + ": " + r.bodyText());
        }
        return r.bodyJson();
    }

    private static String upload(Api api, String token, String name) throws Exception {
        byte[] bytes;
        try (InputStream in = LambdaBench.class.getResourceAsStream("/models/" + name)) {
            bytes = in.readAllBytes();
        }
        ApiResponse r = api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(),
                Map.of("content-type", "application/octet-stream", "authorization", "Token " + token), bytes));
        return r.bodyJson().get("id").asText();
    }

    private static String classifier(Api api, String token, String model, String name, String... labels) {
        return ok(api, token, "POST", "/recognition/v2/task/", """
                {"name": "%s", "labels": %s, "backend": {"kind": "onnx", "model": "%s",
                 "preprocessing": {"width": 32, "height": 32}, "output": {"decoder": "classifier", "activation": "softmax"}}}"""
                .formatted(name, EventFiles.JSON.valueToTree(labels), model)).get("id").asText();
    }

    private static BufferedImage photo() throws Exception {
        try (InputStream in = LambdaBench.class.getResourceAsStream("/photos/coffee.jpg")) {
            BufferedImage src = ImageIO.read(in);
            BufferedImage out = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = out.createGraphics();
            g.setColor(Color.WHITE);
            g.drawImage(src, 0, 0, 640, 480, null);
            g.dispose();
            return out;
        }
    }

    private static String record(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return "{\"_base64\": \"" + Base64.getEncoder().encodeToString(out.toByteArray()) + "\"}";
    }
}
