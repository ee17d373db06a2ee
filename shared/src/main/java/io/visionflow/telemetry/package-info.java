/**
 * Observability without a logging or metrics library: the request id of the running request
 * ({@link io.visionflow.telemetry.RequestContext}), JSON log lines for {@code java.util.logging}
 * (where the JDK's {@code System.Logger} goes) carrying that id ({@link io.visionflow.telemetry.JsonLogFormatter}),
 * and per-request metrics ({@link io.visionflow.telemetry.Metrics}) kept for Prometheus
 * ({@link io.visionflow.telemetry.PrometheusMetrics}) or written as CloudWatch embedded metric
 * format lines ({@link io.visionflow.telemetry.EmfMetrics}).
 */
package io.visionflow.telemetry;
