package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.Page;
import io.visionflow.store.StoredTask;
import io.visionflow.task.Label;
import io.visionflow.task.TaskKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /recognition/v2/label/} and {@code /detection/v2/label/}: the labels of the account's
 * tasks of that kind, paginated, {@code ?task=} one task's and {@code ?search=} those whose name
 * contains the text. Read-only: a label is changed with its task. Ximilar's clients read a task's
 * labels here ({@code Task.get_labels} lists {@code ?task=<id>}), not from the task entity.
 */
final class LabelsEndpoints {
    private final Api api;

    LabelsEndpoints(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        routes.add("GET", "/recognition/v2/label", c -> list(c, TaskKind.CLASSIFICATION))
                .add("GET", "/detection/v2/label", c -> list(c, TaskKind.DETECTION));
    }

    /** A label and the task it belongs to. */
    private record TaskLabel(String task, Label label) {
    }

    private ApiResponse list(Call call, TaskKind kind) {
        Optional<String> task = call.request().param("task").filter(t -> !t.isEmpty());
        String search = call.request().param("search").map(s -> s.toLowerCase(Locale.ROOT)).orElse("");
        List<TaskLabel> labels = new ArrayList<>();
        for (StoredTask t : tasks(call.account(), kind, task)) {
            for (Label l : t.task().labels()) {
                if (l.name().toLowerCase(Locale.ROOT).contains(search)) {
                    labels.add(new TaskLabel(t.task().id(), l));
                }
            }
        }
        return call.ok(Pages.page(call, (offset, limit) -> Pages.slice(labels, offset, limit), l -> entity(kind, l)));
    }

    /** The task named (none when it is not one of this account's tasks of this kind), or all of them. */
    private List<StoredTask> tasks(String account, TaskKind kind, Optional<String> id) {
        if (id.isPresent()) {
            return api.stores().tasks().get(account, id.get()).filter(t -> t.task().kind() == kind).stream().toList();
        }
        List<StoredTask> out = new ArrayList<>();
        while (true) {
            Page<StoredTask> page = api.stores().tasks().list(account, kind, out.size(), Pages.MAX_PAGE_SIZE);
            out.addAll(page.items());
            if (page.items().isEmpty() || out.size() >= page.total()) {
                return out;
            }
        }
    }

    /** {@code id, name, task}; a detection label also has the {@code color} its boxes are drawn in, which Ximilar's client reads. */
    private static ObjectNode entity(TaskKind kind, TaskLabel l) {
        ObjectNode o = Call.JSON.createObjectNode();
        o.put("id", l.label().id());
        o.put("name", l.label().name());
        o.put("task", l.task());
        if (kind == TaskKind.DETECTION) {
            // the same name is drawn in the same colour in every task
            o.put("color", String.format("#%06X", l.label().name().hashCode() & 0xFFFFFF));
        }
        return o;
    }
}
