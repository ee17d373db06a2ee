package io.visionflow.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Flow definitions with every action type, over the tasks, labels, nested flows and services a
 * test has, and random changes to any JSON tree: for the validator's properties and the API fuzz suite.
 *
 * @param classifier a classification task id
 * @param label      one of its label names, for branches
 * @param detector   a detection task id
 * @param nested     ids of flows to nest (may be empty)
 * @param services   service names
 */
public record FlowArbitraries(String classifier, String label, String detector, List<String> nested, List<String> services) {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** {@code {"name", "top_node"}} with a tree of up to four levels. */
    public Arbitrary<ObjectNode> flows() {
        return action(0).map(top -> {
            ObjectNode flow = F.objectNode();
            flow.put("name", "generated");
            flow.set("top_node", top);
            return flow;
        });
    }

    public Arbitrary<ObjectNode> action(int depth) {
        List<Arbitrary<ObjectNode>> leaves = new ArrayList<>(List.of(
                field().map(f -> node("recognition").put("task", classifier).put("output_field", f)),
                field().map(f -> node("detection").put("task", detector).put("output_field", f))));
        if (!services.isEmpty()) {
            leaves.add(Combinators.combine(field(), Arbitraries.of(services))
                    .as((f, s) -> node("service").put("service", s).put("output_field", f)));
        }
        if (!nested.isEmpty()) {
            leaves.add(Arbitraries.of(nested).map(id -> node("flow").put("flow", id)));
        }
        Arbitrary<ObjectNode> leaf = Arbitraries.oneOf(leaves);
        if (depth >= 3) {
            return withPolicy(leaf);
        }
        Arbitrary<ObjectNode> list = Combinators.combine(Arbitraries.of("parallel", "sequence"),
                Arbitraries.lazy(() -> action(depth + 1)).list().ofMaxSize(3)).as((mode, children) -> {
            ObjectNode n = node("list").put("mode", mode);
            ArrayNode arr = n.putArray("actions");
            children.forEach(arr::add);
            return n;
        });
        Arbitrary<ObjectNode> branch = Combinators.combine(field(), Arbitraries.of("best", "threshold"),
                Arbitraries.lazy(() -> action(depth + 1)), Arbitraries.lazy(() -> action(depth + 1)).optional())
                .as((field, mode, a, def) -> {
                    ObjectNode n = node("branch_selector").put("task", classifier).put("field", field).put("mode", mode);
                    ObjectNode b = n.putArray("branches").addObject().put("label", label);
                    b.set("action", a);
                    def.ifPresent(d -> n.set("default", d));
                    return n;
                });
        Arbitrary<ObjectNode> objects = Combinators.combine(field(), Arbitraries.doubles().between(0, 1),
                Arbitraries.lazy(() -> action(depth + 1)), Arbitraries.integers().between(0, 20),
                Arbitraries.of(0.05, 0.1).optional())
                .as((field, minProb, a, padding, minArea) -> {
                    ObjectNode n = node("object_selector").put("task", detector).put("output_field", field)
                            .put("min_prob", minProb).put("padding", padding);
                    minArea.ifPresent(m -> n.put("min_area", m));
                    n.set("action", a);
                    return n;
                });
        return withPolicy(Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(2, list), Tuple.of(1, branch), Tuple.of(1, objects)));
    }

    /** Actions with a retry and a timeout now and then, mostly valid ones, sometimes out of range. */
    private static Arbitrary<ObjectNode> withPolicy(Arbitrary<ObjectNode> actions) {
        Arbitrary<Optional<ObjectNode>> retry = Combinators.combine(
                mostly(Arbitraries.integers().between(1, 10), Arbitraries.of(0, 11)).optional(),
                mostly(Arbitraries.of(0, 50, 200), Arbitraries.of(70_000)).optional(),
                mostly(Arbitraries.of(300, 5000), Arbitraries.of(100, 400_000)).optional(),
                mostly(Arbitraries.of(List.of("timeout"), List.of("server_error"), List.of("timeout", "server_error")),
                        Arbitraries.of(List.<String>of(), List.of("timeout", "timeout"), List.of("never"))).optional())
                .as((attempts, backoff, maxDelay, on) -> {
                    ObjectNode r = F.objectNode();
                    attempts.ifPresent(a -> r.put("max_attempts", a));
                    backoff.ifPresent(b -> r.put("backoff", b));
                    maxDelay.ifPresent(d -> r.put("max_delay", d));
                    on.ifPresent(values -> {
                        ArrayNode arr = r.putArray("on");
                        values.forEach(arr::add);
                    });
                    return r;
                }).optional(0.2);
        Arbitrary<Optional<Integer>> timeout = mostly(Arbitraries.of(1, 250, 600_000), Arbitraries.of(0, 600_001)).optional(0.2);
        return Combinators.combine(actions, retry, timeout).as((action, r, t) -> {
            r.ifPresent(value -> action.set("retry", value));
            t.ifPresent(value -> action.put("timeout_ms", value));
            return action;
        });
    }

    /** {@code good} nine times in ten, else {@code bad}. */
    private static <T> Arbitrary<T> mostly(Arbitrary<T> good, Arbitrary<T> bad) {
        return Arbitraries.frequencyOf(Tuple.of(9, good), Tuple.of(1, bad));
    }

    private static Arbitrary<String> field() {
        return Arbitraries.of("a", "b", "c", "d", "e", "colour", "_objects", "_status");
    }

    private static ObjectNode node(String type) {
        return F.objectNode().put("type", type);
    }

    /** One random change somewhere in a copy of the tree: drop, replace or retype a value, or wrap it. */
    public static JsonNode mutate(JsonNode root, Random random) {
        JsonNode copy = root.deepCopy();
        List<JsonNode> containers = new ArrayList<>();
        collect(copy, containers);
        if (containers.isEmpty()) {
            return F.objectNode();
        }
        JsonNode target = containers.get(random.nextInt(containers.size()));
        JsonNode[] replacements = {F.nullNode(), F.textNode("x"), F.numberNode(-1), F.numberNode(1e9),
                F.arrayNode(), F.objectNode(), F.booleanNode(true), F.textNode("list"), F.textNode("")};
        if (target instanceof ObjectNode o && o.size() > 0) {
            List<String> names = new ArrayList<>();
            Iterator<String> it = o.fieldNames();
            it.forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(3)) {
                case 0 -> o.remove(name);
                case 1 -> o.set(name, replacements[random.nextInt(replacements.length)]);
                default -> o.set(name, F.arrayNode().add(o.get(name)));
            }
        } else if (target instanceof ArrayNode a && a.size() > 0) {
            int i = random.nextInt(a.size());
            if (random.nextBoolean()) {
                a.remove(i);
            } else {
                a.set(i, replacements[random.nextInt(replacements.length)]);
            }
        } else if (target instanceof ObjectNode o) {
            o.put("type", "recognition");
        }
        return copy;
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collect(child, out));
        }
    }
}
