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
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
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
            mutated = FlowArbitraries.mutate(mutated, random);
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

    private static final FlowArbitraries GENERATED = new FlowArbitraries("cls", "A", "det", List.of("nested"),
            List.of("dominant_colors"));

    @Provide
    Arbitrary<ObjectNode> flows() {
        return GENERATED.flows();
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
}
