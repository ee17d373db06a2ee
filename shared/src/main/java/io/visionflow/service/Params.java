package io.visionflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reading and checking a service's {@code params}. Problems name the field relative to
 * {@code params} ({@code count}); the flow validator puts the action's path in front.
 */
final class Params {
    private final ObjectNode params;
    private final List<Problem> problems = new ArrayList<>();

    private Params(ObjectNode params) {
        this.params = params;
    }

    /** Starts checking {@code params}; any field not in {@code known} is a problem. */
    static Params check(ObjectNode params, Set<String> known) {
        Params p = new Params(params);
        params.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                p.problems.add(new Problem(f, "unknown parameter (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            }
        });
        return p;
    }

    /** An optional whole number in {@code [min, max]}. */
    Params integer(String field, int min, int max) {
        JsonNode v = params.get(field);
        if (v != null && !v.isNull() && (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max)) {
            problems.add(new Problem(field, v + " is not a whole number from " + min + " to " + max));
        }
        return this;
    }

    /** An optional number in {@code [min, max]}. */
    Params number(String field, double min, double max) {
        JsonNode v = params.get(field);
        if (v != null && !v.isNull() && (!v.isNumber() || v.asDouble() < min || v.asDouble() > max)) {
            problems.add(new Problem(field, v + " is not a number from " + min + " to " + max));
        }
        return this;
    }

    /** An optional string, one of {@code values}. */
    Params oneOf(String field, List<String> values) {
        JsonNode v = params.get(field);
        if (v != null && !v.isNull() && (!v.isTextual() || !values.contains(v.asText()))) {
            problems.add(new Problem(field, v + " is not one of " + String.join(", ", values)));
        }
        return this;
    }

    /** An optional whole number, one of {@code values}. */
    Params oneOf(String field, int... values) {
        JsonNode v = params.get(field);
        if (v == null || v.isNull()) {
            return this;
        }
        for (int allowed : values) {
            if (v.isIntegralNumber() && v.asLong() == allowed) {
                return this;
            }
        }
        List<String> names = new ArrayList<>();
        for (int allowed : values) {
            names.add(Integer.toString(allowed));
        }
        problems.add(new Problem(field, v + " is not one of " + String.join(", ", names)));
        return this;
    }

    /** An optional non-empty string. */
    Params text(String field) {
        JsonNode v = params.get(field);
        if (v != null && !v.isNull() && (!v.isTextual() || v.asText().isBlank())) {
            problems.add(new Problem(field, v + " is not a non-empty string"));
        }
        return this;
    }

    /** A problem of its own, for rules between fields. */
    Params problem(String field, String message) {
        problems.add(new Problem(field, message));
        return this;
    }

    List<Problem> problems() {
        return List.copyOf(problems);
    }

    static int integer(ObjectNode params, String field, int fallback) {
        JsonNode v = params.get(field);
        return v == null || v.isNull() ? fallback : v.asInt();
    }

    static double number(ObjectNode params, String field, double fallback) {
        JsonNode v = params.get(field);
        return v == null || v.isNull() ? fallback : v.asDouble();
    }

    static String text(ObjectNode params, String field, String fallback) {
        JsonNode v = params.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }
}
