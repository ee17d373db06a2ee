package io.visionflow.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.task.Task;
import io.visionflow.task.TaskCatalog;
import io.visionflow.task.TaskKind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a flow against the account's tasks, flows and services and reports every problem with its
 * JSON path: missing or wrong-kind tasks, unknown labels, duplicate ids, output fields that collide
 * in one scope, nesting cycles and depth. Never throws on any JSON input.
 */
public final class FlowValidator {
    /** Fields the engine writes into (or reads from) every record. */
    public static final Set<String> RECORD_FIELDS = Set.of("_status", "_url", "_base64", "_id", "_width", "_height");
    /** Fields every object of an object selector already has. */
    public static final Set<String> OBJECT_FIELDS = Set.of("id", "name", "prob", "bound_box");

    private final TaskCatalog tasks;
    private final FlowCatalog flows;
    private final ServiceRules services;
    private final Limits limits;

    /** Structural limits of a flow definition. */
    public record Limits(int maxDepth, int maxNestedFlows, int maxActions) {
        public static Limits defaults() {
            return new Limits(16, 5, 500);
        }
    }

    public FlowValidator(TaskCatalog tasks, FlowCatalog flows, Set<String> services, Limits limits) {
        this(tasks, flows, ServiceRules.named(services), limits);
    }

    /** A validator that also checks each service action's {@code params} with the service's own rules. */
    public FlowValidator(TaskCatalog tasks, FlowCatalog flows, ServiceRules services, Limits limits) {
        this.tasks = tasks;
        this.flows = flows;
        this.services = services;
        this.limits = limits;
    }

