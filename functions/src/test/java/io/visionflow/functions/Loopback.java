package io.visionflow.functions;

import io.visionflow.net.OutboundPolicy;
import io.visionflow.task.http.HttpTaskRunner;

/**
 * The development setting of DESIGN section 5, set explicitly by the tests whose model servers
 * listen on loopback; the functions' own default stays public addresses only.
 */
final class Loopback {
    static final OutboundPolicy POLICY = OutboundPolicy.allowingPrivate();
    /** What a fresh JVM's environment says for the same setting. */
    static final String ENV = OutboundPolicy.ALLOW_LOOPBACK_ENV;

    private Loopback() {
    }

    static HttpOnlyRunners runners() {
        return new HttpOnlyRunners(HttpTaskRunner.Settings.DEFAULTS.withPolicy(POLICY));
    }
}
