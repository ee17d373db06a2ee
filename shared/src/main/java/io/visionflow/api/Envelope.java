package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.RunResult;
import io.visionflow.flow.Problem;

import java.util.List;
import java.util.Map;

/** The response envelope of DESIGN section 1: {@code records}, {@code status}, {@code statistics}. */
public final class Envelope {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Map<Integer, String> TEXTS = Map.ofEntries(
            Map.entry(200, "OK"), Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
            Map.entry(402, "Payment Required"), Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
            Map.entry(409, "Conflict"), Map.entry(413, "Payload Too Large"), Map.entry(415, "Unsupported Media Type"), Map.entry(429, "Too Many Requests"),
            Map.entry(500, "Internal Server Error"), Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"));

    private Envelope() {
    }

    /** A processed batch: records fail one by one in their {@code _status}; the request itself is a 200. */
    public static ObjectNode ok(RunResult result, String requestId) {
        ObjectNode o = F.objectNode();
        ArrayNode records = o.putArray("records");
        result.records().forEach(records::add);
        o.set("status", status(200, TEXTS.get(200), requestId));
        ObjectNode stats = o.putObject("statistics");
        stats.put("processing time", result.elapsed().toNanos() / 1e9);
        stats.put("credits", result.credits());
        ObjectNode byAction = stats.putObject("credits_by_action");
        result.creditsByAction().forEach(byAction::put);
        return o;
    }

    /** An error: the status object with {@code detail} (what Django REST clients read) and the problems' paths. */
    public static ObjectNode error(int code, String detail, String requestId, List<Problem> problems) {
        ObjectNode o = F.objectNode();
        o.putArray("records");
        ObjectNode status = status(code, TEXTS.getOrDefault(code, "Error"), requestId);
        status.put("detail", detail);
        if (!problems.isEmpty()) {
            ArrayNode errors = status.putArray("errors");
            problems.forEach(p -> errors.addObject().put("path", p.path()).put("message", p.message()));
        }
        o.set("status", status);
        o.put("detail", detail);
        return o;
    }

    private static ObjectNode status(int code, String text, String requestId) {
        ObjectNode s = F.objectNode();
        s.put("code", code);
        s.put("text", text);
        if (requestId != null) {
            s.put("request_id", requestId);
        }
        return s;
    }
}
