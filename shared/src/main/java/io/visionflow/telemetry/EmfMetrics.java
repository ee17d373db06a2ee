package io.visionflow.telemetry;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.function.Consumer;

/**
 * Request metrics as CloudWatch embedded metric format (EMF) lines, one JSON object per request,
 * for a Lambda function's log stream, where CloudWatch Logs turns them into metrics with no API call.
 * Namespace {@code Visionflow}; metrics {@code Latency} (ms), {@code Credits}, {@code Errors} (1 for
 * a 4xx/5xx answer), {@code Records} and {@code RecordErrors}, each under the dimension sets
 * {@code [Flow]} and {@code [Route]}. The request id, account and status travel as plain members,
 * searchable in Logs Insights without becoming metrics (they would each cost a custom metric).
 */
public final class EmfMetrics implements Metrics {
    public static final String NAMESPACE = "Visionflow";
    private static final ObjectMapper JSON = Mappers.create();

    private final Consumer<String> out;
    private final Clock clock;

    /** @param out takes each line: in Lambda, standard output (one line is one log event) */
    public EmfMetrics(Consumer<String> out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void record(RequestMetric m) {
        out.accept(line(m).toString());
    }

    ObjectNode line(RequestMetric m) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode aws = o.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray().add("Flow");
        dimensions.addArray().add("Route");
        ArrayNode metrics = directive.putArray("Metrics");
        metrics.addObject().put("Name", "Latency").put("Unit", "Milliseconds");
        metrics.addObject().put("Name", "Credits").put("Unit", "Count");
        metrics.addObject().put("Name", "Errors").put("Unit", "Count");
        metrics.addObject().put("Name", "Records").put("Unit", "Count");
        metrics.addObject().put("Name", "RecordErrors").put("Unit", "Count");
        o.put("Flow", m.flow() == null ? "none" : m.flow());
        o.put("Route", m.route());
        o.put("Latency", m.latency().toNanos() / 1e6);
        o.put("Credits", m.credits());
        o.put("Errors", m.status() >= 400 ? 1 : 0);
        o.put("Records", m.records());
        o.put("RecordErrors", m.recordErrors());
        o.put("request_id", m.requestId());
        o.put("status", m.status());
        if (m.account() != null) {
            o.put("account", m.account());
        }
        return o;
    }
}
