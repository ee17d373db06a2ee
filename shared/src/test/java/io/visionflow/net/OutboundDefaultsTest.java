package io.visionflow.net;

import io.visionflow.api.Api;
import io.visionflow.task.http.HttpTaskRunner;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The production rule is what every host gets unless the development setting is given on purpose. */
class OutboundDefaultsTest {

    @Test
    void theEnvironmentSwitchIsOffUnlessExactlyTrue() {
        assertThat(OutboundPolicy.fromEnvironment(Map.of()).allowsPrivate()).isFalse();
        assertThat(OutboundPolicy.fromEnvironment(Map.of(OutboundPolicy.ALLOW_LOOPBACK_ENV, "1")).allowsPrivate()).isFalse();
        assertThat(OutboundPolicy.fromEnvironment(Map.of(OutboundPolicy.ALLOW_LOOPBACK_ENV, "yes")).allowsPrivate()).isFalse();
        assertThat(OutboundPolicy.fromEnvironment(Map.of(OutboundPolicy.ALLOW_LOOPBACK_ENV, "true")).allowsPrivate()).isTrue();
    }

    @Test
    void apiAndHttpTasksDefaultToPublicAddressesOnly() {
        // this module's tests run with VISIONFLOW_ALLOW_LOOPBACK=false (see shared/pom.xml)
        assertThat(new Api.Config().outbound.allowsPrivate()).isFalse();
        assertThat(HttpTaskRunner.Settings.DEFAULTS.policy().allowsPrivate()).isFalse();
    }

    @Test
    void theLambdaTemplateNeverTurnsTheDevelopmentSettingOn() throws Exception {
        Path template = Path.of("..", "template.yaml");
        assertThat(template).exists();
        assertThat(Files.readString(template)).doesNotContain(OutboundPolicy.ALLOW_LOOPBACK_ENV);
    }

    @Test
    void developmentCannotOpenMetadataOrLinkLocal() {
        for (AddressClassifier.Kind kind : AddressClassifier.Kind.values()) {
            boolean allowable = kind == AddressClassifier.Kind.LOOPBACK || kind == AddressClassifier.Kind.PRIVATE;
            if (!allowable) {
                assertThatThrownBy(() -> OutboundPolicy.publicAnd(kind))
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }
}
