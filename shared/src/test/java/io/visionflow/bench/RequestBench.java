package io.visionflow.bench;

import io.visionflow.net.OriginFormOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.Tokens;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.async.sqs.SqsStepQueue;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.request.AsyncRequests;
import io.visionflow.store.Account;
import io.visionflow.store.Stores;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.Classification;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.onnx.Activation;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.DirectoryModelSource;
import io.visionflow.task.onnx.Preprocessing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code ./visionflow bench} (part of the async one): async requests through the API, from the
 * submit to the webhook's arrival at a real HTTP receiver on loopback, as users see them. A
 * 3-task flow (a parallel list of 3 recognitions) over requests of 10 records, 8 in flight, with
 * no-op tasks and with a real ONNX model; locally (in-process queue, memory state) and on the
 * emulators (SQS on ElasticMQ, state on dynalite). The sync endpoint on the same flow and
 * records is the reference for the time added per step.
 */
final class RequestBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "bench";
    private static final String TOKEN = "bench-token-0123456789";
    private static final int RECORDS = 10;
    private static final int IN_FLIGHT = Integer.getInteger("bench.async.inflight", 8);
    /** Steps of a record: its start, the list and 3 recognitions. */
    private static final int STEPS_PER_RECORD = 5;

    private RequestBench() {
    }

    private record Result(double recordsPerSecond, double p50, double p99) {
    }

    static void run(int requests, int workers) throws Exception {
        System.out.printf("%nAsync requests through the API, submit to webhook: a parallel list of 3 recognitions,"
                + " %d requests of %d records, %d in flight%n", requests, RECORDS, IN_FLIGHT);
        System.out.println("| tasks | queue + state | records/s | p50 submit→webhook | p99 | sync p50 | added per step |");
        System.out.println("|---|---|---|---|---|---|---|");
        DynamoStores tables = DynamoStores.of(AwsEmulators.dynamoClient(), "bench-requests-").createRunsTable();
        Path models = Path.of(RequestBench.class.getResource("/models").toURI());
        try (BackendRunners onnx = new BackendRunners(new DirectoryModelSource(models))) {
            for (String tasks : List.of("no-op", "ONNX")) {
                TaskRunners runners = tasks.equals("no-op") ? noop() : onnx;
                measure(tasks, "in-process + memory", runners, c -> c.async =
                        AsyncRequests.Options.defaults().withWorkers(workers, 10_000), requests);
                ElasticMq.Queues queues = ElasticMq.queues("bench-requests-" + tasks.replace("-", ""), 30, 5);
                measure(tasks, "SQS (ElasticMQ) + DynamoDB (dynalite)", runners, c -> {
                    c.asyncState = tables.asyncState(Clock.systemUTC());
                    c.stepKindsHere = AsyncSteps.WORKER_KINDS; // one process holds every kind of step
                    c.stepQueue = (handler, dead) -> new SqsStepQueue(ElasticMq.client(), queues.url())
                            .poll(queues.deadLetterUrl(), handler, dead, workers);
                }, Math.max(8, requests / 4));
            }
        }
    }

    private static TaskRunners noop() {
        Classification answer = new Classification(List.of(new LabelProb("l-red", "red", 1)));
        TaskRunner runner = new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                return answer;
            }
        };
        return task -> runner;
    }

    private static void measure(String tasks, String name, TaskRunners runners, Consumer<Api.Config> host, int requests)
            throws Exception {
        Stores stores = MemoryStores.create();
        stores.accounts().create(new Account(ACCOUNT, "Bench", "bench-secret", Instant.now()));
        stores.accounts().addToken(ACCOUNT, Tokens.hash(TOKEN));
        List<Label> labels = List.of(new Label("l-red", "red"), new Label("l-green", "green"), new Label("l-blue", "blue"));
        for (String id : List.of("a", "b", "c")) {
            OnnxBackend backend = tasks.equals("ONNX") ? new OnnxBackend("mean_colour.onnx", Preprocessing.fixed(32, 32),
                    new ClassifierOutput(Activation.SOFTMAX, null)) : null;
            stores.tasks().create(ACCOUNT, new Task(id, id, TaskKind.CLASSIFICATION, labels, backend));
        }
        Map<String, CompletableFuture<Long>> arrivals = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        OriginFormOnly.context(receiver, "/", exchange -> {
            long at = System.nanoTime();
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            arrival(arrivals, body.path("id").asText()).complete(at);
        });
        receiver.start();
        try (Api api = Api.create(c -> {
            c.stores = stores;
            c.runners = runners;
            c.outbound = OutboundPolicy.allowingPrivate(); // the receiver is on loopback
            c.maxAsyncRecords = RECORDS;
            host.accept(c);
        })) {
            ApiResponse flow = api.handle(ApiRequest.json("POST", "/flows/v2/flow/", TOKEN, """
                    {"name": "three", "top_node": {"type": "list", "mode": "parallel", "actions": [
                      {"type": "recognition", "id": "a", "task": "a", "output_field": "a"},
                      {"type": "recognition", "id": "b", "task": "b", "output_field": "b"},
                      {"type": "recognition", "id": "c", "task": "c", "output_field": "c"}]}}"""));
            String flowId = flow.bodyJson().path("id").asText();
            ObjectNode body = JSON.createObjectNode().put("flow", flowId);
            ArrayNode records = body.putArray("records");
            for (int i = 0; i < RECORDS; i++) {
                records.addObject().put("_id", "r" + i).put("_base64", png(new Color(25 * i, 255 - 25 * i, 100)));
            }
            String sync = body.toString();
            body.putObject("webhook").put("endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
            String async = body.toString();

            double syncP50 = syncP50(api, sync, requests);
            for (int i = 0; i < 2; i++) { // warm-up
                submitAndWait(api, async, arrivals);
            }
            double[] latencies = new double[requests];
            Semaphore slots = new Semaphore(IN_FLIGHT);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                slots.acquire();
                int n = i;
                long t = System.nanoTime();
                String id = submit(api, async);
                all.add(arrival(arrivals, id).thenAccept(at -> {
                    latencies[n] = (at - t) / 1e6;
                    slots.release();
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(latencies);
            Result r = new Result(requests * RECORDS / seconds, latencies[requests / 2],
                    latencies[Math.min(requests - 1, (int) (requests * 0.99))]);
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.1f ms | %.1f ms | %.1f ms | +%.2f ms |%n", tasks, name,
                    r.recordsPerSecond(), r.p50(), r.p99(), syncP50, (r.p50() - syncP50) / (RECORDS * STEPS_PER_RECORD));
        } finally {
            receiver.stop(0);
        }
    }

    private static double syncP50(Api api, String body, int requests) {
        double[] latencies = new double[Math.min(requests, 40)];
        for (int i = -2; i < latencies.length; i++) {
            long t = System.nanoTime();
            ApiResponse r = api.handle(ApiRequest.json("POST", "/flows/v2/process", TOKEN, body));
            if (r.status() != 200) {
                throw new IllegalStateException("the sync call failed: " + r.bodyText());
            }
            if (i >= 0) {
                latencies[i] = (System.nanoTime() - t) / 1e6;
            }
        }
        Arrays.sort(latencies);
        return latencies[latencies.length / 2];
    }

    private static void submitAndWait(Api api, String body, Map<String, CompletableFuture<Long>> arrivals)
            throws Exception {
        arrival(arrivals, submit(api, body)).get(2, TimeUnit.MINUTES);
    }

    private static String submit(Api api, String body) {
        ApiResponse r = api.handle(ApiRequest.json("POST", "/account/v2/request/", TOKEN, body));
        if (r.status() != 201) {
            throw new IllegalStateException("the async request was refused: " + r.bodyText());
        }
        return r.bodyJson().path("id").asText();
    }

    private static CompletableFuture<Long> arrival(Map<String, CompletableFuture<Long>> arrivals, String id) {
        return arrivals.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    private static String png(Color color) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, color.getRGB());
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
