package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowValidator;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.image.BlobImageStore;
import io.visionflow.service.ImageOutput;
import io.visionflow.service.ImageService;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.service.ServiceContext;
import io.visionflow.store.BlobStore;
import io.visionflow.store.memory.MemoryBlobStore;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.http.FakeModelServer;
import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.task.onnx.Activation;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.DirectoryModelSource;
import io.visionflow.task.onnx.Preprocessing;
import io.visionflow.task.onnx.PretrainedModels;
import io.visionflow.task.onnx.YoloOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's use cases as executable flows on ONNX models run by ONNX Runtime: hand-set models
 * whose answers follow from rendered pictures (see test resources models/README.md), and the
 * pretrained face and text models installed from npm.
 */
class UseCasesTest {
    /** Where stored images go; {@link RemoteUseCasesTest} also keeps the run's images here. */
    final MemoryBlobStore blobs = new MemoryBlobStore();
    private static BackendRunners runners;
    private static final Map<String, Task> TASKS = new HashMap<>();
    private final Map<String, FlowDefinition> flows = new HashMap<>();

    @BeforeAll
    static void models() throws URISyntaxException {
        Path testModels = Path.of(UseCasesTest.class.getResource("/models").toURI());
        // the hand-set models live in test resources, the pretrained ones in models/node_modules;
        // remote tasks are served on loopback, so the development setting is on
        runners = new BackendRunners(id -> id.startsWith("test/")
                ? new DirectoryModelSource(testModels).file(id.substring(5))
                : PretrainedModels.modelSource().file(id), 1,
                HttpTaskRunner.Settings.DEFAULTS.withPolicy(OutboundPolicy.allowingPrivate()));
        classifier("wall_colour", "mean_colour.onnx", "red", "green", "blue");
        classifier("lighting", "brightness.onnx", "dark", "bright");
        classifier("view", "top_bottom.onnx", "sky", "ground");
        classifier("garment", "brightness.onnx", "Pants", "Shirt");
        classifier("sleeve", "top_bottom.onnx", "short", "long");
        classifier("pants_colour", "mean_colour.onnx", "red", "green", "blue");
        classifier("car_colour", "mean_colour.onnx", "red", "green", "blue");
        classifier("car_type", "top_bottom.onnx", "sedan", "suv");
        classifier("truck_size", "brightness.onnx", "small", "large");
        TASKS.put("vehicles", new Task("vehicles", "vehicles", TaskKind.DETECTION, labels("Car", "Truck"),
                new OnnxBackend("test/grid_detector.onnx", Preprocessing.fixed(64, 64),
                        new YoloOutput("detections", false, true, 0.5))));
        for (Task t : PretrainedModels.all()) {
            TASKS.put(t.id(), t);
        }
    }

    @AfterAll
    static void close() {
        runners.close();
    }

    private static void classifier(String id, String model, String... labels) {
        TASKS.put(id, new Task(id, id, TaskKind.CLASSIFICATION, labels(labels),
                new OnnxBackend("test/" + model, Preprocessing.fixed(32, 32), new ClassifierOutput(Activation.SOFTMAX, null))));
    }

    private static List<Label> labels(String... names) {
        return IntStream.range(0, names.length).mapToObj(i -> new Label("l" + i, names[i])).toList();
    }

    private Engine engine(List<ImageService> services) {
        return Engine.create(c -> {
            c.tasks = id -> Optional.ofNullable(TASKS.get(id));
            c.flows = id -> Optional.ofNullable(flows.get(id));
            c.runners = runners;
            c.services = new ServiceCatalog(services);
            c.loader = Harness.LOADER;
            host(c);
        });
    }

    /** The body of a test service. */
    @FunctionalInterface
    interface ServiceBody {
        JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException;
    }

