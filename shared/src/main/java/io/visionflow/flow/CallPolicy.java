package io.visionflow.flow;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * How the engine calls one action's step (the flow JSON's {@code retry} and {@code timeout_ms}):
 * how often a failed call is tried again, after which failures and with which pauses, and how long
 * one attempt may take. {@link #NONE}: one attempt, bounded only by the request's deadline, which
 * is what a flow without these fields always got.
 *
 * @param retry     null: no retry
 * @param timeoutMs null: no limit of its own
 */
public record CallPolicy(Retry retry, Integer timeoutMs) {
    public static final CallPolicy NONE = new CallPolicy(null, null);

    public boolean isNone() {
        return retry == null && timeoutMs == null;
    }

    /** Attempts in all, the first one included. */
    public int maxAttempts() {
        return retry == null ? 1 : retry.maxAttempts();
    }

    /** The failures a retry may follow. */
    public enum On {
        /** The attempt's own {@code timeout_ms} passed, or the task answered a timeout (504, 408). */
        TIMEOUT,
        /** Any other 5xx: a model server or service that failed or was unavailable. */
        SERVER_ERROR;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param maxAttempts attempts in all (1..10)
     * @param backoffMs   pause before the first retry; each further pause doubles it
     * @param maxDelayMs  the longest pause
     * @param on          the failures that are retried; any other failure is final at once
     */
    public record Retry(int maxAttempts, int backoffMs, int maxDelayMs, Set<On> on) {
        public static final int DEFAULT_MAX_ATTEMPTS = 3;
        public static final int DEFAULT_BACKOFF_MS = 200;
        public static final int DEFAULT_MAX_DELAY_MS = 5_000;

        public Retry {
            on = on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
        }

        /** The pause before attempt {@code attempt} (2 for the first retry): exponential, capped. */
        public long delayBefore(int attempt) {
            long delay = backoffMs;
            for (int i = 2; i < attempt && delay < maxDelayMs; i++) {
                delay *= 2;
            }
            return Math.min(delay, maxDelayMs);
        }

        /** True when a failure with this HTTP status may be retried. */
        public boolean retries(int status) {
            boolean timeout = status == 504 || status == 408;
            return timeout ? on.contains(On.TIMEOUT) : status >= 500 && status <= 599 && on.contains(On.SERVER_ERROR);
        }
    }
}
