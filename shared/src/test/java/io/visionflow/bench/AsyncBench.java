package io.visionflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.async.AsyncDriver;
import io.visionflow.async.AsyncState;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.MemoryAsyncState;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.async.sqs.SqsStepQueue;
import io.visionflow.engine.Driver;
import io.visionflow.engine.Engine;
import io.visionflow.engine.RunResult;
import io.visionflow.engine.StepExecutor;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;
import io.visionflow.task.Classification;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;

import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * {@code ./visionflow bench} (part): async runs as step messages, end to end, against the sync
 * engine on the same 3-task flow with no-op tasks: records per second with 8 requests of 10
 * records in flight, and p50/p99 from submit to the last record's end, on the in-process queue
 * with the memory state, and on SQS (ElasticMQ) with DynamoDB (dynalite). Per-step overhead is
 * the p50 latency added per step of a request (its 10 records × 4 steps).
 */
public final class AsyncBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FLOW = """
            {"name": "three", "top_node": {"type": "list", "mode": "parallel", "actions": [
              {"type": "recognition", "id": "a", "task": "noop", "output_field": "a"},
              {"type": "recognition", "id": "b", "task": "noop", "output_field": "b"},
              {"type": "recognition", "id": "c", "task": "noop", "output_field": "c"}]}}""";
    private static final int RECORDS = 10;
    private static final int IN_FLIGHT = Integer.getInteger("bench.async.inflight", 8);
    /** Queue consumers: virtual threads, each handling one message at a time. */
    private static final int WORKERS = Integer.getInteger("bench.async.workers", 32);

    private AsyncBench() {
    }

    public static void main(String[] args) throws Exception {
        int requests = Integer.getInteger("bench.async.requests", 40);
        System.setProperty("aws.accessKeyId", "S3RVER");
        System.setProperty("aws.secretAccessKey", "S3RVER");
        System.out.printf("%nAsync runs as step messages: a parallel list of 3 no-op recognitions, %d requests of %d records,"
                + " %d requests in flight (%d cores)%n", requests, RECORDS, IN_FLIGHT, Runtime.getRuntime().availableProcessors());
        System.out.println("| driver | records/s | p50 request | p99 request | per step vs sync |");
        System.out.println("|---|---|---|---|---|");
        Result sync = measure("sync, in-process", () -> null, requests);
        print(sync, sync);
        print(measure("async, in-process queue + memory state", () -> AsyncDriver.inProcess(new MemoryAsyncState(),
                StepExecutor.IN_PROCESS, WORKERS), requests), sync);
        DynamoStores tables = DynamoStores.of(AwsEmulators.dynamoClient(), "bench-async-").createRunsTable();
        // each emulator on its own, to tell which one sets the pace
        print(measure("async, SQS (ElasticMQ) + memory state", () -> {
            ElasticMq.Queues queues = ElasticMq.queues("bench", 30, 5);
            return new AsyncDriver(new MemoryAsyncState(), StepExecutor.IN_PROCESS, (handler, dead) ->
                    new SqsStepQueue(ElasticMq.client(), queues.url()).poll(queues.deadLetterUrl(), handler, dead, WORKERS),
                    AsyncSteps.WORKER_KINDS);
        }, Math.max(8, requests / 4)), sync);
        print(measure("async, in-process queue + DynamoDB (dynalite)", () -> AsyncDriver.inProcess(
                tables.asyncState(Clock.systemUTC()), StepExecutor.IN_PROCESS, WORKERS), Math.max(8, requests / 4)), sync);
        print(measure("async, SQS (ElasticMQ) + DynamoDB (dynalite)", () -> {
            AsyncState state = tables.asyncState(Clock.systemUTC());
            ElasticMq.Queues queues = ElasticMq.queues("bench", 30, 5);
            return new AsyncDriver(state, StepExecutor.IN_PROCESS, (handler, dead) ->
                    new SqsStepQueue(ElasticMq.client(), queues.url()).poll(queues.deadLetterUrl(), handler, dead, WORKERS),
                    AsyncSteps.WORKER_KINDS);
        }, Math.max(8, requests / 4)), sync);
        RequestBench.run(requests, WORKERS);
        System.exit(0);
    }

    private record Result(String name, double recordsPerSecond, double p50, double p99) {
    }

    /** Steps of one request: 10 records, each a list and its 3 recognitions. */
    private static final int STEPS = RECORDS * 4;

    private static void print(Result r, Result sync) {
        System.out.printf(Locale.ROOT, "| %s | %.0f | %.1f ms | %.1f ms | %s |%n", r.name(), r.recordsPerSecond(), r.p50(), r.p99(),
                r == sync ? "-" : String.format(Locale.ROOT, "+%.2f ms", (r.p50() - sync.p50()) / STEPS));
    }

    private static Result measure(String name, Supplier<Driver> driver, int requests) throws Exception {
        Map<String, Task> tasks = Map.of("noop", new Task("noop", "noop", TaskKind.CLASSIFICATION, List.of(new Label("x", "x")), null));
        Classification answer = new Classification(List.of(new LabelProb("x", "x", 1)));
        TaskRunner noop = new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                return answer;
            }
        };
        BufferedImage tiny = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Map<String, FlowDefinition> flows = new HashMap<>();
        Driver d = driver.get();
        try (Engine engine = Engine.create(c -> {
            c.tasks = id -> Optional.ofNullable(tasks.get(id));
            c.flows = id -> Optional.ofNullable(flows.get(id));
            c.runners = t -> noop;
            c.loader = record -> tiny;
            c.deadline = Duration.ofMinutes(2);
            c.driver = d;
        })) {
            flows.put("three", engine.validate(JSON.readTree(FLOW), "three").definition());
            List<ObjectNode> batch = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                batch.add(JSON.createObjectNode().put("_id", "r" + i));
            }
            // warm-up, then the measured requests, IN_FLIGHT at a time
            for (int i = 0; i < 3; i++) {
                check(engine.process("three", batch));
            }
            double[] latencies = new double[requests];
            var pool = Executors.newFixedThreadPool(IN_FLIGHT);
            long start = System.nanoTime();
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int n = i;
                all.add(pool.submit(() -> {
                    long t = System.nanoTime();
                    check(engine.process("three", batch));
                    latencies[n] = (System.nanoTime() - t) / 1e6;
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            Arrays.sort(latencies);
            double recordsPerSecond = requests * RECORDS / seconds;
            return new Result(name, recordsPerSecond, latencies[requests / 2], latencies[Math.min(requests - 1, (int) (requests * 0.99))]);
        }
    }

    private static void check(RunResult r) {
        if (r.credits() != 3 * RECORDS || r.records().stream().anyMatch(x -> x.at("/_status/code").asInt() != 200)) {
            throw new IllegalStateException("a bench run went wrong: " + r.records());
        }
    }
}
