package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.http.FakeModelServer;
import io.visionflow.task.http.HttpTaskRunner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same flow (a parallel list, a branch selector, object selectors with sub-actions on every
 * crop) with its tasks served by a model server nobody here wrote the HTTP side of: Python's
 * standard-library {@code http.server} (test resource {@code python/model_server.py}), once as it
 * comes (HTTP/1.0, a connection per call) and once with keep-alive (HTTP/1.1). Its records and
 * credits must equal those of the in-JVM test server computing the same models, crops included.
 */
class PythonModelServerTest {
    private static final String FLOW = """
            {"name": "python", "top_node": {"type": "list", "mode": "parallel", "actions": [
              {"type": "recognition", "id": "colour", "task": "colour", "output_field": "colour"},
              {"type": "branch_selector", "id": "light", "task": "light", "field": "light", "branches": [
                {"label": "bright", "action": {"type": "recognition", "id": "bright_colour", "task": "colour",
                 "output_field": "bright_colour"}},
                {"label": "dark", "action": {"type": "object_selector", "id": "dark_blocks", "task": "blocks",
                 "output_field": "dark_blocks"}}]},
              {"type": "object_selector", "id": "vehicles", "task": "blocks", "output_field": "vehicles", "min_prob": 0.5,
               "action": {"type": "recognition", "id": "vehicle_colour", "task": "colour", "output_field": "colour"},
               "branches": [{"label": "Truck", "action": {"type": "recognition", "id": "truck_light", "task": "light",
                 "output_field": "light"}}]}]}}""";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.0", "HTTP/1.1"})
    void aPythonStdlibModelServerGivesTheSameRecordsCropsAndCreditsAsTheTestServer(String protocol) throws Exception {
        List<ObjectNode> records = List.of(
                // white, with a red car, a blue truck and a faint green thing
                Harness.record(blocks(Color.WHITE, 120, 80, Color.RED, 8, 10, 30, 20, new Color(0, 0, 230), 60, 40, 50, 30,
                        new Color(40, 200, 40), 10, 50, 12, 12)),
                // dark, with one red car
                Harness.record(blocks(new Color(20, 20, 30), 90, 60, new Color(220, 10, 10), 50, 5, 30, 25)),
                // not an image: fails alone
                Harness.JSON.createObjectNode().put("_base64", "bm90IGFuIGltYWdl"));

        RunResult expected;
        try (FakeModelServer fake = FakeModelServer.start()) {
            fake.classifyWith("/classify/colour", PythonModelServerTest::colour)
                    .classifyWith("/classify/brightness", PythonModelServerTest::brightness)
                    .detectWith("/detect/blocks", PythonModelServerTest::detectBlocks);
            expected = run(fake.url(""), records);
            assertThat(fake.calls("/detect/blocks")).isEqualTo(3);
        }
        RunResult actual;
        Process python = startPython(protocol);
        try {
            String base = "http://127.0.0.1:" + port(python);
            actual = run(base, records);
        } finally {
            python.destroy();
            python.waitFor(10, TimeUnit.SECONDS);
        }

        assertThat(actual.records()).isEqualTo(expected.records());
        assertThat(actual.credits()).isEqualTo(expected.credits());
        assertThat(actual.creditsByAction()).isEqualTo(expected.creditsByAction());

        // and what they agree on is the flow's meaning, not two equal failures
        ObjectNode bright = actual.records().get(0);
        assertThat(bright.at("/_status/code").asInt()).isEqualTo(200);
        assertThat(bright.get("light").asText()).isEqualTo("bright");
        assertThat(bright.at("/bright_colour/best_label/name").asText()).isNotEmpty();
        assertThat(bright.get("vehicles")).extracting(v -> v.get("name").asText()).containsExactly("Car", "Truck");
        assertThat(bright.at("/vehicles/0/colour/best_label/name").asText()).as("the car's crop").isEqualTo("red");
        assertThat(bright.at("/vehicles/1/colour/best_label/name").asText()).as("the truck's crop").isEqualTo("blue");
        assertThat(bright.at("/vehicles/1/light/best_label/name").asText()).isEqualTo("dark");
        assertThat(bright.at("/vehicles/1/bound_box").toString()).isEqualTo("[60,40,110,70]");
        ObjectNode dark = actual.records().get(1);
        assertThat(dark.get("light").asText()).isEqualTo("dark");
        assertThat(dark.get("dark_blocks")).hasSize(1);
        assertThat(dark.at("/vehicles/0/colour/best_label/name").asText()).isEqualTo("red");
        assertThat(actual.records().get(2).at("/_status/code").asInt()).isEqualTo(400);
        // record 1: colour, light, bright_colour, vehicles, 2 crop colours, the truck's light = 7;
        // record 2: colour, light, dark_blocks, vehicles, 1 crop colour = 5
        assertThat(actual.credits()).isEqualTo(12);
    }