    /** A definition fit to run (null when there are problems) and every problem found. */
    public record Validation(FlowDefinition definition, List<Problem> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /** Parses and validates flow JSON; {@code selfId} is the id of the flow being saved (null for a new one). */
    public Validation validate(JsonNode json, String selfId) {
        FlowParser.Result parsed = FlowParser.parse(json);
        List<Problem> problems = new ArrayList<>(parsed.problems());
        if (parsed.definition() != null) {
            problems.addAll(check(parsed.definition(), selfId));
        }
        return new Validation(problems.isEmpty() ? parsed.definition() : null, List.copyOf(dedupe(problems)));
    }

    /** Semantic checks of a parsed definition (for example again when a task it uses changes). */
    public List<Problem> check(FlowDefinition def, String selfId) {
        Walk walk = new Walk(selfId);
        try {
            walk.walk(def.topNode(), "top_node", new HashMap<>(), true, 1);
        } catch (RuntimeException e) {
            // a catalog that throws must not turn a validation into a server fault
            walk.problem("top_node", "could not be checked: " + e.getMessage());
        }
        return walk.problems;
    }

    private static List<Problem> dedupe(List<Problem> problems) {
        return List.copyOf(new LinkedHashSet<>(problems));
    }

    /**
     * Who writes a field of a scope ({@code label}: the mode of the branch selector that writes it,
     * null for other actions); a selector's field may be read by a later selector of the same mode.
     */
    private record Writer(String path, BranchSelector.Mode label, String via) {
        String describe(String field) {
            return "output field \"" + field + "\"" + (via == null ? "" : " of nested flow \"" + via + "\"");
        }
    }

    /** One validation pass; {@code scope} maps each written field to its writer. */
    private final class Walk {
        final List<Problem> problems = new ArrayList<>();
        final Map<String, String> ids = new HashMap<>();
        final Deque<String> nesting = new ArrayDeque<>();
        final String selfId;
        boolean depthReported;
        int actions;
        /** Inside a nested flow, problems are reported once at the node that nests it. */
        String nestedAt;
        String nestedFlow;

        Walk(String selfId) {
            this.selfId = selfId;
        }

        void problem(String path, String message) {
            if (nestedAt != null) {
                problems.add(new Problem(nestedAt, "nested flow \"" + nestedFlow + "\" is not valid here: "
                        + (path.isEmpty() ? "" : path + ": ") + message));
            } else {
                problems.add(new Problem(path, message));
            }
        }

        void walk(Action action, String path, Map<String, Writer> scope, boolean recordScope, int depth) {
            if (action == null) {
                return;
            }
            if (++actions == limits.maxActions() + 1) {
                problem(path, "the flow has more than " + limits.maxActions() + " actions, the limit");
            }
            if (depth > limits.maxDepth()) {
                if (!depthReported) {
                    depthReported = true;
                    problem(path, "actions are nested " + depth + " levels deep, over the limit of " + limits.maxDepth());
                }
                return;
            }
            if (nestedAt == null && action.id() != null) {
                String first = ids.putIfAbsent(action.id(), path);
                if (first != null) {
                    problem(path + ".id", "\"" + action.id() + "\" is already the id of " + first);
                }
            }
            switch (action) {
                case ListAction a -> {
                    List<Branchlet> children = new ArrayList<>();
                    for (int i = 0; i < a.actions().size(); i++) {
                        children.add(new Branchlet(a.actions().get(i), path + ".actions[" + i + "]"));
                    }
                    if (a.mode() == ListAction.Mode.SEQUENCE) {
                        children.forEach(c -> walk(c.action, c.path, scope, recordScope, depth + 1));
                    } else {
                        together(children, scope, recordScope, depth);
                    }
                }
                case Recognition a -> {
                    task(a.task(), path, TaskKind.CLASSIFICATION, "recognition");
                    write(scope, recordScope, a.outputField(), path + ".output_field", null);
                }
                case Detection a -> {
                    task(a.task(), path, TaskKind.DETECTION, "detection");
                    write(scope, recordScope, a.outputField(), path + ".output_field", null);
                }
                case BranchSelector a -> branchSelector(a, path, scope, recordScope, depth);
                case ObjectSelector a -> objectSelector(a, path, scope, recordScope, depth);
                case NestedFlow a -> nested(a, path, scope, recordScope, depth);
                case ServiceCall a -> {
                    Set<String> names = services.names();
                    if (a.service() != null && !names.contains(a.service())) {
                        problem(path + ".service", "unknown service \"" + a.service() + "\" (available: "
                                + (names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList())) + ")");
                    } else if (a.service() != null) {
                        ObjectNode params = a.params() == null ? JsonNodeFactory.instance.objectNode() : a.params();
                        for (Problem p : services.check(a.service(), params)) {
                            String sub = p.path().isEmpty() || p.path().startsWith("[") ? p.path() : "." + p.path();
                            problem(path + ".params" + sub, p.message());
                        }
                    }
                    write(scope, recordScope, a.outputField(), path + ".output_field", null);
                }
            }
        }

        private record Branchlet(Action action, String path) {
        }

        /** Actions that may run at the same time: none may write a field another one writes. */
        void together(List<Branchlet> branches, Map<String, Writer> scope, boolean recordScope, int depth) {
            Map<String, Writer> added = new HashMap<>();
            for (Branchlet b : branches) {
                Map<String, Writer> fork = new HashMap<>(scope);
                walk(b.action, b.path, fork, recordScope, depth + 1);
                fork.forEach((field, writer) -> {
                    if (scope.containsKey(field)) {
                        return;
                    }
                    Writer first = added.putIfAbsent(field, writer);
                    if (first != null) {
                        problem(writer.path, writer.describe(field) + " is also written by " + first.path
                                + ", which may run at the same time");
                    }
                });
            }
            scope.putAll(added);
        }

        /** Actions of which at most one runs: they may reuse each other's fields. */
        void oneOf(List<Branchlet> branches, Map<String, Writer> scope, boolean recordScope, int depth) {
            Map<String, Writer> merged = new HashMap<>(scope);
            for (Branchlet b : branches) {
                Map<String, Writer> fork = new HashMap<>(scope);
                walk(b.action, b.path, fork, recordScope, depth + 1);
                fork.forEach(merged::putIfAbsent);
            }
            scope.putAll(merged);
        }

        void branchSelector(BranchSelector a, String path, Map<String, Writer> scope, boolean recordScope, int depth) {
            Optional<Task> task = task(a.task(), path, TaskKind.CLASSIFICATION, "branch_selector");
            List<Branchlet> branches = new ArrayList<>();
            for (int i = 0; i < a.branches().size(); i++) {
                label(task, a.branches().get(i).label(), path + ".branches[" + i + "].label");
                branches.add(new Branchlet(a.branches().get(i).action(), path + ".branches[" + i + "].action"));
            }
            write(scope, recordScope, a.field(), path + ".field", a.mode());
            Branchlet fallback = new Branchlet(a.defaultAction(), path + ".default");
            if (a.mode() == BranchSelector.Mode.THRESHOLD) {
                // several branches may run together; the default only when none did
                Map<String, Writer> before = new HashMap<>(scope);
                together(branches, scope, recordScope, depth);
                Map<String, Writer> fork = new HashMap<>(before);
                walk(fallback.action, fallback.path, fork, recordScope, depth + 1);
                fork.forEach(scope::putIfAbsent);
            } else {
                List<Branchlet> all = new ArrayList<>(branches);
                all.add(fallback);
                oneOf(all, scope, recordScope, depth);
            }
        }

        void objectSelector(ObjectSelector a, String path, Map<String, Writer> scope, boolean recordScope, int depth) {
            Optional<Task> task = task(a.task(), path, TaskKind.DETECTION, "object_selector");
            for (int i = 0; i < a.labels().size(); i++) {
                label(task, a.labels().get(i), path + ".labels[" + i + "]");
            }
            List<Branchlet> branches = new ArrayList<>();
            for (int i = 0; i < a.branches().size(); i++) {
                String label = a.branches().get(i).label();
                label(task, label, path + ".branches[" + i + "].label");
                if (!a.labels().isEmpty() && !a.labels().contains(label)) {
                    problem(path + ".branches[" + i + "].label", "\"" + label
                            + "\" is filtered out by labels " + a.labels() + ": this branch can never run");
                }
                branches.add(new Branchlet(a.branches().get(i).action(), path + ".branches[" + i + "].action"));
            }
            write(scope, recordScope, a.outputField(), path + ".output_field", null);
            // each object is a scope of its own; `action` and the object's one branch run side by side
            Map<String, Writer> objectScope = new HashMap<>();
            Map<String, Writer> afterAction = new HashMap<>();
            walk(a.action(), path + ".action", afterAction, false, depth + 1);
            for (Branchlet b : branches) {
                Map<String, Writer> fork = new HashMap<>(objectScope);
                walk(b.action, b.path, fork, false, depth + 1);
                fork.forEach((field, writer) -> {
                    Writer first = afterAction.get(field);
                    if (first != null) {
                        problem(writer.path, writer.describe(field) + " is also written by " + first.path
                                + ", which runs on the same objects");
                    }
                });
            }
        }

        void nested(NestedFlow a, String path, Map<String, Writer> scope, boolean recordScope, int depth) {
            if (a.flow() == null) {
                return;
            }
            String chain = String.join(" → ", nesting) + (nesting.isEmpty() ? "" : " → ") + a.flow();
            if (a.flow().equals(selfId) || nesting.contains(a.flow())) {
                problem(path + ".flow", "nesting cycle: " + (selfId == null ? "" : selfId + " → ") + chain);
                return;
            }
            if (nesting.size() + 1 > limits.maxNestedFlows()) {
                problem(path + ".flow", "flows are nested more than " + limits.maxNestedFlows() + " deep, the limit: " + chain);
                return;
            }
            Optional<FlowDefinition> nestedDef = flows.find(a.flow());
            if (nestedDef.isEmpty()) {
                problem(path + ".flow", "no flow with id \"" + a.flow() + "\"");
                return;
            }
            String outerAt = nestedAt;
            String outerFlow = nestedFlow;
            if (nestedAt == null) {
                nestedAt = path;
                nestedFlow = a.flow();
            }
            nesting.push(a.flow());
            try {
                walk(nestedDef.get().topNode(), "top_node", scope, recordScope, depth + 1);
            } finally {
                nesting.pop();
                nestedAt = outerAt;
                nestedFlow = outerFlow;
            }
        }

        Optional<Task> task(String id, String path, TaskKind kind, String actionType) {
            if (id == null) {
                return Optional.empty();
            }
            Optional<Task> task = tasks.find(id);
            if (task.isEmpty()) {
                problem(path + ".task", "no task with id \"" + id + "\"");
                return task;
            }
            if (task.get().kind() != kind) {
                problem(path + ".task", "task \"" + task.get().name() + "\" is a " + task.get().kind().wire()
                        + " task; " + actionType + " needs a " + kind.wire() + " task");
                return Optional.empty();
            }
            return task;
        }

        void label(Optional<Task> task, String label, String path) {
            if (label == null || task.isEmpty()) {
                return;
            }
            if (task.get().label(label).isEmpty()) {
                problem(path, "\"" + label + "\" is not a label of task \"" + task.get().name() + "\" (labels: "
                        + String.join(", ", task.get().labelNames()) + ")");
            }
        }

        void write(Map<String, Writer> scope, boolean recordScope, String field, String path, BranchSelector.Mode label) {
            if (field == null) {
                return;
            }
            Set<String> reserved = recordScope ? RECORD_FIELDS : OBJECT_FIELDS;
            if (reserved.contains(field)) {
                problem(path, "\"" + field + "\" is reserved (" + (recordScope ? "record" : "object")
                        + " fields " + String.join(", ", reserved.stream().sorted().toList()) + ")");
                return;
            }
            Writer first = scope.get(field);
            if (first == null) {
                // writes inside a nested flow are located at the node that nests it
                scope.put(field, nestedAt == null ? new Writer(path, label, null) : new Writer(nestedAt, label, nestedFlow));
            } else if (label == null || label != first.label()) {
                // a selector may read the label an earlier selector of its mode wrote (that forces its branch)
                problem(path, "output field \"" + field + "\" is also written by " + first.path());
            }
        }
    }
}
