package io.visionflow.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The text format's escaping, the histogram's buckets and the cap on series. */
class PrometheusMetricsTest {
    private static RequestMetric metric(String account, String flow, int status, long millis) {
        return new RequestMetric("r", "POST /flows/v2/process", account, flow, status, Duration.ofMillis(millis), 2, 1, 0);
    }

    @Test
    void labelValuesAreEscapedAndBucketsAreCumulative() {
        PrometheusMetrics m = new PrometheusMetrics();
        m.record(metric("a", "we\"ird\\flow\nname", 200, 7));
        m.record(metric("a", "we\"ird\\flow\nname", 200, 300));
        String text = m.scrape("a");
        String labels = "route=\"POST /flows/v2/process\",flow=\"we\\\"ird\\\\flow\\nname\"";
        assertThat(text).contains(
                "visionflow_request_duration_seconds_bucket{" + labels + ",le=\"0.005\"} 0\n",
                "visionflow_request_duration_seconds_bucket{" + labels + ",le=\"0.01\"} 1\n",
                "visionflow_request_duration_seconds_bucket{" + labels + ",le=\"0.25\"} 1\n",
                "visionflow_request_duration_seconds_bucket{" + labels + ",le=\"0.5\"} 2\n",
                "visionflow_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 2\n",
                "visionflow_request_duration_seconds_sum{" + labels + "} 0.307\n",
                "visionflow_credits_total{flow=\"we\\\"ird\\\\flow\\nname\"} 4\n");
        assertThat(text.lines().filter(l -> !l.startsWith("#"))).allSatisfy(l -> assertThat(l).doesNotContain("\r"));
        assertThat(m.scrape("nobody")).doesNotContain("flow=");
        assertThat(m.scrape(null)).contains("visionflow_credits_total{account=\"a\",");
    }

    @Test
    void flowsBeyondTheCapAreCountedAsOther() {
        PrometheusMetrics m = new PrometheusMetrics();
        for (int i = 0; i < PrometheusMetrics.MAX_SERIES_PER_ACCOUNT + 5; i++) {
            m.record(metric("a", "flow-" + i, 200, 1));
        }
        m.record(metric("a", "flow-0", 200, 1));
        String text = m.scrape("a");
        assertThat(text).contains("visionflow_credits_total{flow=\"flow-0\"} 4\n", "visionflow_credits_total{flow=\"other\"} 10\n")
                .doesNotContain("flow=\"flow-" + PrometheusMetrics.MAX_SERIES_PER_ACCOUNT + "\"");
    }
}