    private static RunResult run(String base, List<ObjectNode> records) throws FlowException {
        Map<String, Task> tasks = Map.of(
                "colour", task("colour", TaskKind.CLASSIFICATION, base + "/classify/colour", "red", "green", "blue"),
                "light", task("light", TaskKind.CLASSIFICATION, base + "/classify/brightness", "dark", "bright"),
                "blocks", task("blocks", TaskKind.DETECTION, base + "/detect/blocks", "Car", "Truck"));
        // PNG, so that the Python server sees the exact pixels the in-JVM one sees
        try (BackendRunners runners = new BackendRunners(id -> {
            throw new IllegalStateException("no ONNX models here");
        }, 1, HttpTaskRunner.Settings.DEFAULTS.withPolicy(OutboundPolicy.allowingPrivate())
                .withImageFormat(HttpTaskRunner.ImageFormat.PNG))) {
            Map<String, FlowDefinition> flows = new LinkedHashMap<>();
            try (Engine engine = Engine.create(c -> {
                c.tasks = id -> Optional.ofNullable(tasks.get(id));
                c.flows = id -> Optional.ofNullable(flows.get(id));
                c.runners = runners;
                c.loader = Harness.LOADER;
            })) {
                FlowValidator.Validation v = engine.validate(Harness.parse(FLOW), "main");
                assertThat(v.problems()).isEmpty();
                flows.put("main", v.definition());
                return engine.process("main", records.stream().map(ObjectNode::deepCopy).toList());
            }
        }
    }

    private static Task task(String id, TaskKind kind, String url, String... labels) {
        List<Label> ls = IntStream.range(0, labels.length).mapToObj(i -> new Label(id + i, labels[i])).toList();
        return new Task(id, id, kind, ls, new HttpBackend(url, Map.of(), "remote-" + id));
    }

    private static Process startPython(String protocol) throws Exception {
        Path script = Path.of(PythonModelServerTest.class.getResource("/python/model_server.py").toURI());
        return new ProcessBuilder("python3", script.toString(), protocol)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int port(Process python) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        assertThat(line).as("the Python server's port").isNotNull();
        return Integer.parseInt(line.strip());
    }

    /** A background with solid blocks: colour, x, y, w, h after each colour. */
    private static BufferedImage blocks(Color background, int w, int h, Object... blocks) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < blocks.length; i += 5) {
            g.setColor((Color) blocks[i]);
            g.fillRect((int) blocks[i + 1], (int) blocks[i + 2], (int) blocks[i + 3], (int) blocks[i + 4]);
        }
        g.dispose();
        return image;
    }

    // The models of model_server.py, computed the same way, to the same doubles.

    private static int[][] pixels(BufferedImage image) {
        int[][] p = new int[image.getWidth() * image.getHeight()][];
        for (int y = 0, i = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++, i++) {
                int rgb = image.getRGB(x, y);
                p[i] = new int[] {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
            }
        }
        return p;
    }

    private static Map<String, Double> colour(BufferedImage image) {
        long[] sums = new long[3];
        for (int[] p : pixels(image)) {
            for (int k = 0; k < 3; k++) {
                sums[k] += p[k];
            }
        }
        long total = Math.max(1, sums[0] + sums[1] + sums[2]);
        Map<String, Double> probs = new LinkedHashMap<>();
        probs.put("red", (double) sums[0] / total);
        probs.put("green", (double) sums[1] / total);
        probs.put("blue", (double) sums[2] / total);
        return probs;
    }

    private static Map<String, Double> brightness(BufferedImage image) {
        long sum = 0;
        for (int[] p : pixels(image)) {
            sum += p[0] + p[1] + p[2];
        }
        double mean = (double) sum / (3L * 255 * image.getWidth() * image.getHeight());
        return Map.of("bright", mean, "dark", 1 - mean);
    }

    private static List<FakeModelServer.Obj> detectBlocks(BufferedImage image) {
        record Kind(String name, double prob, int channel) {
        }
        List<FakeModelServer.Obj> found = new ArrayList<>();
        for (Kind kind : List.of(new Kind("Car", 0.9, 0), new Kind("Truck", 0.6, 2), new Kind("Car", 0.2, 1))) {
            int x1 = Integer.MAX_VALUE, y1 = Integer.MAX_VALUE, x2 = -1, y2 = -1;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y);
                    int[] p = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                    int k = kind.channel();
                    if (p[k] > 150 && IntStream.range(0, 3).filter(j -> j != k).allMatch(j -> p[j] < 100)) {
                        x1 = Math.min(x1, x);
                        y1 = Math.min(y1, y);
                        x2 = Math.max(x2, x + 1);
                        y2 = Math.max(y2, y + 1);
                    }
                }
            }
            if (x2 >= 0) {
                found.add(FakeModelServer.object(kind.name(), kind.prob(), x1, y1, x2, y2));
            }
        }
        return found;
    }
}
