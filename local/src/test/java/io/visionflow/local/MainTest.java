package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as the README uses it: the demo answers a real request on the real models. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private JsonNode response() throws IOException {
        String text = out.toString(StandardCharsets.UTF_8);
        return new ObjectMapper().readTree(text.substring(text.lastIndexOf("\n{\n") + 1));
    }

    /** The responses of a {@code demo} run, one per demo flow. */
    private List<JsonNode> demoResponses() throws IOException {
        String text = out.toString(StandardCharsets.UTF_8);
        List<JsonNode> responses = new ArrayList<>();
        String marker = "response for the samples astronaut.jpg and notice.png:\n";
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
            responses.add(new ObjectMapper().readerFor(JsonNode.class).<JsonNode>readValues(text.substring(at + marker.length())).next());
        }
        return responses;
    }

    @Test
    void demoFindsTheFaceAndTheUpsideDownLineThenRunsTheServices() throws IOException {
        assertThat(run("demo")).isZero();
        List<JsonNode> responses = demoResponses();
        assertThat(responses).hasSize(Main.DEMO_FLOWS.size());
        JsonNode response = responses.get(0);
        assertThat(response.at("/status/code").asInt()).isEqualTo(200);
        JsonNode astronaut = response.at("/records/0");
        assertThat(astronaut.get("faces")).hasSize(1);
        assertThat(astronaut.at("/faces/0/bound_box/0").asInt()).isBetween(150, 210);
        JsonNode notice = response.at("/records/1");
        List<JsonNode> lines = new ArrayList<>();
        notice.get("text_lines").forEach(lines::add);
        lines.sort((a, b) -> Integer.compare(a.at("/bound_box/1").asInt(), b.at("/bound_box/1").asInt()));
        assertThat(lines).extracting(l -> l.at("/orientation/best_label/name").asText()).containsExactly("0", "180", "0");
        // 2 detections per image, one orientation call per line
        assertThat(response.at("/statistics/credits").asInt()).isEqualTo(4 + 3);

        JsonNode services = responses.get(1);
        assertThat(services.at("/status/code").asInt()).isEqualTo(200);
        JsonNode face = services.at("/records/0/faces");
        assertThat(face).hasSize(1);
        assertThat(face.at("/0/colours/colors")).hasSize(3);
        assertThat(services.at("/records/1/text/lines").size()).isGreaterThanOrEqualTo(3);
        // 2 face detections and read_text (2) per image, and the colours of the one face (1)
        assertThat(services.at("/statistics/credits").asInt()).isEqualTo(2 + 2 * 2 + 1);
        assertThat(services.at("/statistics/credits_by_action/face_colours").asInt()).isEqualTo(1);
        assertThat(services.at("/records/1/text/text").asText()).contains("Visionflow");
    }

    @Test
    void runHasTheBuiltinServices(@TempDir Path dir) throws IOException {
        Path flow = dir.resolve("flow.json");
        Files.writeString(flow, """
                {"name": "services", "top_node": {"type": "list", "actions": [
                  {"type": "service", "service": "read_text", "output_field": "text"},
                  {"type": "service", "service": "dominant_colors", "output_field": "colours", "params": {"count": 2}}]}}""");
        Path notice = Path.of("src/main/resources/samples/notice.png");
        assertThat(run("run", flow.toString(), notice.toString())).isZero();
        JsonNode response = response();
        assertThat(response.at("/records/0/text/lines").size()).isGreaterThanOrEqualTo(2);
        assertThat(response.at("/records/0/colours/colors")).hasSize(2);
        assertThat(response.at("/statistics/credits").asInt()).isEqualTo(2 + 1);
    }

    @Test
    void runReportsAnInvalidFlowWithPathsAndAMissingImageAsARecordError(@TempDir Path dir) throws IOException {
        Path flow = dir.resolve("flow.json");
        Files.writeString(flow, """
                {"name": "bad", "top_node": {"type": "recognition", "task": "face-detector"}}""");
        Path notImage = dir.resolve("notes.txt");
        Files.writeString(notImage, "not an image");
        assertThat(run("run", flow.toString(), notImage.toString())).isEqualTo(1);
        JsonNode invalid = response();
        assertThat(invalid.at("/status/code").asInt()).isEqualTo(400);
        assertThat(invalid.at("/status/errors").findValuesAsText("path"))
                .containsExactlyInAnyOrder("top_node.task", "top_node.output_field");

        Files.writeString(flow, """
                {"name": "ok", "top_node": {"type": "detection", "task": "face-detector"}}""");
        out.reset();
        assertThat(run("run", flow.toString(), notImage.toString())).isZero();
        JsonNode response = response();
        assertThat(response.at("/records/0/_status/code").asInt()).isEqualTo(400);
        assertThat(response.at("/statistics/credits").asInt()).isZero();
    }

    @Test
    void validateAndUsage(@TempDir Path dir) throws IOException {
        Path flow = dir.resolve("flow.json");
        Files.writeString(flow, """
                {"name": "x", "top_node": {"type": "detection", "task": "text-orientation"}}""");
        assertThat(run("validate", flow.toString())).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("top_node.task: task ", "is a classification task; detection needs a detection task");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: visionflow demo");
    }
}
