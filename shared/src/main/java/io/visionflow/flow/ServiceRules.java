package io.visionflow.flow;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/** What the validator knows of the built-in services: their names and the problems of their {@code params}. */
public interface ServiceRules {
    Set<String> names();

    /** Problems of {@code params} for {@code service}, paths relative to {@code params}. */
    List<Problem> check(String service, ObjectNode params);

    /** Services known by name only; any params are accepted. */
    static ServiceRules named(Set<String> names) {
        Set<String> copy = Set.copyOf(names);
        return new ServiceRules() {
            @Override
            public Set<String> names() {
                return copy;
            }

            @Override
            public List<Problem> check(String service, ObjectNode params) {
                return List.of();
            }
        };
    }
}
