package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.visionflow.flow.FlowValidator;
import io.visionflow.image.ImageLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every input limit of issue 7 is a setting, and going over it is answered with 413 or 400 and a
 * message that names the limit: the body, records per request, image bytes, pixels (from the
 * header), JSON nesting, flow depth and size, labels per task.
 */
class InputLimitsTest {
    private static ApiHarness h;
    private static String colour;

    @BeforeAll
    static void setUp() {
        h = new ApiHarness(c -> {
            c.maxBodyBytes = 200_000;
            c.maxRecords = 3;
            c.maxLabels = 4;
            c.imageLimits = ImageLimits.defaults().withMaxBytes(2_000).withMaxPixels(64 * 64);
            c.flowLimits = new FlowValidator.Limits(2, 1, 3);
        });
        String model = h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx"));
        colour = h.classifier(TOKEN_A, model, "colour", "red", "green", "blue");
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    private static String classify(String... records) {
        return "{\"task\": \"" + colour + "\", \"records\": [" + String.join(", ", records) + "]}";
    }

    private static String detail(JsonNode answer) {
        return answer.path("status").path("detail").asText() + " " + answer.path("status").path("errors");
    }

    @Test
    void bodyOverTheLimitIs413NamingIt() {
        JsonNode r = h.expect(413, "POST", "/recognition/v2/classify", TOKEN_A, "{\"x\": \"" + "a".repeat(200_001) + "\"}");
        assertThat(detail(r)).contains("over the limit of 200000 bytes");
    }

    @Test
    void recordsOverTheLimitAre400NamingIt() {
        String img = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
        JsonNode r = h.expect(400, "POST", "/recognition/v2/classify", TOKEN_A, classify(img, img, img, img));
        assertThat(detail(r)).contains("4 records, over the limit of 3");
    }

    @Test
    void imageBytesAndPixelsOverTheLimitsFailTheirRecordWith413() {
        String small = ApiHarness.record(ApiHarness.plain(Color.RED, 8, 8));
        String wide = ApiHarness.record(ApiHarness.plain(Color.RED, 65, 64)); // a plain PNG: few bytes, too many pixels
        String noisy = ApiHarness.record(ApiHarness.topAndBottom(Color.RED, Color.BLUE, 60, 60));
        JsonNode r = h.ok("POST", "/recognition/v2/classify", TOKEN_A, classify(small, wide));
        assertThat(r.path("records").get(0).path("_status").path("code").asInt()).isEqualTo(200);
        assertThat(r.path("records").get(1).path("_status").path("code").asInt()).isEqualTo(413);
        assertThat(r.path("records").get(1).path("_status").path("text").asText())
                .contains("65×64 = 4160 pixels, over the limit of 4096 pixels");
        String big = "{\"_base64\": \"" + java.util.Base64.getEncoder().encodeToString(new byte[3_000]) + "\"}";
        JsonNode b = h.ok("POST", "/recognition/v2/classify", TOKEN_A, classify(big, noisy));
        assertThat(b.path("records").get(0).path("_status").path("code").asInt()).isEqualTo(413);
        assertThat(b.path("records").get(0).path("_status").path("text").asText())
                .contains("over the limit of 2000 bytes");
    }

    @Test
    void jsonNestedTooDeeplyIs400NamingTheLimit() {
        String deep = "{\"a\": " + "[".repeat(300) + "]".repeat(300) + "}";
        JsonNode r = h.expect(400, "POST", "/flows/v2/flow/", TOKEN_A, deep);
        assertThat(detail(r)).contains("nests JSON deeper than the limit of " + Call.MAX_JSON_DEPTH + " levels");
    }

    @Test
    void flowDepthAndSizeOverTheLimitsAre400NamingThem() {
        String rec = "{\"type\": \"recognition\", \"id\": \"%s\", \"task\": \"" + colour + "\", \"output_field\": \"%s\"}";
        String tooMany = "{\"name\": \"wide\", \"top_node\": {\"type\": \"list\", \"id\": \"l\", \"actions\": ["
                + rec.formatted("a", "a") + ", " + rec.formatted("b", "b") + ", " + rec.formatted("c", "c") + "]}}";
        assertThat(detail(h.expect(400, "POST", "/flows/v2/flow/", TOKEN_A, tooMany))).contains("more than 3 actions, the limit");
        String tooDeep = "{\"name\": \"deep\", \"top_node\": {\"type\": \"list\", \"id\": \"l1\", \"actions\": ["
                + "{\"type\": \"list\", \"id\": \"l2\", \"actions\": [" + "{\"type\": \"list\", \"id\": \"l3\", \"actions\": ["
                + rec.formatted("a", "a") + "]}]}]}}";
        assertThat(detail(h.expect(400, "POST", "/flows/v2/flow/", TOKEN_A, tooDeep))).contains("over the limit of 2");
    }

    @Test
    void labelsOverTheLimitAre400NamingIt() {
        String labels = "[\"l1\", \"l2\", \"l3\", \"l4\", \"l5\"]";
        JsonNode r = h.expect(400, "POST", "/recognition/v2/task/", TOKEN_A, "{\"name\": \"many\", \"labels\": " + labels
                + ", \"backend\": {\"kind\": \"http\", \"url\": \"https://models.invalid/classify\"}}");
        assertThat(detail(r)).contains("5 labels, over the limit of 4");
    }
}
