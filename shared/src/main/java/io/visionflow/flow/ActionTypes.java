package io.visionflow.flow;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The action types of the flow JSON and the fields each accepts. */
final class ActionTypes {
    static final List<String> NAMES = List.of("list", "recognition", "detection", "branch_selector",
            "object_selector", "flow", "service");

    private static final Map<String, Set<String>> FIELDS = Map.of(
            "list", Set.of("type", "id", "mode", "actions"),
            "recognition", Set.of("type", "id", "task", "output_field", "top_k"),
            "detection", Set.of("type", "id", "task", "output_field", "keep_prob"),
            "branch_selector", Set.of("type", "id", "task", "field", "mode", "threshold", "branches", "default"),
            "object_selector", Set.of("type", "id", "task", "output_field", "min_prob", "min_area", "labels",
                    "padding", "action", "branches"),
            "flow", Set.of("type", "id", "flow"),
            "service", Set.of("type", "id", "service", "output_field", "params"));

    private ActionTypes() {
    }

    /** Fields every action type accepts besides its own: how its step is called. */
    static final Set<String> POLICY_FIELDS = Set.of("retry", "timeout_ms");

    static Set<String> fields(String type) {
        Set<String> fields = new java.util.HashSet<>(FIELDS.get(type));
        fields.addAll(POLICY_FIELDS);
        return fields;
    }
}
