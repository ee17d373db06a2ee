package io.visionflow.api;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Map;

/**
 * One API call being answered: the request, its id, the caller's account (null on public routes)
 * and the parameters taken from the path.
 */
public final class Call {
    /**
     * Deepest JSON nesting of a body. Far above what a flow at the depth limit needs (three levels
     * per action), low enough that no recursive reader of the tree can run out of stack.
     */
    static final int MAX_JSON_DEPTH = 200;

    // trailing garbage after the object and repeated keys are mistakes to report, not to guess around
    static final ObjectMapper JSON = JsonMapper.builder(Mappers.factory()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final ApiRequest request;
    private final String requestId;
    private final String account;
    private final Map<String, String> params;
    private JsonNode body;
    private volatile Measure measure = Measure.NONE;

    /**
     * What a call did, for metrics and logs: the flow it ran (null for calls that run none), its
     * credits, its records and how many of them failed alone.
     */
    record Measure(String flow, long credits, int records, int recordErrors) {
        static final Measure NONE = new Measure(null, 0, 0, 0);
    }

    Call(ApiRequest request, String requestId, String account, Map<String, String> params) {
        this.request = request;
        this.requestId = requestId;
        this.account = account;
        this.params = Map.copyOf(params);
    }

    public ApiRequest request() {
        return request;
    }

    public String requestId() {
        return requestId;
    }

    public String account() {
        return account;
    }

    public String param(String name) {
        return params.get(name);
    }

    /** The body as a JSON object; anything else is a 400 that says what was wrong and where. */
    public ObjectNode jsonObject() {
        JsonNode node = json();
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("", "the body must be a JSON object, found " + describe(node));
        }
        return object;
    }

    public JsonNode json() {
        if (body != null) {
            return body;
        }
        if (request.body().length == 0) {
            throw ApiException.badRequest("", "the body is empty; send a JSON object");
        }
        try {
            body = JSON.readTree(request.body());
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("", "the body nests JSON deeper than the limit of " + MAX_JSON_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            // Jackson's own wording of trailing tokens names its classes; users need only where
            String why = e.getOriginalMessage().startsWith("Trailing token") ? "more follows the JSON value"
                    : e.getOriginalMessage();
            throw ApiException.badRequest("", "the body is not valid JSON: " + why
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.badRequest("", "the body cannot be read: " + e.getMessage());
        }
        if (body == null || body.isMissingNode()) {
            throw ApiException.badRequest("", "the body is empty; send a JSON object");
        }
        return body;
    }

    Measure measure() {
        return measure;
    }

    /** The call runs this flow ({@code "-"}: a single task); known before it runs, so errors count under it too. */
    void flow(String flow) {
        measure = new Measure(flow, measure.credits(), measure.records(), measure.recordErrors());
    }

    /** The call ran {@code flow} with this result. */
    void measured(String flow, io.visionflow.engine.RunResult result) {
        int errors = 0;
        for (ObjectNode r : result.records()) {
            if (r.path("_status").path("code").asInt(200) >= 400) {
                errors++;
            }
        }
        measure = new Measure(flow, result.credits(), result.records().size(), errors);
    }

    public ApiResponse ok(JsonNode body) {
        return ApiResponse.json(200, body, requestId);
    }

    public ApiResponse created(JsonNode body) {
        return ApiResponse.json(201, body, requestId);
    }

    public ApiResponse noContent() {
        return new ApiResponse(204, Map.of("X-Request-Id", requestId), new byte[0]);
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
