package io.visionflow.telemetry;

/** Where the metrics of answered requests go; implementations are thread-safe and never throw. */
public interface Metrics {
    /** Keeps nothing. */
    Metrics NONE = m -> {
    };

    void record(RequestMetric metric);
}
