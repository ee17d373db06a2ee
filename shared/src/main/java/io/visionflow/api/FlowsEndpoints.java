package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.FlowCatalog;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowJson;
import io.visionflow.flow.FlowParser;
import io.visionflow.flow.FlowValidator;
import io.visionflow.flow.Problem;
import io.visionflow.store.Page;
import io.visionflow.store.StoredFlow;
import io.visionflow.task.TaskCatalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /flows/v2/flow/}: flows as versioned entities, validated on every change. */
final class FlowsEndpoints {
    private final Api api;

    FlowsEndpoints(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        routes.add("GET", "/flows/v2/flow", this::list)
                .add("POST", "/flows/v2/flow", this::create)
                .add("GET", "/flows/v2/flow/{id}", this::get)
                .add("PUT", "/flows/v2/flow/{id}", this::replace)
                .add("PATCH", "/flows/v2/flow/{id}", this::patch)
                .add("DELETE", "/flows/v2/flow/{id}", this::delete)
                .add("GET", "/flows/v2/flow/{id}/json", this::json)
                .add("POST", "/flows/v2/validate", this::validate);
    }

    // ---- catalogs of one account, as the validator and the engine see them ----

    TaskCatalog tasks(String account) {
        return api.stores().tasks().catalog(account);
    }

    /** The latest version of each flow, each parsed once per catalog. */
    FlowCatalog latest(String account) {
        Map<String, Optional<FlowDefinition>> seen = new HashMap<>();
        return id -> seen.computeIfAbsent(id, k -> api.stores().flows().get(account, k).map(FlowsEndpoints::definition));
    }

    /** The flow and every flow it nests, read once: the consistent snapshot a request runs against. */
    Map<String, FlowDefinition> snapshot(String account, StoredFlow top) {
        Map<String, FlowDefinition> snapshot = new HashMap<>();
        // nested ids are read from the stored JSON, which each flow already is
        List<StoredFlow> todo = new ArrayList<>();
        snapshot.put(top.id(), definition(top));
        todo.add(top);
        while (!todo.isEmpty()) {
            for (String nested : FlowJson.nestedFlows(todo.remove(todo.size() - 1).definition())) {
                if (!snapshot.containsKey(nested)) {
                    api.stores().flows().get(account, nested).ifPresent(f -> {
                        snapshot.put(nested, definition(f));
                        todo.add(f);
                    });
                }
            }
        }
        return snapshot;
    }

    static FlowDefinition definition(StoredFlow flow) {
        return FlowParser.parse(flow.definition()).definition();
    }

    FlowValidator validator(String account) {
        return api.engine().validator(tasks(account), latest(account));
    }

    // ---- endpoints ----

    private ApiResponse list(Call call) {
        return call.ok(Pages.page(call, (offset, limit) -> api.stores().flows().list(call.account(), offset, limit), this::entity));
    }

    private ApiResponse create(Call call) {
        ObjectNode body = call.jsonObject();
        String id = UUID.randomUUID().toString();
        FlowValidator.Validation v = validator(call.account()).validate(body, id);
        rejectInvalid(v);
        return call.created(entity(api.stores().flows().create(call.account(), id, FlowJson.write(v.definition()), true, null)));
    }

    /**
     * Checks a definition as {@code POST /flows/v2/flow/} would, without storing it (the flow builder
     * calls it as the user edits): the same 400 with every problem's path when it is not valid, else
     * {@code {"valid": true, "errors": [], "definition": ...}} with the definition as it would be stored.
     * {@code ?id=} names the flow being edited, so that nesting it in itself is seen as the cycle it is.
     */
    private ApiResponse validate(Call call) {
        ObjectNode body = call.jsonObject();
        String id = call.request().param("id").orElseGet(() -> UUID.randomUUID().toString());
        FlowValidator.Validation v = validator(call.account()).validate(body, id);
        rejectInvalid(v);
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("valid", true);
        out.putArray("errors");
        out.set("definition", FlowJson.write(v.definition()));
        return call.ok(out);
    }

    private ApiResponse get(Call call) {
        return call.ok(entity(find(call)));
    }

    private ApiResponse json(Call call) {
        StoredFlow flow = find(call);
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("id", flow.id());
        out.put("version", flow.version());
        out.setAll(flow.definition());
        return call.ok(out);
    }

    private ApiResponse replace(Call call) {
        StoredFlow current = find(call);
        return call.ok(entity(store(call, current, call.jsonObject())));
    }

