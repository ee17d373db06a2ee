package io.visionflow.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a task does with an image: label it as a whole, or find objects in it. */
public enum TaskKind {
    CLASSIFICATION("classification"),
    DETECTION("detection");

    private final String wire;

    TaskKind(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static TaskKind fromWire(String value) {
        for (TaskKind k : values()) {
            if (k.wire.equals(value)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown task type \"" + value + "\" (expected classification or detection)");
    }
}
