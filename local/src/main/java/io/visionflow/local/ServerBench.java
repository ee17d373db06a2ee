package io.visionflow.local;

import io.visionflow.store.BlobModelSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.engine.Engine;
import io.visionflow.engine.ImageRecordLoader;
import io.visionflow.engine.RunResult;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowParser;
import io.visionflow.image.HttpUrlFetcher;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.RecordImageSource;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.store.StoredTask;
import io.visionflow.store.Stores;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code visionflow bench-server [throughput [SECONDS] [CLIENTS] | latency [ROUNDS]]}: both parts
 * by default. Latency: see {@link LatencyBench}. Throughput: the demo flow through the local server over
 * HTTP (JSON, base64, loopback) vs the same flow, runners and model sessions through the engine
 * in-process, in alternating rounds so both see the same machine state. The ratio is what HTTP
 * and JSON cost on top of the models.
 */
final class ServerBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 10;

    private ServerBench() {
    }

    private interface Call {
        void run() throws Exception;
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        try {
            if (!args.isEmpty() && args.get(0).equals("latency")) {
                return LatencyBench.run(args.subList(1, args.size()), out);
            }
            if (!args.isEmpty() && args.get(0).equals("throughput")) {
                return bench(args.subList(1, args.size()), out);
            }
            // latency first, on a JVM that has not yet carried the throughput part's load
            int status = LatencyBench.run(List.of(), out);
            out.println();
            return status == 0 ? bench(args, out) : status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("benchmark call failed: " + e.getCause(), e.getCause());
        }
    }

    private static int bench(List<String> args, PrintStream out) throws IOException, InterruptedException,
            java.util.concurrent.ExecutionException {
        double seconds = args.isEmpty() ? 20 : Double.parseDouble(args.get(0));
        int clients = args.size() < 2 ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(args.get(1));
        Stores stores = MemoryStores.create();
        LocalAccount account = LocalAccount.open(stores, java.nio.file.Files.createTempDirectory("vf-bench"), "bench-token-0123456789abcdef");
        DemoSetup.register(stores, account.id(), PretrainedModels.modelsDir());
        String flowId = DemoSetup.FLOWS.get(0);
        FlowDefinition def = FlowParser.parse(stores.flows().get(account.id(), flowId).orElseThrow().definition()).definition();
        try (BackendRunners runners = new BackendRunners(new BlobModelSource(stores.blobs(), account.id()));
             Api api = Api.create(c -> {
                 c.stores = stores;
                 c.runners = runners;
             });
             LocalServer server = LocalServer.start(c -> {
                 c.api = api;
                 c.port = 0;
                 c.accessLog = line -> { };
             });
             Engine engine = Engine.create(c -> {
                 c.runners = runners;
                 c.loader = new ImageRecordLoader(new RecordImageSource(new HttpUrlFetcher(OutboundPolicy.fromEnvironment())),
                         ImageLimits.defaults());
             });
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            ApiClient client = new ApiClient(server.uri(), account.token());
            out.printf(Locale.ROOT, "Visionflow server benchmark: flow \"%s\", %d clients, %d alternating rounds, %.0f s per side, %d cores, Java %s%n",
                    flowId, clients, ROUNDS, seconds, Runtime.getRuntime().availableProcessors(), Runtime.version());
            out.printf(Locale.ROOT, "%-22s %12s %12s %12s %12s %8s %8s%n", "records per request", "HTTP req/s", "HTTP img/s",
                    "engine req/s", "engine img/s", "ratio", "median");
            for (int size : List.of(1, 10)) {
                List<ObjectNode> records = records(size);
                byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("flow", flowId)
                        .<ArrayNode>set("records", JSON.valueToTree(records)));
                Call http = () -> {
                    ApiClient.Reply r = client.post("flows/v2/process", body);
                    check(r.status() == 200 && r.body().path("records").size() == size, r.body());
                };
                Call inProcess = () -> {
                    List<ObjectNode> copy = records.stream().map(ObjectNode::deepCopy).toList();
                    RunResult r = engine.run(account.id(), def, copy, id -> stores.tasks().get(account.id(), id).map(StoredTask::task),
                            id -> Optional.of(def).filter(d -> id.equals(flowId)));
                    check(r.records().size() == size, null);
                };
                measure(pool, clients, http, 2.0);
                measure(pool, clients, inProcess, 2.0);
                long httpN = 0;
                long engineN = 0;
                double httpT = 0;
                double engineT = 0;
                double[] ratios = new double[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    double[] h = measure(pool, clients, http, seconds / ROUNDS);
                    double[] e = measure(pool, clients, inProcess, seconds / ROUNDS);
                    ratios[round] = (e[0] / e[1]) / Math.max(1e-9, h[0] / h[1]);
                    httpN += (long) h[0];
                    httpT += h[1];
                    engineN += (long) e[0];
                    engineT += e[1];
                }
                double httpRps = httpN / httpT;
                double engineRps = engineN / engineT;
                java.util.Arrays.sort(ratios);
                out.printf(Locale.ROOT, "%-22d %12.2f %12.2f %12.2f %12.2f %7.2fx %7.2fx%n", size, httpRps, httpRps * size,
                        engineRps, engineRps * size, engineRps / httpRps, (ratios[ROUNDS / 2 - 1] + ratios[ROUNDS / 2]) / 2);
            }
            out.println("ratio = in-process throughput / HTTP throughput over all rounds; median = median of the per-round ratios");
            out.println("(1 record: the portrait; 10 records: portrait and notice alternating, the notice adds 3 orientation calls)");
        }
        return 0;
    }

    private static void check(boolean ok, JsonNode body) {
        if (!ok) {
            throw new IllegalStateException("unexpected answer: " + body);
        }
    }

    /** Runs {@code call} from {@code clients} threads for {@code seconds}; returns {calls, elapsed seconds}. */
    private static double[] measure(ExecutorService pool, int clients, Call call, double seconds)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    call.run();
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        return new double[]{done.get(), (System.nanoTime() - start) / 1e9};
    }

    /** The demo's two samples, alternating: a portrait (one face) and a notice (three text lines). */
    private static List<ObjectNode> records(int n) throws IOException {
        String[] samples = {"astronaut.jpg", "notice.png"};
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String s = samples[i % 2];
            out.add(JSON.createObjectNode().put("_id", s)
                    .put("_base64", Base64.getEncoder().encodeToString(DemoSetup.resource("/samples/" + s))));
        }
        return out;
    }
}
