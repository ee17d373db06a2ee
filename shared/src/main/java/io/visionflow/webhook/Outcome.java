package io.visionflow.webhook;

import java.time.Duration;

/**
 * How one attempt at a webhook ended, which tells its queue what to do with the message. A status
 * is the HTTP status of the endpoint's answer, 0 when there was none.
 */
public sealed interface Outcome {
    /** The endpoint answered 2xx: done. */
    record Delivered(int status) implements Outcome {
    }

    /** Worth another attempt after {@code delay}: a timeout, a connection error, 5xx, 408 or 429. */
    record Retry(Duration delay, int status, String error) implements Outcome {
    }

    /**
     * Done without delivery, because another attempt cannot help: any other answer, an address the
     * policy refuses, a malformed message, an account without a secret.
     */
    record GiveUp(int status, String reason) implements Outcome {
    }

    /**
     * Worth another attempt, but this was the last one allowed: the queue's dead-letter path takes
     * it (on SQS the redrive policy moves it to the DLQ, from where an operator can redrive it once
     * the endpoint is back).
     */
    record Exhausted(int status, String reason) implements Outcome {
    }

    /** True when the message is done with (delivered or given up) and can be deleted from its queue. */
    default boolean settled() {
        return switch (this) {
            case Delivered d -> true;
            case GiveUp g -> true;
            case Retry r -> false;
            case Exhausted e -> false;
        };
    }
}