    static ImageService service(String name, ServiceBody body) {
        return new ImageService() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public JsonNode run(BufferedImage image, ObjectNode params, ServiceContext context) throws TaskException {
                return body.run(image, params, context);
            }
        };
    }

    /** Where the steps run: here, in-process; {@link RemoteUseCasesTest} sends them to a worker. */
    void host(Engine.Config c) {
    }

    private RunResult process(String flowJson, ObjectNode... records) throws FlowException {
        try (Engine engine = engine(List.of())) {
            FlowValidator.Validation v = engine.validate(Harness.parse(flowJson), "main");
            assertThat(v.problems()).isEmpty();
            flows.put("main", v.definition());
            return engine.process("main", List.of(records));
        }
    }

    private static ObjectNode record(BufferedImage image) {
        return Harness.record(image);
    }

    @Test
    void realEstateTaggingRunsThreeTasksInParallelForThreeCreditsPerImage() throws Exception {
        BufferedImage sunnyBlueRoom = Pictures.blocks(200, 200, new Color(230, 230, 255), 0, 0, 200, 100, new Color(0, 0, 160), 0, 100, 200, 100);
        BufferedImage darkRedRoom = Pictures.plain(new Color(120, 0, 0), 120, 80);
        RunResult r = process("""
                {"name": "real estate", "top_node": {"type": "list", "mode": "parallel", "actions": [
                  {"type": "recognition", "id": "colour", "task": "wall_colour", "output_field": "wall_colour"},
                  {"type": "recognition", "id": "light", "task": "lighting", "output_field": "lighting"},
                  {"type": "recognition", "id": "view", "task": "view", "output_field": "view"}]}}""",
                record(sunnyBlueRoom), record(darkRedRoom));
        ObjectNode blue = r.records().get(0);
        assertThat(blue.at("/wall_colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(blue.at("/view/best_label/name").asText()).isEqualTo("sky");
        assertThat(blue.at("/view/best_label/prob").asDouble()).isGreaterThan(0.95);
        ObjectNode red = r.records().get(1);
        assertThat(red.at("/wall_colour/best_label/name").asText()).isEqualTo("red");
        assertThat(red.at("/lighting/best_label/name").asText()).isEqualTo("dark");
        assertThat(red.at("/lighting/labels")).hasSize(2);
        assertThat(r.credits()).isEqualTo(6);
        assertThat(r.creditsByAction()).containsExactlyInAnyOrderEntriesOf(Map.of("colour", 2, "light", 2, "view", 2));
    }

    @Test
    void fashionHierarchyBranchesOnTheCategoryAndForcingSkipsTheSelector() throws Exception {
        String flow = """
                {"name": "fashion", "top_node": {"type": "branch_selector", "id": "category", "task": "garment",
                 "field": "fashion_category", "branches": [
                   {"label": "Shirt", "action": {"type": "recognition", "id": "sleeve", "task": "sleeve", "output_field": "sleeve_length"}},
                   {"label": "Pants", "action": {"type": "recognition", "id": "pants", "task": "pants_colour", "output_field": "pants_colour"}}]}}""";
        BufferedImage whiteShirt = Pictures.blocks(100, 100, Color.WHITE, 0, 0, 100, 100, Color.GRAY, 0, 70, 100, 30);
        BufferedImage darkPants = Pictures.plain(new Color(0, 0, 90), 100, 100);
        ObjectNode forced = record(darkPants);
        forced.put("fashion_category", "Shirt");
        RunResult r = process(flow, record(whiteShirt), record(darkPants), forced);

        ObjectNode shirt = r.records().get(0);
        assertThat(shirt.get("fashion_category").asText()).isEqualTo("Shirt");
        assertThat(shirt.at("/sleeve_length/best_label/name").asText()).isEqualTo("short");
        assertThat(shirt.has("pants_colour")).isFalse();
        ObjectNode pants = r.records().get(1);
        assertThat(pants.get("fashion_category").asText()).isEqualTo("Pants");
        assertThat(pants.at("/pants_colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(pants.has("sleeve_length")).isFalse();
        ObjectNode forcedShirt = r.records().get(2);
        assertThat(forcedShirt.get("fashion_category").asText()).isEqualTo("Shirt");
        assertThat(forcedShirt.has("sleeve_length")).as("the forced branch ran on a dark image").isTrue();
        assertThat(forcedShirt.has("pants_colour")).isFalse();
        // 2 + 2 for the classified records, 1 for the forced one: its selector was not charged
        assertThat(r.credits()).isEqualTo(5);
        assertThat(r.creditsByAction()).containsEntry("category", 2);
    }

    @Test
    void vehiclesListEveryObjectAndAnalyseEachSelectedCarAndTruck() throws Exception {
        // 256x256 seen by the detector as a 64x64 grid: quadrants of 128 px, fine cells of 64 px
        BufferedImage street = Pictures.blocks(256, 256,
                Color.RED, 0, 0, 128, 128,                      // a car filling the top-left quadrant
                Color.RED, 128, 0, 64, 64,                      // a small car: 1/16 of the image, under min_area
                new Color(200, 120, 120), 0, 128, 128, 128,     // a pale car: objectness 0.39, under min_prob
                Color.BLUE, 128, 128, 128, 128);                // a truck filling the bottom-right quadrant
        RunResult r = process("""
                {"name": "vehicles", "top_node": {"type": "object_selector", "id": "vehicles", "task": "vehicles",
                 "output_field": "vehicles", "min_prob": 0.5, "min_area": 0.1, "branches": [
                   {"label": "Car", "action": {"type": "list", "actions": [
                      {"type": "recognition", "id": "colour", "task": "car_colour", "output_field": "colour"},
                      {"type": "recognition", "id": "type", "task": "car_type", "output_field": "type"}]}},
                   {"label": "Truck", "action": {"type": "recognition", "id": "size", "task": "truck_size", "output_field": "size"}}]}}""",
                record(street));
        JsonNode vehicles = r.records().get(0).get("vehicles");
        // every object the detector found, most probable first (the coarse rows of the grid before the fine ones)
        assertThat(vehicles).extracting(o -> o.get("name").asText() + " " + o.get("bound_box"))
                .containsExactly("Car [0,0,128,128]", "Truck [128,128,256,256]", "Car [128,0,192,64]", "Car [0,128,128,256]");
        JsonNode car = vehicles.get(0);
        JsonNode truck = vehicles.get(1);
        assertThat(car.get("prob").asDouble()).isGreaterThan(0.99);
        assertThat(car.at("/colour/best_label/name").asText()).isEqualTo("red");
        assertThat(car.has("type")).isTrue();
        assertThat(car.has("size")).isFalse();
        assertThat(truck.at("/size/best_label/name").asText()).isEqualTo("small"); // pure blue is dark
        assertThat(truck.has("colour")).isFalse();
        // listed as a detection lists them, with nothing merged in
        assertThat(vehicles.get(2).size()).as("the small car").isEqualTo(4);
        assertThat(vehicles.at("/3/prob").asDouble()).as("the pale car").isBetween(0.38, 0.40);
        assertThat(vehicles.get(3).size()).as("the pale car").isEqualTo(4);
        // selector 1 + car colour and type 2 + truck size 1; the small and the pale car cost nothing
        assertThat(r.credits()).isEqualTo(4);
    }

    @Test
    void facesAreCroppedAndAnalysedInOriginalCoordinates() throws Exception {
        BufferedImage astronaut = photo("astronaut.jpg");
        RunResult r = process("""
                {"name": "faces", "top_node": {"type": "object_selector", "task": "face-detector", "output_field": "faces",
                 "min_prob": 0.5, "padding": 40,
                 "action": {"type": "detection", "task": "face-detector", "output_field": "face_in_crop", "keep_prob": 0.5}}}""",
                record(astronaut));
        JsonNode faces = r.records().get(0).get("faces");
        assertThat(faces).hasSize(1);
        int[] box = ints(faces.at("/0/bound_box"));
        // the astronaut's face, in the 512x512 photo
        assertThat(box[0]).isBetween(150, 210);
        assertThat(box[1]).isBetween(50, 120);
        assertThat(box[2]).isBetween(240, 300);
        assertThat(box[3]).isBetween(150, 210);
        // found again inside its padded crop, reported where it is in the photo
        JsonNode inner = faces.at("/0/face_in_crop");
        assertThat(inner).hasSize(1);
        int[] again = ints(inner.at("/0/bound_box"));
        for (int i = 0; i < 4; i++) {
            assertThat(Math.abs(again[i] - box[i])).as("coordinate %d", i).isLessThan(25);
        }
        assertThat(r.credits()).isEqualTo(2);
    }

    @Test
    void textLinesGetTheirOrientationOneByOne() throws Exception {
        String[] lines = {"Visionflow joins models", "into one endpoint for", "every image you send"};
        BufferedImage page = Pictures.plain(Color.WHITE, 900, 330);
        Graphics2D g = page.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 48));
        g.drawString(lines[0], 40, 80);
        AffineTransform upright = g.getTransform();
        g.rotate(Math.PI, 450, 170); // the middle line upside down
        g.drawString(lines[1], 200, 190);
        g.setTransform(upright);
        g.drawString(lines[2], 40, 290);
        g.dispose();
        RunResult r = process("""
                {"name": "lines", "top_node": {"type": "object_selector", "task": "text-line-detector", "output_field": "lines",
                 "padding": 4,
                 "action": {"type": "recognition", "task": "text-orientation", "output_field": "orientation"}}}""",
                record(page));
        JsonNode found = r.records().get(0).get("lines");
        assertThat(found).hasSize(3);
        List<JsonNode> byTop = new ArrayList<>();
        found.forEach(byTop::add);
        byTop.sort((a, b) -> Integer.compare(a.at("/bound_box/1").asInt(), b.at("/bound_box/1").asInt()));
        assertThat(byTop).extracting(l -> l.at("/orientation/best_label/name").asText()).containsExactly("0", "180", "0");
        assertThat(r.credits()).isEqualTo(1 + 3);
    }

    @Test
    void aRemoteHttpTaskRunsInAFlowAndItsFailureFailsOnlyItsRecord() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            server.classifyWith("/classify", img -> img.getRGB(0, 0) == Color.BLACK.getRGB()
                    ? Map.of("night", 0.9, "day", 0.1) : Map.of("night", 0.2, "day", 0.8));
            TASKS.put("remote", new Task("remote", "remote", TaskKind.CLASSIFICATION, labels("day", "night"),
                    new HttpBackend(server.url("/classify"), Map.of("Authorization", "Token remote-secret"), "abc")));
            TASKS.put("broken", new Task("broken", "broken", TaskKind.CLASSIFICATION, labels("x"),
                    new HttpBackend(server.url("/broken"), Map.of(), null)));
            server.respond("/broken", 500, "{\"detail\": \"model crashed\"}");
            RunResult r = process("""
                    {"name": "remote", "top_node": {"type": "list", "actions": [
                      {"type": "recognition", "task": "remote", "output_field": "time"},
                      {"type": "recognition", "task": "lighting", "output_field": "lighting"}]}}""",
                    record(Pictures.plain(Color.BLACK, 40, 40)), record(Pictures.plain(Color.WHITE, 40, 40)));
            assertThat(r.records().get(0).at("/time/best_label/name").asText()).isEqualTo("night");
            assertThat(r.records().get(1).at("/time/best_label/name").asText()).isEqualTo("day");
            assertThat(server.lastRequest("/classify").header("Authorization")).isEqualTo("Token remote-secret");
            assertThat(server.lastRequest("/classify").task()).isEqualTo("abc");
            assertThat(r.credits()).isEqualTo(4);

            BufferedImage black = Pictures.plain(Color.BLACK, 8, 8);
            flows.clear();
            RunResult broken = process("""
                    {"name": "broken", "top_node": {"type": "branch_selector", "task": "lighting", "field": "light", "branches": [
                      {"label": "dark", "action": {"type": "recognition", "task": "broken", "output_field": "b"}}]}}""",
                    record(black), record(Pictures.plain(Color.WHITE, 8, 8)));
            assertThat(broken.records().get(0).at("/_status/code").asInt()).isEqualTo(502);
            assertThat(broken.records().get(0).at("/_status/text").asText()).contains("broken", "500");
            assertThat(broken.records().get(1).at("/_status/code").asInt()).isEqualTo(200);
        } finally {
            TASKS.remove("remote");
            TASKS.remove("broken");
        }
    }

    @Test
    void servicesAreDispatchedByNameAndChargedTheirPrice() throws Exception {
        ImageService corner = service("corner_colour", (image, params, context) -> {
            int x = params.path("x").asInt(0);
            return JsonNodeFactory.instance.textNode(String.format("#%06x", image.getRGB(x, 0) & 0xffffff));
        });
        try (Engine engine = engine(List.of(corner))) {
            FlowValidator.Validation v = engine.validate(Harness.parse("""
                    {"name": "s", "top_node": {"type": "object_selector", "task": "vehicles", "min_prob": 0.5,
                     "action": {"type": "service", "id": "svc", "service": "corner_colour", "output_field": "corner", "params": {"x": 1}}}}"""), "s");
            assertThat(v.problems()).isEmpty();
            flows.put("s", v.definition());
            BufferedImage twoTrucks = Pictures.blocks(128, 128, Color.BLUE, 0, 0, 64, 64, Color.BLUE, 64, 64, 64, 64);
            RunResult r = engine.process("s", List.of(record(twoTrucks)));
            JsonNode objects = r.records().get(0).get("_objects");
            assertThat(objects).hasSize(2);
            assertThat(objects.findValuesAsText("corner")).containsOnly("#0000ff");
            assertThat(r.creditsByAction()).containsEntry("svc", 2 * PriceTable.service("corner_colour"));
        }
    }

    @Test
    void servicesStoreTheImagesTheyReturnWhenTheRequestSaysSoAndInlineThemOtherwise() throws Exception {
        ImageService mirror = service("mirror", (image, params, context) -> {
            BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    out.setRGB(image.getWidth() - 1 - x, y, image.getRGB(x, y));
                }
            }
            return JsonNodeFactory.instance.textNode(context.images().write(out));
        });
        try (Engine engine = engine(List.of(mirror))) {
            FlowValidator.Validation v = engine.validate(Harness.parse("""
                    {"name": "m", "top_node": {"type": "object_selector", "task": "vehicles", "min_prob": 0.5,
                     "action": {"type": "service", "id": "svc", "service": "mirror", "output_field": "mirrored"}}}"""), "m");
            assertThat(v.problems()).isEmpty();
            BufferedImage redAndBlue = Pictures.blocks(128, 128, Color.RED, 0, 0, 64, 64, Color.BLUE, 64, 64, 64, 64);
            String prefix = "https://api.example/v2/image/";
            ImageOutput stored = ImageOutput.stored(new BlobImageStore(blobs, "acct", new BlobImageStore.Cache()), prefix);
            RunResult r = engine.run("acct", v.definition(), List.of(record(redAndBlue)), id -> Optional.ofNullable(TASKS.get(id)),
                    id -> Optional.empty(), stored, ServiceContext.NO_MODELS);
            JsonNode objects = r.records().get(0).get("_objects");
            assertThat(objects).hasSize(2);
            for (JsonNode o : objects) {
                String url = o.get("mirrored").asText();
                assertThat(url).startsWith(prefix);
                byte[] png = blobs.get(BlobStore.key("acct", BlobImageStore.KIND, url.substring(prefix.length()))).orElseThrow();
                BufferedImage crop = ImageIO.read(new java.io.ByteArrayInputStream(png));
                assertThat(crop.getWidth()).isEqualTo(64);
                assertThat(crop.getRGB(0, 0) & 0xffffff).isEqualTo(o.get("name").asText().equals("Car") ? 0xff0000 : 0x0000ff);
            }
            assertThat(r.creditsByAction()).containsEntry("svc", 2 * PriceTable.service("mirror"));
            RunResult inline = engine.run("acct", v.definition(), List.of(record(redAndBlue)), id -> Optional.ofNullable(TASKS.get(id)),
                    id -> Optional.empty());
            assertThat(inline.records().get(0).findValuesAsText("mirrored")).allMatch(u -> u.startsWith("data:image/png;base64,"));
        }
    }

    @Test
    void retryAndTimeoutOfAnActionHoldWhereverItsStepRunsAndARetriedCallIsChargedOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ImageService flaky = service("flaky", (image, params, context) -> {
            if (calls.incrementAndGet() % 2 == 1) {
                throw new TaskException(503, "busy");
            }
            return JsonNodeFactory.instance.textNode("ok");
        });
        ImageService stuck = service("stuck", (image, params, context) -> {
            try {
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new TaskException(500, "stopped");
        });
        try (Engine engine = engine(List.of(flaky, stuck))) {
            // backoff 0: no pause, so nothing here waits for the clock
            RunResult retried = run(engine, """
                    {"type": "service", "id": "svc", "service": "flaky", "output_field": "out",
                     "retry": {"max_attempts": 2, "backoff": 0, "on": ["server_error"]}}""");
            assertThat(retried.records().get(0).at("/_status/code").asInt()).isEqualTo(200);
            assertThat(retried.records().get(0).get("out").asText()).isEqualTo("ok");
            assertThat(calls).hasValue(2);
            assertThat(retried.creditsByAction()).containsExactlyEntriesOf(Map.of("svc", PriceTable.service("flaky")));

            calls.set(0);
            RunResult once = run(engine, """
                    {"type": "service", "id": "svc", "service": "flaky", "output_field": "out"}""");
            assertThat(once.records().get(0).at("/_status/code").asInt()).isEqualTo(503);
            assertThat(once.credits()).isZero();

            RunResult timedOut = run(engine, """
                    {"type": "service", "id": "late", "service": "stuck", "output_field": "out", "timeout_ms": 50,
                     "retry": {"max_attempts": 2, "backoff": 0, "on": ["timeout"]}}""");
            assertThat(timedOut.records().get(0).at("/_status/code").asInt()).isEqualTo(504);
            assertThat(timedOut.records().get(0).at("/_status/text").asText())
                    .isEqualTo("action \"late\" took longer than its timeout_ms of 50 (after 2 attempts)");
            assertThat(timedOut.credits()).isZero();
        }
    }

    private RunResult run(Engine engine, String topNode) {
        FlowValidator.Validation v = engine.validate(Harness.parse("{\"name\": \"p\", \"top_node\": " + topNode + "}"), "p");
        assertThat(v.problems()).isEmpty();
        return engine.run(v.definition(), List.of(record(Pictures.plain(Color.WHITE, 8, 8))));
    }

    @Test
    void processingAFlowWhoseTaskWasDeletedAnswersAConflictBeforeAnyWork() throws Exception {
        process("""
                {"name": "n", "top_node": {"type": "recognition", "task": "lighting", "output_field": "l"}}""",
                record(Pictures.plain(Color.WHITE, 8, 8)));
        Task removed = TASKS.remove("lighting");
        try (Engine engine = engine(List.of())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.process("main", List.of(record(Pictures.plain(Color.WHITE, 8, 8)))))
                    .isInstanceOfSatisfying(FlowException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.problems()).extracting(p -> p.path()).containsExactly("top_node.task");
                    });
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.process("nope", List.of()))
                    .isInstanceOfSatisfying(FlowException.class, e -> assertThat(e.status()).isEqualTo(404));
        } finally {
            TASKS.put("lighting", removed);
        }
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    static BufferedImage photo(String name) throws IOException {
        try (InputStream in = UseCasesTest.class.getResourceAsStream("/photos/" + name)) {
            return ImageIO.read(in);
        }
    }
}
