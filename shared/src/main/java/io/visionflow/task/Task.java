package io.visionflow.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Optional;

/** A registered model with its labels: what recognition, detection and selector actions call. */
public record Task(String id, String name, @JsonProperty("type") TaskKind kind, List<Label> labels, Backend backend) {
    public Task {
        labels = List.copyOf(labels);
    }

    public Optional<Label> label(String name) {
        return labels.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    @JsonIgnore
    public List<String> labelNames() {
        return labels.stream().map(Label::name).toList();
    }
}
