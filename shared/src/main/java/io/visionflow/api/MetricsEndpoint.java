package io.visionflow.api;

import io.visionflow.telemetry.EmfMetrics;
import io.visionflow.telemetry.PrometheusMetrics;
import io.visionflow.telemetry.RequestMetric;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the API measures of each answered request ({@link Api.Config#metrics}, and the access log
 * line when {@link Api.Config#accessLog} is on), and {@code GET /metrics}: the caller's own series
 * in the Prometheus text format, where the Api keeps them.
 */
final class MetricsEndpoint {
    private static final System.Logger LOG = System.getLogger(Api.class.getName());
    private final Api api;

    MetricsEndpoint(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        routes.add("GET", "/metrics", this::metrics);
    }

    private ApiResponse metrics(Call call) {
        if (!(api.config().metrics instanceof PrometheusMetrics prometheus)) {
            throw new ApiException(404, "metrics are not kept here (in AWS Lambda they are CloudWatch metrics "
                    + "in the namespace " + EmfMetrics.NAMESPACE + ")");
        }
        return new ApiResponse(200, Map.of("Content-Type", PrometheusMetrics.CONTENT_TYPE, "X-Request-Id", call.requestId()),
                prometheus.scrape(call.account()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Records one answered request; a failure here never changes the answer.
     *
     * @param call null when the request was refused before it reached a handler
     */
    static void observe(Api.Config config, ApiRequest request, String requestId, String route, String account, Call call,
                        ApiResponse response, Duration latency) {
        try {
            Call.Measure m = call == null ? Call.Measure.NONE : call.measure();
            RequestMetric metric = new RequestMetric(requestId, route, account, m.flow(), response.status(),
                    latency.isNegative() ? Duration.ZERO : latency, m.credits(), m.records(), m.recordErrors());
            config.metrics.record(metric);
            if (config.accessLog) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("route", route);
                fields.put("status", response.status());
                fields.put("latency_ms", metric.latency().toNanos() / 1e6);
                if (account != null) {
                    fields.put("account", account);
                }
                if (m.flow() != null) {
                    fields.put("flow", m.flow());
                    fields.put("credits", m.credits());
                    fields.put("records", m.records());
                    fields.put("record_errors", m.recordErrors());
                }
                request.header("x-request-id").filter(RequestIds::plain).ifPresent(id -> fields.put("client_request_id", id));
                LOG.log(response.status() >= 500 ? System.Logger.Level.ERROR : System.Logger.Level.INFO,
                        route + " " + response.status(), fields);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics of request " + requestId + " not recorded", e);
        }
    }
}
