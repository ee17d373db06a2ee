package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Envelope;
import io.visionflow.engine.Engine;
import io.visionflow.engine.FlowException;
import io.visionflow.engine.ImageRecordLoader;
import io.visionflow.engine.RunResult;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.flow.Problem;
import io.visionflow.image.HttpUrlFetcher;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.RecordImageSource;
import io.visionflow.net.AddressClassifier;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.service.BuiltinServices;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.Task;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The local command line: runs flows in this process on the pretrained models.
 * {@code demo} runs the demo flows (models, then services) on the bundled sample images; {@code run} runs a flow file on
 * images; {@code validate} checks a flow file. {@code serve} hosts the HTTP API, and
 * {@code process}, {@code flows} and {@code tasks} script a running server (each delegates to its class).
 */
public final class Main {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String USAGE = """
            usage: visionflow demo                      run the demo flows on the bundled sample images
                   visionflow run FLOW.json IMAGE|URL…  run a flow definition on image files or http(s) URLs
                   visionflow validate FLOW.json        list every problem of a flow definition
                   visionflow serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--demo] [--allow-loopback]
                                                        serve the HTTP API on the stores of DIR (default ./visionflow-data)
                   visionflow process --flow ID [--url URL] IMAGE|URL…
                                                        process images on a running server, 10 per request
                   visionflow flows [--url URL]         list the flows of a running server
                   visionflow tasks [--url URL]         list a running server's tasks (without one: the pretrained tasks)
                   visionflow bench-server [latency [ROUNDS] [WARMUP] | throughput [SECONDS] [CLIENTS]]
                                                        requests/s over HTTP vs in-process; latency from an outside client
                   (the client commands take --token T, else $VISIONFLOW_TOKEN, else DIR/token)""";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (args[0]) {
                case "demo" -> demo(out);
                case "run" -> args.length < 3 ? usage(err) : runFlow(Path.of(args[1]), List.of(args).subList(2, args.length), out, err);
                case "validate" -> args.length != 2 ? usage(err) : validate(Path.of(args[1]), out);
                case "tasks" -> ClientCommands.tasks(rest(args), out, err, System.getenv(LocalAccount.TOKEN_ENV));
                case "serve" -> ServeCommand.run(rest(args), out, err);
                case "process" -> ClientCommands.process(rest(args), out, err, System.getenv(LocalAccount.TOKEN_ENV));
                case "flows" -> ClientCommands.flows(rest(args), out, err, System.getenv(LocalAccount.TOKEN_ENV));
                case "bench-server" -> ServerBench.run(rest(args), out, err);
                default -> usage(err);
            };
        } catch (IOException e) {
            err.println("visionflow: " + e.getMessage());
            return 1;
        } catch (NumberFormatException e) {
            err.println("visionflow: not a number: " + e.getMessage());
            return 2;
        }
    }

    private static List<String> rest(String[] args) {
        return List.of(args).subList(1, args.length);
    }

    private static int usage(PrintStream err) {
        err.println(USAGE);
        return 2;
    }

    private static Map<String, Task> pretrainedTasks() {
        Map<String, Task> tasks = new HashMap<>();
        PretrainedModels.all().forEach(t -> tasks.put(t.id(), t));
        return tasks;
    }

    private static Engine engine(Map<String, Task> tasks, Map<String, FlowDefinition> flows, BackendRunners runners,
                                 BuiltinServices services) {
        return Engine.create(c -> {
            c.tasks = id -> Optional.ofNullable(tasks.get(id));
            c.flows = id -> Optional.ofNullable(flows.get(id));
            c.runners = runners;
            c.services = services.catalog();
            // the local tool fetches its own user's URLs, not a remote caller's: it may read images
            // from this machine's and the LAN's servers (metadata and link-local stay refused)
            c.loader = new ImageRecordLoader(new RecordImageSource(new HttpUrlFetcher(
                    OutboundPolicy.publicAnd(AddressClassifier.Kind.LOOPBACK, AddressClassifier.Kind.PRIVATE))),
                    ImageLimits.defaults());
        });
    }

    /** The demo flows {@code demo} runs on the samples, in this order. */
    static final List<String> DEMO_FLOWS = List.of("faces-and-text", "faces-and-text-services");

    private static int demo(PrintStream out) throws IOException {
        List<ObjectNode> records = new ArrayList<>();
        for (String sample : List.of("astronaut.jpg", "notice.png")) {
            records.add(JSON.createObjectNode()
                    .put("_id", sample)
                    .put("_base64", Base64.getEncoder().encodeToString(resource("/samples/" + sample))));
        }
        int status = 0;
        for (String flow : DEMO_FLOWS) {
            JsonNode flowJson = JSON.readTree(resource("/demo/" + flow + ".json"));
            out.println("flow \"" + flow + "\":");
            out.println(JSON.writeValueAsString(flowJson));
            out.println("response for the samples astronaut.jpg and notice.png:");
            List<ObjectNode> copies = records.stream().map(ObjectNode::deepCopy).toList();
            status = Math.max(status, process(flowJson, copies, out));
        }
        return status;
    }

    private static int runFlow(Path flowFile, List<String> images, PrintStream out, PrintStream err) throws IOException {
        List<ObjectNode> records = new ArrayList<>();
        for (String image : images) {
            ObjectNode r = JSON.createObjectNode().put("_id", image);
            if (image.startsWith("http://") || image.startsWith("https://")) {
                r.put("_url", image);
            } else {
                r.put("_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(image))));
            }
            records.add(r);
        }
        return process(JSON.readTree(flowFile.toFile()), records, out);
    }

    private static int process(JsonNode flowJson, List<ObjectNode> records, PrintStream out) throws IOException {
        String requestId = UUID.randomUUID().toString();
        Map<String, FlowDefinition> flows = new HashMap<>();
        try (BackendRunners runners = new BackendRunners(PretrainedModels.modelSource());
             BuiltinServices services = BuiltinServices.open(PretrainedModels.modelSource());
             Engine engine = engine(pretrainedTasks(), flows, runners, services)) {
            FlowValidator.Validation v = engine.validate(flowJson, "cli");
            if (!v.valid()) {
                out.println(JSON.writeValueAsString(Envelope.error(400, "the flow is not valid", requestId, v.problems())));
                return 1;
            }
            flows.put("cli", v.definition());
            RunResult result = engine.process("cli", records);
            out.println(JSON.writeValueAsString(Envelope.ok(result, requestId)));
            return 0;
        } catch (FlowException e) {
            out.println(JSON.writeValueAsString(Envelope.error(e.status(), e.getMessage(), requestId, e.problems())));
            return 1;
        }
    }

    private static int validate(Path flowFile, PrintStream out) throws IOException {
        FlowValidator.Validation v;
        try (BackendRunners runners = new BackendRunners(PretrainedModels.modelSource());
             BuiltinServices services = BuiltinServices.open(PretrainedModels.modelSource());
             Engine engine = engine(pretrainedTasks(), Map.of(), runners, services)) {
            v = engine.validate(JSON.readTree(flowFile.toFile()), null);
        }
        if (v.valid()) {
            out.println("valid");
            return 0;
        }
        for (Problem p : v.problems()) {
            out.println(p);
        }
        return 1;
    }

    /** The pretrained tasks, which {@code demo}, {@code run} and {@code validate} use without a server. */
    static int offlineTasks(PrintStream out) {
        for (Task t : PretrainedModels.all()) {
            out.println(t.id() + "\t" + t.kind().wire() + "\t" + String.join(", ", t.labelNames()));
        }
        return 0;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
