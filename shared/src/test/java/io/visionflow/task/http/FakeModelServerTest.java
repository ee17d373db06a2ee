package io.visionflow.task.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The harness itself, seen from a plain HTTP client: what engine tests and benchmarks rely on. */
class FakeModelServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String png(Color colour) throws Exception {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                img.setRGB(x, y, colour.getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    @Test
    void answersEveryRecordFromItsImage() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            server.classifyWith("/c", img -> new Color(img.getRGB(0, 0)).getRed() > 128
                    ? Map.of("red", 0.9, "other", 0.1) : Map.of("red", 0.2, "other", 0.8));
            String body = "{\"records\": [{\"_id\": \"a\", \"_base64\": \"" + png(Color.RED) + "\"},"
                    + " {\"_id\": \"b\", \"_base64\": \"data:image/png;base64," + png(Color.BLUE) + "\"},"
                    + " {\"_id\": \"c\", \"_base64\": \"not an image\"}]}";
            HttpResponse<String> response = post(server.url("/c"), body);

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode records = JSON.readTree(response.body()).get("records");
            assertThat(records).hasSize(3);
            assertThat(records.get(0).get("_id").asText()).isEqualTo("a");
            assertThat(records.get(0).at("/best_label/name").asText()).isEqualTo("red");
            assertThat(records.get(0).at("/labels/1/prob").asDouble()).isEqualTo(0.1);
            assertThat(records.get(1).at("/best_label/name").asText()).isEqualTo("other");
            assertThat(records.get(2).at("/_status/code").asInt()).isEqualTo(400);
            assertThat(server.calls("/c")).isEqualTo(1);
            assertThat(server.lastRequest("/c").images()).hasSize(3).last().isNull();
        }
    }

    @Test
    void detectsWithBoundBoxes() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            server.detect("/d", List.of(FakeModelServer.object("Car", 0.75, 1, 2, 3, 4)));
            HttpResponse<String> response = post(server.url("/d"), "{\"records\": [{\"_base64\": \"" + png(Color.RED) + "\"}]}");
            JsonNode object = JSON.readTree(response.body()).at("/records/0/_objects/0");
            assertThat(object.get("name").asText()).isEqualTo("Car");
            assertThat(object.get("prob").asDouble()).isEqualTo(0.75);
            assertThat(object.get("bound_box").toString()).isEqualTo("[1.0,2.0,3.0,4.0]");
        }
    }

    @Test
    void unknownPathIs404AndDelayDelays() throws Exception {
        try (FakeModelServer server = FakeModelServer.start()) {
            assertThat(post(server.url("/nope"), "{}").statusCode()).isEqualTo(404);
            server.respond("/r", 503, "{\"detail\": \"busy\"}").delay("/r", 200);
            long start = System.nanoTime();
            HttpResponse<String> response = post(server.url("/r"), "{}");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(190);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("busy");
        }
    }
}
