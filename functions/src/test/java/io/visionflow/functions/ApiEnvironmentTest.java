package io.visionflow.functions;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiEnvironmentTest {
    @Test
    void namesTheMissingVariable() {
        assertThatThrownBy(() -> ApiEnvironment.create(Map.of(ApiEnvironment.BUCKET, "b")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_TABLE_PREFIX");
        assertThatThrownBy(() -> ApiEnvironment.create(Map.of(ApiEnvironment.TABLE_PREFIX, "vf-")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_BUCKET");
    }
}
