package io.visionflow.functions;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiEnvironmentTest {
    @Test
    void namesTheMissingVariable() {
        assertThatThrownBy(() -> ApiEnvironment.create(Map.of(ApiEnvironment.BUCKET, "b")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_TABLE_PREFIX");
        assertThatThrownBy(() -> ApiEnvironment.create(Map.of(ApiEnvironment.TABLE_PREFIX, "vf-")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_BUCKET");
    }

    @Test
    void readsTheRecordLimitOfTheTemplateAndRefusesNonsense() {
        assertThat(ApiEnvironment.maxRecords(Map.of())).isEqualTo(10);
        assertThat(ApiEnvironment.maxRecords(Map.of(ApiEnvironment.MAX_RECORDS, "4"))).isEqualTo(4);
        assertThatThrownBy(() -> ApiEnvironment.maxRecords(Map.of(ApiEnvironment.MAX_RECORDS, "11")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_MAX_RECORDS");
        assertThatThrownBy(() -> ApiEnvironment.maxRecords(Map.of(ApiEnvironment.MAX_RECORDS, "many")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("\"many\"");
        // the deadline leaves room before the function's 29 s timeout
        assertThat(ApiEnvironment.DEADLINE).isLessThan(java.time.Duration.ofSeconds(29));
    }

    @Test
    void readsTheRateLimitAndRefusesNonsense() {
        assertThat(ApiEnvironment.rateLimit(Map.of())).isNull();
        assertThat(ApiEnvironment.rateLimit(Map.of(ApiEnvironment.RATE_LIMIT, "10/s,30")))
                .isEqualTo(new io.visionflow.api.RateLimit(10, 30));
        assertThatThrownBy(() -> ApiEnvironment.rateLimit(Map.of(ApiEnvironment.RATE_LIMIT, "lots")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_RATE_LIMIT");
    }
}
