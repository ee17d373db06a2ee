package io.visionflow.task;

import java.util.List;
import java.util.Optional;

/** A registered model with its labels: what recognition, detection and selector actions call. */
public record Task(String id, String name, TaskKind kind, List<Label> labels, Backend backend) {
    public Task {
        labels = List.copyOf(labels);
    }

    public Optional<Label> label(String name) {
        return labels.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    public List<String> labelNames() {
        return labels.stream().map(Label::name).toList();
    }
}
