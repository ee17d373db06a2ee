package io.visionflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Engine;
import io.visionflow.engine.RunResult;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.Classification;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.http.FakeModelServer;
import io.visionflow.task.onnx.PretrainedModels;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's benchmarks, each measured side by side in one run: rounds alternate the engine
 * and the direct calls it is compared with, so both see the same machine state; the figures are
 * medians over rounds. Image decoding is left out of both sides (the engine's loader hands over
 * the decoded image) since it is the same work either way.
 *
 * <p>Run with {@code ./visionflow bench} (optionally {@code -Dbench.rounds=N}).
 */
public final class EngineBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 30);

    private EngineBench() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "Visionflow engine benchmarks: %d rounds, %d cores, Java %s%n%n",
                ROUNDS, Runtime.getRuntime().availableProcessors(), Runtime.version());
        List<String[]> rows = new ArrayList<>();
        rows.add(onnxOverhead());
        rows.add(parallelHttp());
        rows.addAll(noOpOverhead());
        System.out.printf(Locale.ROOT, "%-52s %14s %14s %8s %8s%n", "benchmark", "engine", "direct", "ratio", "target");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-52s %14s %14s %8s %8s%n", (Object[]) r);
        }
    }

    /** A sequence of 4 real ONNX actions vs calling the same runners (same sessions) one after another. */
    private static String[] onnxOverhead() throws Exception {
        BufferedImage photo = photo();
        Map<String, Task> tasks = new HashMap<>();
        PretrainedModels.all().forEach(t -> tasks.put(t.id(), t));
        try (BackendRunners runners = new BackendRunners(PretrainedModels.modelSource())) {
            String flow = """
                    {"name": "onnx", "top_node": {"type": "list", "mode": "sequence", "actions": [
                      {"type": "detection", "task": "face-detector", "output_field": "a"},
                      {"type": "recognition", "task": "text-orientation", "output_field": "b"},
                      {"type": "detection", "task": "face-detector", "output_field": "c"},
                      {"type": "recognition", "task": "text-orientation", "output_field": "d"}]}}""";
            TaskRunner face = runners.runnerFor(tasks.get("face-detector"));
            TaskRunner orientation = runners.runnerFor(tasks.get("text-orientation"));
            try (Engine engine = engine(tasks, runners, flow, photo)) {
                Measure m = compare(
                        () -> check(engine.process("bench", List.of(record())), 4),
                        () -> {
                            face.detect(photo, 0.3);
                            orientation.classify(photo);
                            face.detect(photo, 0.3);
                            orientation.classify(photo);
                        }, 10);
                return m.row("4 real ONNX actions in sequence vs direct calls", "ms", 1e6, "<= 1.05");
            }
        }
    }

    /** A parallel list of 8 remote tasks that each take 50 ms vs one direct call of the slowest. */
    private static String[] parallelHttp() throws Exception {
        BufferedImage small = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        try (FakeModelServer server = FakeModelServer.start()) {
            server.classify("/classify", Map.of("a", 0.7, "b", 0.3)).delay("/classify", 50);
            Map<String, Task> tasks = new HashMap<>();
            StringBuilder actions = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                String id = "remote-" + i;
                tasks.put(id, new Task(id, id, TaskKind.CLASSIFICATION, List.of(new Label("a", "a"), new Label("b", "b")),
                        new HttpBackend(server.url("/classify"), Map.of(), null)));
                actions.append(i == 0 ? "" : ",").append("{\"type\": \"recognition\", \"task\": \"").append(id)
                        .append("\", \"output_field\": \"f").append(i).append("\"}");
            }
            String flow = "{\"name\": \"http\", \"top_node\": {\"type\": \"list\", \"mode\": \"parallel\", \"actions\": [" + actions + "]}}";
            // the model server is on loopback: the development setting, as every harness says explicitly
            try (BackendRunners runners = new BackendRunners(id -> {
                throw new IOException("no models here");
            }, 1, io.visionflow.task.http.HttpTaskRunner.Settings.DEFAULTS.withPolicy(
                    io.visionflow.net.OutboundPolicy.allowingPrivate())); Engine engine = engine(tasks, runners, flow, small)) {
                TaskRunner slowest = runners.runnerFor(tasks.get("remote-0"));
                Measure m = compare(
                        () -> {
                            check(engine.process("bench", List.of(record())), 8);
                            server.clearRequests();
                        },
                        () -> slowest.classify(small), 5);
                return m.row("8 parallel HTTP tasks of 50 ms vs the slowest branch", "ms", 1e6, "<= 1.15");
            }
        }
    }

    /** Per-action cost of the engine itself: 100 actions whose task does nothing. */
    private static List<String[]> noOpOverhead() throws Exception {
        BufferedImage tiny = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Map<String, Task> tasks = Map.of("noop", new Task("noop", "noop", TaskKind.CLASSIFICATION,
                List.of(new Label("x", "x")), null));
        Classification answer = new Classification(List.of(new LabelProb("x", "x", 1)));
        TaskRunner noop = new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                return answer;
            }
        };
        TaskRunners runners = t -> noop;
        List<String[]> rows = new ArrayList<>();
        for (String mode : List.of("sequence", "parallel")) {
            StringBuilder actions = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                actions.append(i == 0 ? "" : ",").append("{\"type\": \"recognition\", \"task\": \"noop\", \"output_field\": \"f")
                        .append(i).append("\"}");
            }
            String flow = "{\"name\": \"noop\", \"top_node\": {\"type\": \"list\", \"mode\": \"" + mode + "\", \"actions\": [" + actions + "]}}";
            try (Engine engine = engine(tasks, runners, flow, tiny)) {
                Measure m = compare(
                        () -> check(engine.process("bench", List.of(record())), 100),
                        () -> {
                            for (int i = 0; i < 100; i++) {
                                noop.classify(tiny);
                            }
                        }, 20);
                rows.add(new String[] {"engine overhead per no-op action, " + mode + " of 100",
                        String.format(Locale.ROOT, "%.1f µs", m.engine / 100 / 1e3),
                        String.format(Locale.ROOT, "%.3f µs", m.direct / 100 / 1e3), "-", "-"});
            }
        }
        return rows;
    }

    private static Engine engine(Map<String, Task> tasks, TaskRunners runners, String flowJson, BufferedImage image) throws IOException {
        Map<String, FlowDefinition> flows = new HashMap<>();
        Engine engine = Engine.create(c -> {
            c.tasks = id -> Optional.ofNullable(tasks.get(id));
            c.flows = id -> Optional.ofNullable(flows.get(id));
            c.runners = runners;
            c.loader = record -> image;
            c.deadline = Duration.ofMinutes(1);
            c.maxConcurrency = 64;
            c.limits = new FlowValidator.Limits(16, 5, 1000);
        });
        FlowValidator.Validation v = engine.validate(JSON.readTree(flowJson), "bench");
        if (!v.valid()) {
            throw new IllegalStateException(v.problems().toString());
        }
        flows.put("bench", v.definition());
        return engine;
    }

    private static ObjectNode record() {
        return JSON.createObjectNode().put("_id", "bench");
    }

    private static void check(RunResult r, int credits) {
        if (r.credits() != credits || r.records().get(0).at("/_status/code").asInt() != 200) {
            throw new IllegalStateException("benchmark run went wrong: " + r.records().get(0));
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    /** Medians in nanoseconds per operation. */
    private record Measure(double engine, double direct) {
        String[] row(String name, String unit, double divisor, String target) {
            return new String[] {name, String.format(Locale.ROOT, "%.2f %s", engine / divisor, unit),
                    String.format(Locale.ROOT, "%.2f %s", direct / divisor, unit),
                    String.format(Locale.ROOT, "%.3fx", engine / direct), target};
        }
    }

    /** Alternates the two sides {@code perRound} operations at a time; warm-up rounds are discarded. */
    private static Measure compare(Work engine, Work direct, int perRound) throws Exception {
        for (int i = 0; i < Math.max(3, ROUNDS / 5); i++) {
            time(engine, perRound);
            time(direct, perRound);
        }
        double[] e = new double[ROUNDS];
        double[] d = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            // swap the order every round so neither side always runs on a just-warmed cache
            if (i % 2 == 0) {
                e[i] = time(engine, perRound);
                d[i] = time(direct, perRound);
            } else {
                d[i] = time(direct, perRound);
                e[i] = time(engine, perRound);
            }
        }
        return new Measure(median(e), median(d));
    }

    private static double time(Work work, int n) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            work.run();
        }
        return (System.nanoTime() - start) / (double) n;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The astronaut photo with a line of text drawn on it, so both models have something to find. */
    private static BufferedImage photo() throws IOException {
        BufferedImage img;
        try (InputStream in = EngineBench.class.getResourceAsStream("/photos/astronaut.jpg")) {
            img = ImageIO.read(in);
        }
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 28));
        g.drawString("VISIONFLOW", 20, 490);
        g.dispose();
        return img;
    }

    static {
        // fail fast when the models are missing instead of timing an error path
        try {
            PretrainedModels.modelSource().file(PretrainedModels.FACE_MODEL);
        } catch (IOException | RuntimeException e) {
            throw new ExceptionInInitializerError("models not installed: run models/install.sh (" + e + ")");
        }
    }
}
