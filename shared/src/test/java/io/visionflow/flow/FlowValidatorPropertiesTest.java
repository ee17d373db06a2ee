package io.visionflow.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.task.Label;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validator never throws: not on generated definitions, not on definitions mutated at random,
 * not on arbitrary JSON. Valid generated definitions survive a write/parse round trip.
 */
class FlowValidatorPropertiesTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Map<String, Task> TASKS = Map.of(
            "cls", new Task("cls", "cls", TaskKind.CLASSIFICATION, List.of(new Label("a", "A"), new Label("b", "B")), null),
            "det", new Task("det", "det", TaskKind.DETECTION, List.of(new Label("c", "Car"), new Label("t", "Truck")), null));
    private static final FlowDefinition NESTED = new FlowDefinition("nested", "", null,
            new Recognition("r", "cls", "nested_out", null));

    private static FlowValidator validator() {
        return new FlowValidator(id -> Optional.ofNullable(TASKS.get(id)),
                id -> id.equals("nested") ? Optional.of(NESTED) : Optional.empty(),
                Set.of("dominant_colors"), FlowValidator.Limits.defaults());
    }

    @Property(tries = 300)
    void generatedFlowsValidateWithoutThrowingAndRoundTrip(@ForAll("flows") ObjectNode flow) {
        FlowValidator.Validation v = validator().validate(flow, "self");
        Statistics.label("valid").collect(v.valid());
        assertThat(v.problems()).allSatisfy(p -> assertThat(p.message()).isNotBlank());
        if (v.valid()) {
            ObjectNode written = FlowJson.write(v.definition());
            assertThat(FlowParser.parse(written).definition()).isEqualTo(v.definition());
            assertThat(validator().validate(written, "self").problems()).isEmpty();
        }
    }

    @Property(tries = 300)
    @net.jqwik.api.statistics.StatisticsReport(label = "valid", format = net.jqwik.api.statistics.NumberRangeHistogram.class)
    void enoughGeneratedFlowsAreValidToTestTheRoundTrip(@ForAll("flows") ObjectNode flow) {
        Statistics.label("valid").collect(validator().validate(flow, "self").valid());
        Statistics.label("valid").coverage(c -> c.check(true).percentage(p -> p > 20));
    }

    @Property(tries = 500)
    void mutatedFlowsNeverThrow(@ForAll("flows") ObjectNode flow, @ForAll long seed) {
        Random random = new Random(seed);
        JsonNode mutated = flow;
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
            mutated = mutate(mutated, random);
        }
        FlowValidator.Validation v = validator().validate(mutated, "self");
        assertThat(v.valid() == (v.definition() != null)).isTrue();
        assertThat(v.problems()).allSatisfy(p -> assertThat(p.path()).doesNotContain("io.visionflow"));
    }

    @Property(tries = 300)
    void arbitraryJsonNeverThrows(@ForAll("anyJson") JsonNode json) {
        FlowValidator.Validation v = validator().validate(json, null);
        assertThat(v.valid()).isFalse();
    }

    @Property(tries = 200)
    void policiesSurviveTheRoundTripAndInvalidOnesAreNamed(@ForAll("flows") ObjectNode flow) {
        FlowValidator.Validation v = validator().validate(flow, "self");
        List<JsonNode> given = flow.findParents("type").stream().filter(n -> n.has("retry") || n.has("timeout_ms")).toList();
        Statistics.label("with policies").collect(!given.isEmpty());
        if (v.valid()) {
            ObjectNode written = FlowJson.write(v.definition());
            // every policy given is written back, and none is invented
            assertThat(written.findParents("type").stream().filter(n -> n.has("retry") || n.has("timeout_ms")).count())
                    .isEqualTo(given.size());
        } else {
            // a policy problem is reported under a policy path, never as an unknown field
            assertThat(v.problems()).noneMatch(p -> (p.path().endsWith(".retry") || p.path().endsWith(".timeout_ms"))
                    && p.message().startsWith("unknown field"));
        }
    }

    @Provide
    Arbitrary<ObjectNode> flows() {
        return action(0).map(top -> {
            ObjectNode flow = F.objectNode();
            flow.put("name", "generated");
            flow.set("top_node", top);
            return flow;
        });
    }

    private Arbitrary<ObjectNode> action(int depth) {
        Arbitrary<ObjectNode> leaf = Arbitraries.oneOf(
                field().map(f -> node("recognition").put("task", "cls").put("output_field", f)),
                field().map(f -> node("detection").put("task", "det").put("output_field", f)),
                field().map(f -> node("service").put("service", "dominant_colors").put("output_field", f)),
                Arbitraries.just(node("flow").put("flow", "nested")));
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
                    ObjectNode n = node("branch_selector").put("task", "cls").put("field", field).put("mode", mode);
                    ObjectNode b = n.putArray("branches").addObject().put("label", "A");
                    b.set("action", a);
                    def.ifPresent(d -> n.set("default", d));
                    return n;
                });
        Arbitrary<ObjectNode> objects = Combinators.combine(field(), Arbitraries.doubles().between(0, 1),
                Arbitraries.lazy(() -> action(depth + 1)), Arbitraries.integers().between(0, 20))
                .as((field, minProb, a, padding) -> {
                    ObjectNode n = node("object_selector").put("task", "det").put("output_field", field)
                            .put("min_prob", minProb).put("padding", padding);
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

    @Provide
    Arbitrary<JsonNode> anyJson() {
        return json(0);
    }

    private Arbitrary<JsonNode> json(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(8).map(F::textNode),
                Arbitraries.of("list", "recognition", "branch_selector", "object_selector", "flow", "top_node", "type")
                        .map(s -> (JsonNode) F.textNode(s)),
                Arbitraries.doubles().map(F::numberNode),
                Arbitraries.integers().map(F::numberNode),
                Arbitraries.of(F.nullNode(), F.booleanNode(true), F.booleanNode(false)));
        if (depth > 3) {
            return scalar;
        }
        Arbitrary<JsonNode> array = Arbitraries.lazy(() -> json(depth + 1)).list().ofMaxSize(3).map(items -> {
            ArrayNode a = F.arrayNode();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Combinators.combine(
                Arbitraries.of("type", "top_node", "name", "actions", "task", "branches", "action", "id", "flow", "x")
                        .list().ofMaxSize(4),
                Arbitraries.lazy(() -> json(depth + 1)).list().ofSize(4)).as((keys, values) -> {
            ObjectNode o = F.objectNode();
            for (int i = 0; i < keys.size(); i++) {
                o.set(keys.get(i), values.get(i));
            }
            return o;
        });
        return Arbitraries.oneOf(scalar, array, object);
    }

    /** One random change somewhere in the tree: drop, replace or retype a value, or wrap it. */
    private static JsonNode mutate(JsonNode root, Random random) {
        JsonNode copy = root.deepCopy();
        List<JsonNode> containers = new ArrayList<>();
        collect(copy, containers);
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
