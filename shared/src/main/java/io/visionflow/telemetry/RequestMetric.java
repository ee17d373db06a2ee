package io.visionflow.telemetry;

import java.time.Duration;

/**
 * What one answered API request measured.
 *
 * @param route        the route pattern ({@code POST /flows/v2/flow/{id}}), or {@code "-"} when none matched
 * @param account      the caller's account, or null before authentication
 * @param flow         the flow it ran ({@code "-"} for single-task calls), or null
 * @param status       the HTTP status answered
 * @param latency      from receiving the request to having the answer
 * @param credits      credits charged
 * @param records      records processed
 * @param recordErrors records that failed alone (a 4xx/5xx {@code _status} inside a 200)
 */
public record RequestMetric(String requestId, String route, String account, String flow, int status,
                            Duration latency, long credits, int records, int recordErrors) {
}
