package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.service.BuiltinServices;
import io.visionflow.task.onnx.DirectoryModelSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static io.visionflow.api.ApiHarness.TOKEN_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code store_images}: the images services return are stored and answered as URLs of
 * {@code GET /v2/image/{id}}, which serves them to their account only; and {@code upscale} runs a
 * model the account uploaded, named by its id.
 */
class StoredImagesTest {
    private static BuiltinServices services;

    @BeforeAll
    static void open() throws Exception {
        services = BuiltinServices.open(new DirectoryModelSource(Path.of(StoredImagesTest.class.getResource("/models").toURI())),
                1, 4_000_000);
    }

    @AfterAll
    static void close() {
        services.close();
    }

    private static String flow(String model) {
        return """
                {"name": "bigger", "top_node": {"type": "list", "actions": [
                  {"type": "service", "id": "big", "service": "upscale", "output_field": "big", "params": {"factor": 2}},
                  {"type": "service", "id": "sr", "service": "upscale", "output_field": "sr",
                   "params": {"method": "onnx", "model": "%s"}}]}}""".formatted(model);
    }

    private static ApiResponse process(ApiHarness h, String token, String flow, String extra) {
        String body = "{\"flow\": \"" + flow + "\"" + extra + ", \"records\": ["
                + ApiHarness.record(ApiHarness.plain(Color.ORANGE, 8, 6)) + "]}";
        return h.api.handle(new ApiRequest("POST", "/flows/v2/process", Map.of(), Map.of("Authorization", "Token " + token,
                "Host", "api.example:8080", "X-Forwarded-Proto", "https"), body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void storedImagesAreServedToTheirAccountOnlyAndUploadedModelsRunForTheirAccountOnly() throws Exception {
        try (ApiHarness h = new ApiHarness(c -> c.services = services.catalog())) {
            String model = h.uploadModel(TOKEN_A, ApiHarness.testModel("pixel_shuffle_x2.onnx"));
            String flowA = h.flow(TOKEN_A, flow(model));

            JsonNode stored = process(h, TOKEN_A, flowA, ", \"store_images\": true").bodyJson().get("records").get(0);
            assertThat(stored.at("/_status/code").asInt()).as(stored.toString()).isEqualTo(200);
            for (String field : new String[] {"big", "sr"}) {
                String url = stored.at("/" + field + "/image").asText();
                assertThat(url).startsWith("https://api.example:8080/v2/image/");
                String path = url.substring("https://api.example:8080".length());
                ApiResponse image = h.call("GET", path, TOKEN_A, null);
                assertThat(image.status()).isEqualTo(200);
                assertThat(image.headers()).containsEntry("Content-Type", "image/png");
                BufferedImage png = ImageIO.read(new ByteArrayInputStream(image.body()));
                assertThat(png.getWidth()).isEqualTo(16);
                assertThat(png.getHeight()).isEqualTo(12);
                // another account's id is as unknown as a missing one
                h.expect(404, "GET", path, TOKEN_B, null);
                h.expect(401, "GET", path, null, null);
            }
            h.expect(404, "GET", "/v2/image/" + "0".repeat(64), TOKEN_A, null);
            h.expect(404, "GET", "/v2/image/..%2Fmodel%2F" + model, TOKEN_A, null);

            JsonNode inline = process(h, TOKEN_A, flowA, "").bodyJson().get("records").get(0);
            assertThat(inline.at("/big/image").asText()).startsWith("data:image/png;base64,");
            assertThat(inline.at("/sr/image").asText()).startsWith("data:image/png;base64,");

            ApiResponse bad = process(h, TOKEN_A, flowA, ", \"store_images\": \"yes\"");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.bodyJson().at("/status/errors/0/path").asText()).isEqualTo("store_images");

            // B names A's model: the flow is valid (params are checked without an account), the call is not
            String flowB = h.flow(TOKEN_B, flow(model));
            JsonNode b = process(h, TOKEN_B, flowB, "").bodyJson().get("records").get(0);
            assertThat(b.at("/_status/code").asInt()).isEqualTo(400);
            assertThat(b.at("/_status/text").asText()).contains("not a model this account uploaded");
        }
    }
}