    private ApiResponse patch(Call call) {
        StoredFlow current = find(call);
        ObjectNode merged = current.definition();
        Iterator<Map.Entry<String, JsonNode>> fields = call.jsonObject().fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            merged.set(e.getKey(), e.getValue());
        }
        return call.ok(entity(store(call, current, merged)));
    }

    private StoredFlow store(Call call, StoredFlow current, ObjectNode body) {
        FlowValidator.Validation v = validator(call.account()).validate(body, current.id());
        rejectInvalid(v);
        StoredFlow updated = api.stores().flows().update(call.account(), current.id(), current.version(),
                FlowJson.write(v.definition()), true, null);
        revalidateOthers(call.account(), current.id());
        return updated;
    }

    private ApiResponse delete(Call call) {
        StoredFlow flow = find(call);
        List<String> users = flowsNesting(call.account(), flow.id());
        if (!users.isEmpty() && !force(call)) {
            throw new ApiException(409, "flow \"" + flow.id() + "\" is nested in flows " + users
                    + "; delete with ?force=true to delete it anyway and mark them invalid");
        }
        api.stores().flows().delete(call.account(), flow.id());
        revalidateOthers(call.account(), flow.id());
        return call.noContent();
    }

    /** Checks again every flow of the account but {@code except}, and stores who became (in)valid. */
    void revalidateOthers(String account, String except) {
        FlowValidator validator = validator(account);
        for (StoredFlow f : all(account)) {
            if (f.id().equals(except)) {
                continue;
            }
            List<Problem> problems = validator.check(definition(f), f.id());
            boolean valid = problems.isEmpty();
            String reason = valid ? null : problems.get(0).toString();
            if (valid != f.valid() || (reason != null && !reason.equals(f.invalidReason()))) {
                try {
                    // a flow deleted meanwhile needs no verdict; the caller's own change succeeded
                    api.stores().flows().setValidity(account, f.id(), valid, reason);
                } catch (io.visionflow.store.NotFoundException e) {
                    continue;
                }
            }
        }
    }

    /** Ids of the flows that use a task (directly, not through nested flows). */
    List<String> flowsUsingTask(String account, String taskId) {
        List<String> out = new ArrayList<>();
        for (StoredFlow f : all(account)) {
            if (f.definition().findValuesAsText("task").contains(taskId)) {
                out.add(f.id());
            }
        }
        return out;
    }

    private List<String> flowsNesting(String account, String flowId) {
        List<String> out = new ArrayList<>();
        for (StoredFlow f : all(account)) {
            if (!f.id().equals(flowId) && FlowJson.nestedFlows(f.definition()).contains(flowId)) {
                out.add(f.id());
            }
        }
        return out;
    }

    List<StoredFlow> all(String account) {
        List<StoredFlow> out = new ArrayList<>();
        int offset = 0;
        while (true) {
            Page<StoredFlow> page = api.stores().flows().list(account, offset, Pages.MAX_PAGE_SIZE);
            out.addAll(page.items());
            offset += page.items().size();
            if (page.items().isEmpty() || offset >= page.total()) {
                return out;
            }
        }
    }


    StoredFlow find(Call call) {
        return api.stores().flows().get(call.account(), call.param("id"))
                .orElseThrow(() -> ApiException.notFound("flow \"" + call.param("id") + "\""));
    }

    private static void rejectInvalid(FlowValidator.Validation v) {
        if (!v.valid()) {
            throw new ApiException(400, "the flow is not valid: " + v.problems().get(0)
                    + (v.problems().size() > 1 ? " (and " + (v.problems().size() - 1) + " more)" : ""), v.problems());
        }
    }

    static boolean force(Call call) {
        return call.request().param("force").map(v -> v.equals("true") || v.equals("1")).orElse(false);
    }

    ObjectNode entity(StoredFlow f) {
        ObjectNode def = f.definition();
        ObjectNode o = Call.JSON.createObjectNode();
        o.put("id", f.id());
        o.put("name", def.path("name").asText());
        o.put("description", def.path("description").asText(""));
        o.put("workspace", f.account());
        o.set("top_node", def.get("top_node"));
        o.put("valid", f.valid());
        if (!f.valid()) {
            o.put("invalid_reason", f.invalidReason());
        }
        // an integer or no key (the original size), never null: Ximilar clients convert it with int()
        if (def.hasNonNull("image_size")) {
            o.put("image_size", def.get("image_size").asInt());
        }
        o.put("version", f.version());
        o.put("created", f.created().toString());
        o.put("updated", f.updated().toString());
        return o;
    }
}
