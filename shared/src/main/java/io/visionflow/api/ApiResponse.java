package io.visionflow.api;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response as plain data; {@code body} is JSON unless the content type says otherwise. */
public record ApiResponse(int status, Map<String, String> headers, byte[] body) {
    private static final ObjectMapper JSON = Mappers.create();

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public static ApiResponse json(int status, JsonNode body, String requestId) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        if (requestId != null) {
            headers.put("X-Request-Id", requestId);
        }
        try {
            return new ApiResponse(status, headers, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode bodyJson() {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not a JSON body: " + bodyText(), e);
        }
    }
}
