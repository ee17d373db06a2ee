package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of running a flow on a batch of records: each record with its results and
 * {@code _status}, and every charge made (in the order the steps finished).
 */
public record RunResult(List<ObjectNode> records, List<Charge> charges, Duration elapsed) {
    public RunResult {
        records = List.copyOf(records);
        charges = List.copyOf(charges);
    }

    public int credits() {
        return charges.stream().mapToInt(Charge::credits).sum();
    }

    /** Credits per flow node id: the per-action breakdown of a bill. */
    public Map<String, Integer> creditsByAction() {
        Map<String, Integer> out = new LinkedHashMap<>();
        charges.forEach(c -> out.merge(c.actionId(), c.credits(), Integer::sum));
        return out;
    }
}
