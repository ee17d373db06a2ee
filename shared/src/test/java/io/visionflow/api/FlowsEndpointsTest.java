package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.visionflow.api.ApiHarness.TOKEN_A;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /flows/v2/flow/} through {@link Api#handle}: entities, pagination, versions, /json, delete. */
class FlowsEndpointsTest {
    private final ApiHarness h = new ApiHarness();
    private String garment;
    private String sleeve;
    private String colour;

    @BeforeEach
    void tasks() {
        garment = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("brightness.onnx")), "garment", "Pants", "Shirt");
        sleeve = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("top_bottom.onnx")), "sleeve", "short", "long");
        colour = h.classifier(TOKEN_A, h.uploadModel(TOKEN_A, ApiHarness.testModel("mean_colour.onnx")), "colour", "red", "green", "blue");
    }

    @AfterEach
    void close() {
        h.close();
    }

    private String simple(String name) {
        return "{\"name\": \"" + name + "\", \"top_node\": {\"type\": \"recognition\", \"id\": \"c\", \"task\": \"" + colour
                + "\", \"output_field\": \"colour\"}}";
    }

    @Test
    void entityHasExactlyTheDocumentedFields() {
        String id = h.flow(TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        JsonNode f = h.ok("GET", "/flows/v2/flow/" + id + "/", TOKEN_A, null);
        Set<String> fields = new HashSet<>();
        f.fieldNames().forEachRemaining(fields::add);
        // image_size only when the flow has one: never null, which Ximilar clients cannot take
        assertThat(fields).containsExactlyInAnyOrder("id", "name", "description", "workspace", "top_node", "valid",
                "version", "created", "updated");
        assertThat(f.get("name").asText()).isEqualTo("fashion");
        assertThat(f.get("description").asText()).isEqualTo("garment, then its details");
        assertThat(f.get("valid").asBoolean()).isTrue();
        assertThat(f.at("/top_node/type").asText()).isEqualTo("branch_selector");
    }

    @Test
    void listPagesWithNextAndPrevious() {
        for (int i = 0; i < 7; i++) {
            h.flow(TOKEN_A, simple("flow " + i));
        }
        Map<String, String> host = Map.of("host", "api.example", "authorization", "Token " + TOKEN_A);
        ApiResponse first = h.api.handle(new ApiRequest("GET", "/flows/v2/flow/", Map.of("page_size", java.util.List.of("3")), host, null));
        JsonNode p1 = first.bodyJson();
        assertThat(p1.get("count").asInt()).isEqualTo(7);
        assertThat(p1.get("results")).hasSize(3);
        assertThat(p1.at("/results/0/name").asText()).isEqualTo("flow 0");
        // a path whatever the Host: clients join it to the address they called
        assertThat(p1.get("next").asText()).isEqualTo("/flows/v2/flow/?page=2&page_size=3");
        assertThat(p1.get("previous").isNull()).isTrue();
        JsonNode p2 = h.ok("GET", "/flows/v2/flow?page=2&page_size=3", TOKEN_A, null);
        assertThat(p2.at("/results/0/name").asText()).isEqualTo("flow 3");
        assertThat(p2.get("next").asText()).isEqualTo("/flows/v2/flow?page=3&page_size=3");
        assertThat(p2.get("previous").asText()).isEqualTo("/flows/v2/flow?page=1&page_size=3");
        JsonNode p3 = h.ok("GET", "/flows/v2/flow?page=3&page_size=3", TOKEN_A, null);
        assertThat(p3.get("results")).hasSize(1);
        assertThat(p3.get("next").isNull()).isTrue();
        h.expect(404, "GET", "/flows/v2/flow?page=4&page_size=3", TOKEN_A, null);
        h.expect(404, "GET", "/flows/v2/flow?page=2147483647", TOKEN_A, null);
        h.expect(400, "GET", "/flows/v2/flow?page=0", TOKEN_A, null);
        h.expect(400, "GET", "/flows/v2/flow?page_size=1000", TOKEN_A, null);
    }

    @Test
    void putAndPatchStoreNewVersionsAndJsonShowsTheTree() {
        String id = h.flow(TOKEN_A, simple("v1"));
        JsonNode put = h.ok("PUT", "/flows/v2/flow/" + id, TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        assertThat(put.get("version").asInt()).isEqualTo(2);
        assertThat(put.get("name").asText()).isEqualTo("fashion");
        JsonNode patched = h.ok("PATCH", "/flows/v2/flow/" + id, TOKEN_A, "{\"description\": \"patched\", \"image_size\": 512}");
        assertThat(patched.get("version").asInt()).isEqualTo(3);
        assertThat(patched.get("name").asText()).isEqualTo("fashion");
        assertThat(patched.get("description").asText()).isEqualTo("patched");
        assertThat(patched.get("image_size").asInt()).isEqualTo(512);
        assertThat(patched.get("created").asText()).isEqualTo(put.get("created").asText());

        JsonNode json = h.ok("GET", "/flows/v2/flow/" + id + "/json", TOKEN_A, null);
        assertThat(json.get("version").asInt()).isEqualTo(3);
        assertThat(json.at("/top_node/id").asText()).isEqualTo("category");
        assertThat(json.at("/top_node/branches/0/action/type").asText()).isEqualTo("recognition");
        assertThat(json.at("/top_node/branches/0/action/id").asText()).isEqualTo("sleeve");

        // an invalid update is rejected with its path, and the stored version stays
        JsonNode bad = h.expect(400, "PATCH", "/flows/v2/flow/" + id, TOKEN_A,
                "{\"top_node\": {\"type\": \"recognition\", \"id\": \"x\", \"task\": \"nope\", \"output_field\": \"f\"}}");
        assertThat(bad.at("/status/errors/0/path").asText()).isEqualTo("top_node.task");
        assertThat(h.ok("GET", "/flows/v2/flow/" + id, TOKEN_A, null).get("version").asInt()).isEqualTo(3);

        // image_size 0 is the original size, as no key is: the flow then has none
        JsonNode original = h.ok("PATCH", "/flows/v2/flow/" + id, TOKEN_A, "{\"image_size\": 0}");
        assertThat(original.has("image_size")).isFalse();
        assertThat(h.ok("GET", "/flows/v2/flow/" + id + "/json", TOKEN_A, null).has("image_size")).isFalse();
        assertThat(h.expect(400, "PATCH", "/flows/v2/flow/" + id, TOKEN_A, "{\"image_size\": 8}")
                .at("/status/errors/0/path").asText()).isEqualTo("image_size");
    }

    @Test
    void putOfAGetAnswerIsAccepted() {
        String id = h.flow(TOKEN_A, simple("round trip"));
        ObjectNode got = (ObjectNode) h.ok("GET", "/flows/v2/flow/" + id, TOKEN_A, null);
        got.put("name", "renamed");
        JsonNode put = h.ok("PUT", "/flows/v2/flow/" + id, TOKEN_A, got.toString());
        assertThat(put.get("name").asText()).isEqualTo("renamed");
        assertThat(put.get("version").asInt()).isEqualTo(2);
    }

    @Test
    void deletingANestedFlowNeedsForceAndInvalidatesItsParents() {
        String child = h.flow(TOKEN_A, simple("child"));
        String parent = h.flow(TOKEN_A, "{\"name\": \"parent\", \"top_node\": {\"type\": \"flow\", \"id\": \"n\", \"flow\": \"" + child + "\"}}");
        JsonNode conflict = h.expect(409, "DELETE", "/flows/v2/flow/" + child, TOKEN_A, null);
        assertThat(conflict.at("/status/detail").asText()).contains(parent);
        h.ok("GET", "/flows/v2/flow/" + child, TOKEN_A, null);
        h.expect(204, "DELETE", "/flows/v2/flow/" + child + "?force=true", TOKEN_A, null);
        h.expect(404, "GET", "/flows/v2/flow/" + child, TOKEN_A, null);
        assertThat(h.ok("GET", "/flows/v2/flow/" + parent, TOKEN_A, null).get("valid").asBoolean()).isFalse();
        h.expect(204, "DELETE", "/flows/v2/flow/" + parent, TOKEN_A, null);
        assertThat(h.ok("GET", "/flows/v2/flow/", TOKEN_A, null).get("count").asInt()).isZero();
    }

    @Test
    void validateAnswersWhatCreateWouldWithoutStoring() {
        JsonNode ok = h.ok("POST", "/flows/v2/validate", TOKEN_A, ApiHarness.fashion(garment, sleeve, colour));
        assertThat(ok.get("valid").asBoolean()).isTrue();
        assertThat(ok.get("errors")).isEmpty();
        assertThat(ok.at("/definition/top_node/branches/0/action/id").asText()).isEqualTo("sleeve");

        String bad = ApiHarness.fashion(garment, "nope", colour).replace("\"Pants\", \"action\"", "\"Hat\", \"action\"");
        JsonNode problems = h.expect(400, "POST", "/flows/v2/validate/", TOKEN_A, bad);
        assertThat(problems.at("/status/errors").findValuesAsText("path"))
                .containsExactlyInAnyOrder("top_node.branches[0].action.task", "top_node.branches[1].label");
        assertThat(problems.get("detail").asText()).startsWith("the flow is not valid: ");
        assertThat(h.ok("GET", "/flows/v2/flow/", TOKEN_A, null).get("count").asInt()).isZero();

        // the flow being edited may not nest itself
        String id = h.flow(TOKEN_A, simple("target"));
        String selfNesting = "{\"name\": \"loop\", \"top_node\": {\"type\": \"flow\", \"id\": \"n\", \"flow\": \"" + id + "\"}}";
        h.ok("POST", "/flows/v2/validate", TOKEN_A, selfNesting);
        assertThat(h.expect(400, "POST", "/flows/v2/validate?id=" + id, TOKEN_A, selfNesting).at("/status/errors/0/path").asText())
                .startsWith("top_node");
        h.expect(401, "POST", "/flows/v2/validate", null, selfNesting);
    }
}
