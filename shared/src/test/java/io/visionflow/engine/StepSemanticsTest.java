package io.visionflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.task.Classification;
import io.visionflow.task.LabelProb;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The semantics of every action type, driven in-process, on tasks whose answers follow from the pixels. */
class StepSemanticsTest {
    static final List<String> RGB = List.of("red", "green", "blue");
    Harness h;

    @BeforeEach
    void setUp() {
        h = harness();
        h.tasks.classifier("colour", RGB, PixelTasks::meanColour)
                .classifier("light", List.of("dark", "bright"), PixelTasks::brightness)
                .blockDetector("blocks", List.of("Car", "Truck"));
    }

    /** The harness the semantics are driven with; {@link AsyncStepSemanticsTest} drives them as async messages. */
    Harness harness() {
        return new Harness();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void recognitionWritesBestLabelAndSortedLabelsLimitedByTopK() {
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "recognition", "id": "c", "task": "colour",
                 "output_field": "colour", "top_k": 2}}""", Pictures.plain(Color.BLUE, 40, 30));
        ObjectNode rec = r.records().get(0);
        assertThat(rec.at("/colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(rec.at("/colour/best_label/id").asText()).isEqualTo("colour-2");
        assertThat(rec.at("/colour/labels")).hasSize(2);
        assertThat(rec.at("/colour/labels/0/prob").asDouble()).isGreaterThan(rec.at("/colour/labels/1/prob").asDouble());
        assertThat(rec.at("/_status/code").asInt()).isEqualTo(200);
        assertThat(rec.at("/_width").asInt()).isEqualTo(40);
        assertThat(rec.at("/_height").asInt()).isEqualTo(30);
        assertThat(rec.has("_base64")).as("the image is not echoed").isFalse();
        assertThat(r.credits()).isEqualTo(1);
        assertThat(r.creditsByAction()).containsEntry("c", 1);
    }

    @Test
    void detectionReportsBoxesInPixelsAboveKeepProb() {
        BufferedImage img = Pictures.blocks(200, 100,
                Color.RED, 10, 20, 30, 40,
                new Color(150, 100, 100), 100, 10, 20, 20, // pale red: prob 50/255
                Color.BLUE, 150, 50, 40, 30);
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "detection", "id": "d", "task": "blocks", "keep_prob": 0.5}}""", img);
        JsonNode objects = r.records().get(0).get("_objects");
        assertThat(objects).hasSize(2);
        assertThat(objects.findValuesAsText("name")).containsExactlyInAnyOrder("Car", "Truck");
        JsonNode car = objects.get(0).get("name").asText().equals("Car") ? objects.get(0) : objects.get(1);
        assertThat(car.get("bound_box").toString()).isEqualTo("[10,20,40,60]");
        assertThat(r.credits()).isEqualTo(1);
    }

    @Test
    void parallelListRunsEveryActionAndChargesEachCall() {
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "colour", "output_field": "colour"},
                  {"type": "recognition", "task": "light", "output_field": "light"},
                  {"type": "detection", "task": "blocks", "output_field": "objects"}]}}""",
                Pictures.plain(Color.GREEN, 20, 20), Pictures.plain(Color.BLACK, 20, 20));
        assertThat(r.records()).hasSize(2);
        assertThat(r.records().get(0).at("/colour/best_label/name").asText()).isEqualTo("green");
        assertThat(r.records().get(1).at("/light/best_label/name").asText()).isEqualTo("dark");
        assertThat(r.records().get(1).get("objects")).isEmpty();
        assertThat(r.credits()).isEqualTo(6);
    }

    @Test
    void parallelBranchesReallyRunAtTheSameTime() {
        // each call waits until both have started: run one after the other, they would time out
        CountDownLatch started = new CountDownLatch(2);
        TaskRunner meeting = new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                started.countDown();
                try {
                    if (!started.await(10, TimeUnit.SECONDS)) {
                        throw new TaskException(504, "the other branch never started");
                    }
                } catch (InterruptedException e) {
                    throw new TaskException(504, "interrupted");
                }
                return new Classification(List.of(new LabelProb("a", "a", 1)));
            }
        };
        h.tasks.custom("meet", TaskKind.CLASSIFICATION, List.of("a"), meeting);
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "mode": "parallel", "actions": [
                  {"type": "recognition", "task": "meet", "output_field": "one"},
                  {"type": "recognition", "task": "meet", "output_field": "two"}]}}""", Pictures.plain(Color.RED, 8, 8));
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(200);
        assertThat(r.records().get(0).at("/two/best_label/name").asText()).isEqualTo("a");
    }

    @Test
    void sequenceRunsInOrderAndLaterActionsSeeEarlierResults() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        for (String name : List.of("first", "second", "third")) {
            h.tasks.custom(name, TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
                @Override
                public Classification classify(BufferedImage image) {
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    order.add(name);
                    Thread.yield();
                    inFlight.decrementAndGet();
                    return new Classification(List.of(new LabelProb("x", "x", 1)));
                }
            });
        }
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "mode": "sequence", "actions": [
                  {"type": "recognition", "task": "first", "output_field": "a"},
                  {"type": "recognition", "task": "second", "output_field": "b"},
                  {"type": "branch_selector", "task": "colour", "field": "colour", "branches": [
                    {"label": "red", "action": {"type": "recognition", "task": "third", "output_field": "c"}}]},
                  {"type": "branch_selector", "id": "again", "task": "colour", "field": "colour", "branches": [
                    {"label": "red", "action": {"type": "recognition", "task": "light", "output_field": "light"}}]}
                ]}}""", Pictures.plain(Color.RED, 8, 8));
        assertThat(order).containsExactly("first", "second", "third");
        assertThat(maxInFlight.get()).isEqualTo(1);
        ObjectNode rec = r.records().get(0);
        assertThat(rec.get("colour").asText()).isEqualTo("red");
        // pure red has a luminance of 0.3: dark
        assertThat(rec.at("/light/best_label/name").asText()).as("the second selector saw the first one's label").isEqualTo("dark");
        // first, second, selector, third, light: the second selector was forced, so it is free
        assertThat(h.tasks.calls("colour")).isEqualTo(1);
        assertThat(r.credits()).isEqualTo(5);
        assertThat(r.creditsByAction()).doesNotContainKey("again");
    }

    @Test
    void branchSelectorBestModeRunsOnlyTheBranchOfTheBestLabel() {
        String flow = """
                {"name": "n", "top_node": {"type": "branch_selector", "id": "sel", "task": "colour", "field": "colour",
                 "branches": [
                   {"label": "red", "action": {"type": "recognition", "id": "r", "task": "light", "output_field": "red_light"}},
                   {"label": "blue", "action": {"type": "detection", "id": "b", "task": "blocks", "output_field": "blue_objects"}}]}}""";
        RunResult r = h.run(flow, Pictures.plain(Color.RED, 10, 10), Pictures.plain(Color.BLUE, 10, 10));
        ObjectNode red = r.records().get(0);
        ObjectNode blue = r.records().get(1);
        assertThat(red.get("colour").asText()).isEqualTo("red");
        assertThat(red.has("red_light")).isTrue();
        assertThat(red.has("blue_objects")).isFalse();
        assertThat(blue.get("colour").asText()).isEqualTo("blue");
        assertThat(blue.has("blue_objects")).isTrue();
        assertThat(blue.has("red_light")).isFalse();
        assertThat(r.credits()).isEqualTo(4);
    }

    @Test
    void forcedBranchSkipsTheSelectorTaskAndItsCredit() {
        FlowDefinition flow = h.save("f", """
                {"name": "n", "top_node": {"type": "branch_selector", "id": "sel", "task": "colour", "field": "colour",
                 "branches": [
                   {"label": "red", "action": {"type": "recognition", "id": "r", "task": "light", "output_field": "light"}},
                   {"label": "green", "action": {"type": "detection", "id": "g", "task": "blocks"}}]}}""");
        ObjectNode forced = Harness.record(Pictures.plain(Color.RED, 10, 10));
        forced.put("colour", "green");
        ObjectNode wrong = Harness.record(Pictures.plain(Color.RED, 10, 10));
        wrong.put("colour", "purple");
        ObjectNode normal = Harness.record(Pictures.plain(Color.RED, 10, 10));
        RunResult r = h.run(flow, forced, wrong, normal);

        assertThat(r.records().get(0).get("colour").asText()).isEqualTo("green");
        assertThat(r.records().get(0).has("_objects")).as("the forced branch ran").isTrue();
        assertThat(r.records().get(0).has("light")).isFalse();
        assertThat(r.records().get(1).at("/_status/code").asInt()).isEqualTo(400);
        assertThat(r.records().get(1).at("/_status/text").asText())
                .contains("colour", "purple", "not a label", "red, green, blue");
        assertThat(r.records().get(2).at("/_status/code").asInt()).isEqualTo(200);
        assertThat(r.records().get(2).at("/light/best_label/name").asText()).isEqualTo("dark");
        assertThat(h.tasks.calls("colour")).as("only the unforced record was classified").isEqualTo(1);
        // forced: 1 (blocks); wrong: 0; normal: selector + light = 2
        assertThat(r.credits()).isEqualTo(3);
    }

    @Test
    void thresholdModeRunsEveryBranchOverTheThresholdAndTheDefaultWhenNone() {
        h.tasks.classifier("tags", List.of("pool", "garden", "garage"),
                img -> img.getRGB(0, 0) == Color.WHITE.getRGB() ? new double[] {0.9, 0.7, 0.1} : new double[] {0.2, 0.1, 0.3});
        String flow = """
                {"name": "n", "top_node": {"type": "branch_selector", "task": "tags", "field": "tags", "mode": "threshold",
                 "threshold": 0.5, "branches": [
                   {"label": "pool", "action": {"type": "recognition", "task": "colour", "output_field": "pool_colour"}},
                   {"label": "garden", "action": {"type": "recognition", "task": "light", "output_field": "garden_light"}},
                   {"label": "garage", "action": {"type": "detection", "task": "blocks", "output_field": "cars"}}],
                 "default": {"type": "recognition", "task": "light", "output_field": "fallback"}}}""";
        RunResult r = h.run(flow, Pictures.plain(Color.WHITE, 10, 10), Pictures.plain(Color.BLACK, 10, 10));
        ObjectNode both = r.records().get(0);
        assertThat(both.get("tags").toString()).isEqualTo("[\"pool\",\"garden\"]");
        assertThat(both.has("pool_colour")).isTrue();
        assertThat(both.has("garden_light")).isTrue();
        assertThat(both.has("cars")).isFalse();
        assertThat(both.has("fallback")).isFalse();
        ObjectNode none = r.records().get(1);
        assertThat(none.get("tags")).isEmpty();
        assertThat(none.has("fallback")).as("the default branch ran").isTrue();
        assertThat(r.credits()).isEqualTo(3 + 2);
    }

    @Test
    void bestModeFallsBackToTheDefaultWhenTheBestLabelHasNoBranch() {
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "branch_selector", "task": "colour", "field": "colour", "branches": [
                   {"label": "red", "action": {"type": "recognition", "task": "light", "output_field": "red_light"}}],
                 "default": {"type": "detection", "task": "blocks", "output_field": "other"}}}""",
                Pictures.plain(Color.GREEN, 10, 10));
        assertThat(r.records().get(0).has("other")).isTrue();
        assertThat(r.records().get(0).has("red_light")).isFalse();
    }

    @Test
    void objectSelectorListsEveryObjectButAnalysesAndChargesOnlyTheSelectedOnes() {
        // the detector reports blocks in raster order of their top-left pixel: the pale car comes
        // first, so the results of the objects after it must land at their index in the whole list
        BufferedImage img = Pictures.blocks(400, 200,
                new Color(200, 120, 120), 120, 2, 60, 40,    // pale car: prob 80/255 = 0.31, under min_prob 0.5
                Color.RED, 10, 10, 100, 80,                  // big strong car
                Color.BLUE, 200, 20, 120, 100,               // big truck
                new Color(170, 110, 110), 150, 150, 60, 40,  // paler car: prob 60/255 = 0.24, under what a detection lists
                Color.RED, 360, 180, 8, 8);                  // tiny car: under min_area
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "object_selector", "id": "sel", "task": "blocks",
                 "output_field": "vehicles", "min_prob": 0.5, "min_area": 0.01, "padding": 0,
                 "action": {"type": "recognition", "id": "col", "task": "colour", "output_field": "colour"},
                 "branches": [
                   {"label": "Car", "action": {"type": "recognition", "id": "type", "task": "light", "output_field": "type"}},
                   {"label": "Truck", "action": {"type": "detection", "id": "size", "task": "blocks", "output_field": "parts"}}]}}""", img);
        JsonNode vehicles = r.records().get(0).get("vehicles");
        assertThat(names(vehicles)).containsExactly("Car", "Car", "Truck", "Car");
        assertThat(vehicles).extracting(o -> o.get("bound_box").toString())
                .containsExactly("[120,2,180,42]", "[10,10,110,90]", "[200,20,320,120]", "[360,180,368,188]");
        JsonNode pale = vehicles.get(0);
        JsonNode car = vehicles.get(1);
        JsonNode truck = vehicles.get(2);
        JsonNode tiny = vehicles.get(3);
        assertThat(pale.get("prob").asDouble()).isEqualTo(Results.round(80 / 255.0));
        assertThat(fields(pale)).as("not analysed: a plain detection object").containsExactly("id", "name", "prob", "bound_box");
        assertThat(fields(tiny)).as("not analysed: a plain detection object").containsExactly("id", "name", "prob", "bound_box");
        assertThat(car.at("/colour/best_label/name").asText()).as("the crop holds the red block").isEqualTo("red");
        assertThat(car.has("type")).isTrue();
        assertThat(car.has("parts")).isFalse();
        assertThat(truck.at("/colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(truck.has("type")).isFalse();
        // the truck's own detection ran on the crop, and reports the box in the original image
        assertThat(truck.at("/parts/0/bound_box").toString()).isEqualTo("[200,20,320,120]");
        // selector 1 + colour on 2 objects + type on the car + parts on the truck; the pale and the tiny car cost nothing
        assertThat(r.credits()).isEqualTo(1 + 2 + 1 + 1);
        assertThat(r.creditsByAction()).containsOnly(Map.entry("sel", 1), Map.entry("col", 2), Map.entry("type", 1),
                Map.entry("size", 1));
    }

    @Test
    void objectSelectorListsWhatADetectionListsAndItsLabelsOnlyChooseWhatIsAnalysed() {
        BufferedImage img = Pictures.blocks(200, 100,
                Color.RED, 10, 10, 60, 40,                  // a big car, but not a truck
                new Color(120, 120, 200), 80, 10, 50, 40,   // a big pale truck: 80/255 = 0.31, under min_prob
                new Color(110, 110, 170), 140, 10, 30, 20,  // a paler truck: 0.24, under what a detection lists
                Color.BLUE, 10, 55, 40, 30);                // a big strong truck
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "detection", "task": "blocks", "output_field": "found"},
                  {"type": "object_selector", "task": "blocks", "output_field": "selected", "min_prob": 0.9,
                   "min_area": 0.05, "labels": ["Truck"],
                   "action": {"type": "recognition", "task": "colour", "output_field": "colour"}}]}}""", img);
        ObjectNode rec = r.records().get(0);
        assertThat(rec.get("found")).hasSize(3);
        List<JsonNode> plain = new ArrayList<>();
        for (JsonNode o : rec.get("selected")) {
            ObjectNode copy = o.deepCopy();
            copy.remove("colour");
            plain.add(copy);
        }
        assertThat(plain).as("the selector's list, without sub-results").containsExactlyElementsOf(rec.get("found"));
        // only the strong truck passes the labels, min_prob and min_area (1000 of the image's 20000 pixels)
        assertThat(rec.get("selected")).extracting(o -> o.has("colour")).containsExactly(false, false, true);
        assertThat(rec.at("/selected/2/colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(r.credits()).isEqualTo(1 + 1 + 1);
    }

    @Test
    void objectSelectorUnderTheDetectionDefaultListsAndAnalysesDownToItsMinProb() {
        BufferedImage img = Pictures.blocks(200, 100,
                new Color(110, 110, 170), 10, 10, 30, 20,   // pale truck: 60/255 = 0.24
                new Color(100, 100, 150), 60, 10, 30, 20,   // fainter truck: 50/255 = 0.196, under min_prob
                Color.RED, 10, 50, 40, 30);
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "detection", "task": "blocks", "output_field": "found"},
                  {"type": "object_selector", "id": "sel", "task": "blocks", "output_field": "selected", "min_prob": 0.2,
                   "action": {"type": "recognition", "id": "col", "task": "colour", "output_field": "colour"}}]}}""", img);
        ObjectNode rec = r.records().get(0);
        assertThat(names(rec.get("found"))).containsExactly("Car");
        // the detector was asked with min_prob: the pale truck is listed and analysed, the fainter one is not listed
        assertThat(names(rec.get("selected"))).containsExactly("Truck", "Car");
        assertThat(rec.at("/selected/0/prob").asDouble()).isEqualTo(Results.round(60 / 255.0));
        assertThat(rec.at("/selected/0/colour/best_label/name").asText()).isEqualTo("blue");
        assertThat(rec.at("/selected/1/colour/best_label/name").asText()).isEqualTo("red");
        assertThat(r.creditsByAction()).containsEntry("sel", 1).containsEntry("col", 2);
    }

    @Test
    void objectSelectorLabelsFilterAndPaddingAndImageSizeKeepOriginalCoordinates() {
        BufferedImage img = Pictures.blocks(800, 400, Color.RED, 100, 100, 200, 100, Color.BLUE, 500, 200, 100, 100);
        // the padded crop is cut from the original: the inner detection sees the whole truck
        RunResult r = h.run("""
                {"name": "n", "image_size": 400, "top_node": {"type": "object_selector", "task": "blocks",
                 "labels": ["Truck"], "padding": 10,
                 "action": {"type": "detection", "task": "blocks", "output_field": "inner", "keep_prob": 0.5}}}""", img);
        JsonNode objects = r.records().get(0).get("_objects");
        assertThat(names(objects)).containsExactly("Car", "Truck");
        assertThat(fields(objects.get(0))).as("the car is listed, not analysed").containsExactly("id", "name", "prob", "bound_box");
        assertThat(objects.at("/0/bound_box").toString()).isEqualTo("[100,100,300,200]");
        // found at half size, reported in the 800x400 original
        assertThat(objects.at("/1/bound_box").toString()).isEqualTo("[500,200,600,300]");
        // the padded crop shows the whole truck, and the inner box maps back to the same place
        assertThat(objects.at("/1/inner/0/bound_box").toString()).isEqualTo("[500,200,600,300]");
        assertThat(r.records().get(0).get("_width").asInt()).isEqualTo(800);
        assertThat(r.credits()).isEqualTo(2);
    }

    @Test
    void nestedFlowRunsInTheSameRecordAndItsNodesAreBilledUnderTheNestingNode() {
        h.save("inner", """
                {"name": "inner", "top_node": {"type": "recognition", "task": "light", "output_field": "light"}}""");
        RunResult r = h.run("""
                {"name": "outer", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "colour", "output_field": "colour"},
                  {"type": "flow", "id": "nest", "flow": "inner"}]}}""", Pictures.plain(Color.WHITE, 10, 10));
        assertThat(r.records().get(0).at("/light/best_label/name").asText()).isEqualTo("bright");
        assertThat(r.records().get(0).has("colour")).isTrue();
        assertThat(r.credits()).isEqualTo(2);
        // ids are unique per flow only (both flows may generate "recognition-1"): the nesting node keeps them apart
        assertThat(r.creditsByAction()).containsExactlyInAnyOrderEntriesOf(
                java.util.Map.of("recognition-2", 1, "nest/recognition-1", 1));
    }

    @Test
    void withImageSizeCropsAreStillCutFromTheOriginalImage() {
        List<String> cropSizes = Collections.synchronizedList(new ArrayList<>());
        h.tasks.custom("measure", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                cropSizes.add(image.getWidth() + "x" + image.getHeight());
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        BufferedImage big = Pictures.blocks(1600, 800, Color.BLUE, 800, 400, 400, 192);
        RunResult r = h.run("""
                {"name": "n", "image_size": 100, "top_node": {"type": "object_selector", "task": "blocks", "padding": 8,
                 "action": {"type": "recognition", "task": "measure", "output_field": "m"}}}""", big);
        assertThat(r.records().get(0).at("/_objects/0/bound_box").toString()).isEqualTo("[800,400,1200,592]");
        // 400x192 and 8 pixels of padding on each side, in original pixels
        assertThat(cropSizes).containsExactly("416x208");
    }

    @Test
    void boxesMapBackWithTheScaleOfEachAxis() {
        RunResult r = h.run("""
                {"name": "n", "image_size": 100, "top_node": {"type": "detection", "task": "blocks"}}""",
                Pictures.plain(Color.RED, 999, 333));
        // 999x333 is seen as 100x33: one scale would give a height of 330
        assertThat(r.records().get(0).at("/_objects/0/bound_box").toString()).isEqualTo("[0,0,999,333]");
    }

    @Test
    void detectionsKeepTheOrderOfTheirTask() {
        h.tasks.custom("lines", TaskKind.DETECTION, List.of("text"), new TaskRunner() {
            @Override
            public List<io.visionflow.task.DetectedObject> detect(BufferedImage image, double minProb) {
                // reading order, not probability order
                return List.of(
                        new io.visionflow.task.DetectedObject("t", "text", 0.6, new io.visionflow.task.Box(0, 0, 10, 2)),
                        new io.visionflow.task.DetectedObject("t", "text", 0.9, new io.visionflow.task.Box(0, 4, 10, 6)));
            }
        });
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "detection", "task": "lines"}}""", Pictures.plain(Color.WHITE, 10, 10));
        assertThat(r.records().get(0).at("/_objects/0/prob").asDouble()).isEqualTo(0.6);
        assertThat(r.records().get(0).at("/_objects/1/prob").asDouble()).isEqualTo(0.9);
    }

    /** The names of the objects of a list, in order (not those of their sub-results). */
    static List<String> names(JsonNode objects) {
        List<String> out = new ArrayList<>();
        objects.forEach(o -> out.add(o.get("name").asText()));
        return out;
    }

    /** The field names of a result object, in order. */
    static List<String> fields(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void aFailingTaskFailsOnlyItsRecordWithAClearStatus() {
        h.tasks.custom("flaky", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                if (image.getRGB(0, 0) == Color.BLACK.getRGB()) {
                    throw new TaskException(502, "remote model answered 500");
                }
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        h.tasks.custom("buggy", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                if (image.getRGB(0, 0) == Color.BLACK.getRGB()) {
                    throw new IllegalStateException("boom");
                }
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "list", "actions": [
                  {"type": "recognition", "task": "flaky", "output_field": "a"}]}}""",
                Pictures.plain(Color.BLACK, 4, 4), Pictures.plain(Color.WHITE, 4, 4));
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(502);
        assertThat(r.records().get(0).at("/_status/text").asText()).contains("flaky", "remote model answered 500");
        assertThat(r.records().get(1).at("/_status/code").asInt()).isEqualTo(200);

        RunResult bug = h.run("""
                {"name": "n", "top_node": {"type": "recognition", "task": "buggy", "output_field": "a"}}""",
                Pictures.plain(Color.BLACK, 4, 4), Pictures.plain(Color.WHITE, 4, 4));
        assertThat(bug.records().get(0).at("/_status/code").asInt()).isEqualTo(500);
        assertThat(bug.records().get(1).at("/_status/code").asInt()).isEqualTo(200);
    }

    @Test
    void aBadImageFailsOnlyItsRecord() {
        FlowDefinition flow = h.save("f", """
                {"name": "n", "top_node": {"type": "recognition", "task": "colour", "output_field": "c"}}""");
        ObjectNode bad = Harness.JSON.createObjectNode().put("_base64", "bm90IGFuIGltYWdl").put("_id", "bad");
        ObjectNode none = Harness.JSON.createObjectNode().put("_id", "none");
        ObjectNode good = Harness.record(Pictures.plain(Color.RED, 4, 4)).put("_id", "good");
        RunResult r = h.run(flow, bad, none, good);
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(400);
        assertThat(r.records().get(0).get("_id").asText()).isEqualTo("bad");
        assertThat(r.records().get(1).at("/_status/code").asInt()).isEqualTo(400);
        assertThat(r.records().get(2).at("/_status/code").asInt()).isEqualTo(200);
        assertThat(r.credits()).isEqualTo(1);
    }

    @Test
    void aTaskDeletedUnderAFlowFailsItsRecordsWithAConflict() {
        FlowDefinition flow = h.save("f", """
                {"name": "n", "top_node": {"type": "recognition", "task": "colour", "output_field": "c"}}""");
        h.tasks.remove("colour");
        RunResult r = h.run(flow, Harness.record(Pictures.plain(Color.RED, 4, 4)));
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(409);
        assertThat(r.records().get(0).at("/_status/text").asText()).contains("colour", "no longer exists");
        assertThat(r.credits()).isZero();
    }

    @Test
    void theDeadlineFailsUnfinishedRecordsAndInterruptsTheirSteps() {
        CountDownLatch interrupted = new CountDownLatch(1);
        h.tasks.custom("stuck", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                if (image.getRGB(0, 0) == Color.BLACK.getRGB()) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw new TaskException(504, "interrupted");
                    }
                }
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        h.deadline = Duration.ofMillis(300);
        RunResult r = h.run("""
                {"name": "n", "top_node": {"type": "recognition", "task": "stuck", "output_field": "a"}}""",
                Pictures.plain(Color.BLACK, 4, 4), Pictures.plain(Color.WHITE, 4, 4));
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(504);
        assertThat(r.records().get(0).at("/_status/text").asText()).contains("deadline");
        assertThat(r.records().get(1).at("/_status/code").asInt()).isEqualTo(200);
        assertThat(r.credits()).as("the unfinished record is not billed").isEqualTo(1);
        assertThat(awaitQuietly(interrupted)).as("the stuck step was interrupted").isTrue();
    }

    @Test
    void cancellingARunStopsItsStepsAndFailsItsUnfinishedRecords() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        AtomicInteger laterCalls = new AtomicInteger();
        h.tasks.custom("slow", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                started.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw new TaskException(504, "interrupted");
                }
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        h.tasks.custom("later", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                laterCalls.incrementAndGet();
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        FlowDefinition flow = h.save("seq", """
                {"name": "n", "top_node": {"type": "list", "mode": "sequence", "actions": [
                  {"type": "recognition", "task": "slow", "output_field": "a"},
                  {"type": "recognition", "task": "later", "output_field": "b"}]}}""");
        StepContext ctx = new StepContext("test", h.tasks, id -> java.util.Optional.empty(), h.tasks,
                new io.visionflow.image.MemoryImageStore(), io.visionflow.service.ServiceCatalog.empty());
        InProcessDriver.Execution run = h.driver.start(flow, List.of(Harness.record(Pictures.plain(Color.RED, 4, 4))), ctx, Harness.LOADER);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        run.cancel(503, "the client went away");
        RunResult r = run.await(Duration.ofSeconds(10));
        assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(503);
        assertThat(r.records().get(0).at("/_status/text").asText()).isEqualTo("the client went away");
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(laterCalls.get()).as("no step starts after the cancellation").isZero();
        assertThat(r.credits()).isZero();
    }

    @Test
    void concurrencyStaysWithinTheDriversBound() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        h.tasks.custom("busy", TaskKind.CLASSIFICATION, List.of("x"), new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                max.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                return new Classification(List.of(new LabelProb("x", "x", 1)));
            }
        });
        StringBuilder actions = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            actions.append(i == 0 ? "" : ",").append("{\"type\": \"recognition\", \"task\": \"busy\", \"output_field\": \"f")
                    .append(i).append("\"}");
        }
        FlowDefinition flow = h.save("wide", "{\"name\": \"n\", \"top_node\": {\"type\": \"list\", \"actions\": [" + actions + "]}}");
        try (InProcessDriver narrow = new InProcessDriver(3)) {
            StepContext ctx = new StepContext("test", h.tasks, id -> java.util.Optional.empty(), h.tasks,
                    new io.visionflow.image.MemoryImageStore(), io.visionflow.service.ServiceCatalog.empty());
            RunResult r = narrow.run(flow, List.of(Harness.record(Pictures.plain(Color.RED, 4, 4)),
                    Harness.record(Pictures.plain(Color.RED, 4, 4))), ctx, Harness::decode, Duration.ofSeconds(30));
            assertThat(r.credits()).isEqualTo(24);
        }
        assertThat(max.get()).isBetween(2, 3);
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }
}
