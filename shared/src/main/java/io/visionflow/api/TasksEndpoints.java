package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.StoredTask;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.http.HttpTaskRunner;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /recognition/v2/task/} (classification) and {@code /detection/v2/task/} (detection): tasks
 * with their labels and backend. A change re-validates the account's flows; deleting a task that
 * flows use needs {@code ?force=true}.
 */
final class TasksEndpoints {
    private final Api api;
    private final FlowsEndpoints flows;

    TasksEndpoints(Api api, FlowsEndpoints flows) {
        this.api = api;
        this.flows = flows;
    }

    void register(Routes routes) {
        for (TaskKind kind : TaskKind.values()) {
            String base = base(kind);
            routes.add("GET", base, c -> list(c, kind))
                    .add("POST", base, c -> create(c, kind))
                    .add("GET", base + "/{id}", c -> c.ok(TaskJson.entity(find(c, kind))))
                    .add("PUT", base + "/{id}", c -> update(c, kind, false))
                    .add("PATCH", base + "/{id}", c -> update(c, kind, true))
                    .add("DELETE", base + "/{id}", c -> delete(c, kind));
        }
    }

    private static String base(TaskKind kind) {
        return kind == TaskKind.CLASSIFICATION ? "/recognition/v2/task" : "/detection/v2/task";
    }

    private ApiResponse list(Call call, TaskKind kind) {
        return call.ok(Pages.page(call, (offset, limit) -> api.stores().tasks().list(call.account(), kind, offset, limit),
                TaskJson::entity));
    }

    private ApiResponse create(Call call, TaskKind kind) {
        Task task = parse(call, kind, call.jsonObject(), UUID.randomUUID().toString(), null);
        return call.created(TaskJson.entity(api.stores().tasks().create(call.account(), task)));
    }

    private ApiResponse update(Call call, TaskKind kind, boolean patch) {
        StoredTask current = find(call, kind);
        ObjectNode body = call.jsonObject();
        JsonNode version = body.get("version");
        // a client that sends the version it read gets a 409 instead of overwriting a newer one
        if (version != null && version.canConvertToInt() && version.asInt() != current.version()) {
            throw new ApiException(409, "task \"" + current.task().id() + "\" is at version " + current.version()
                    + ", not " + version.asInt() + "; read it again and retry");
        }
        ObjectNode merged = patch ? merge(TaskJson.entity(current), body) : body;
        Task task = parse(call, kind, merged, current.task().id(), current.task());
        StoredTask updated = api.stores().tasks().update(call.account(), current.version(), task);
        flows.revalidateOthers(call.account(), null);
        releaseModel(call.account(), current.task());
        return call.ok(TaskJson.entity(updated));
    }

    /** PATCH: top-level fields replace the entity's; a backend of the same kind is merged field by field. */
    private static ObjectNode merge(ObjectNode entity, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = entity.get(e.getKey());
            if (e.getKey().equals("backend") && old instanceof ObjectNode ob && e.getValue() instanceof ObjectNode nb
                    && (!nb.has("kind") || nb.get("kind").equals(ob.get("kind")))) {
                ob.setAll(nb);
            } else {
                entity.set(e.getKey(), e.getValue());
            }
        }
        return entity;
    }

    private ApiResponse delete(Call call, TaskKind kind) {
        StoredTask task = find(call, kind);
        List<String> users = flows.flowsUsingTask(call.account(), task.task().id());
        if (!users.isEmpty() && !FlowsEndpoints.force(call)) {
            throw new ApiException(409, "task \"" + task.task().name() + "\" is used by flows " + describe(call.account(), users)
                    + "; delete with ?force=true to delete it anyway and mark them invalid");
        }
        api.stores().tasks().delete(call.account(), task.task().id());
        flows.revalidateOthers(call.account(), null);
        releaseModel(call.account(), task.task());
        return call.noContent();
    }

    /**
     * Unloads the model of a task that was changed or deleted, unless another task of the account
     * still uses it: a model session holds native memory that nothing else would free.
     */
    private void releaseModel(String account, Task old) {
        if (!(old.backend() instanceof OnnxBackend backend)) {
            return;
        }
        int offset = 0;
        while (true) {
            var page = api.stores().tasks().list(account, null, offset, 100);
            for (StoredTask t : page.items()) {
                if (t.task().backend() instanceof OnnxBackend other && other.model().equals(backend.model())) {
                    return;
                }
            }
            offset += page.items().size();
            if (page.items().isEmpty() || offset >= page.total()) {
                break;
            }
        }
        api.config().runners.release(backend.model());
    }

    private String describe(String account, List<String> flowIds) {
        return flowIds.stream().map(id -> api.stores().flows().get(account, id)
                .map(f -> "\"" + f.definition().path("name").asText() + "\" (" + id + ")").orElse(id)).toList().toString();
    }

    /** The task of this id and kind: one listed under the other kind's path is not found, like another account's. */
    private StoredTask find(Call call, TaskKind kind) {
        String id = call.param("id");
        return api.stores().tasks().get(call.account(), id).filter(t -> t.task().kind() == kind)
                .orElseThrow(() -> ApiException.notFound(kind.wire() + " task \"" + id + "\""));
    }

    /** @param previous the stored task on an update, null on a create */
    private Task parse(Call call, TaskKind kind, ObjectNode body, String id, Task previous) {
        TaskJson json = new TaskJson(call.account(), kind, this::modelExists, api.config().maxLabels)
                .keepingHeaders(previous == null ? null : previous.backend());
        Task task = json.parse(body, id, previous == null ? List.of() : previous.labels());
        if (task != null) {
            checkRunnable(call.account(), task, json.problems());
        }
        if (!json.problems().isEmpty()) {
            List<Problem> p = json.problems();
            throw new ApiException(400, "the task is not valid: " + p.get(0)
                    + (p.size() > 1 ? " (and " + (p.size() - 1) + " more)" : ""), p);
        }
        return task;
    }

    private boolean modelExists(String key) {
        try {
            api.stores().blobs().localFile(key);
            return true;
        } catch (NotFoundException | IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Fails at registration what would fail every call: the model's inputs against the preprocessing, the url and headers. */
    private void checkRunnable(String account, Task task, List<Problem> problems) {
        switch (task.backend()) {
            case OnnxBackend b -> problems.addAll(api.modelChecks().checkTask(account, task));
            case io.visionflow.task.HttpBackend b -> {
                try {
                    new HttpTaskRunner(task, HttpTaskRunner.Settings.DEFAULTS.withPolicy(api.config().outbound)).close();
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(e.getMessage().startsWith("header") ? "backend.headers" : "backend.url", e.getMessage()));
                }
            }
        }
    }
}
