package io.visionflow.webhook;

import io.visionflow.telemetry.RequestContext;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The consumer side of every {@link WebhookQueue}: one received message in, one attempt, and what
 * its queue does next ({@link Outcome}). The drivers (in-process, the SQS poller, the Lambda
 * handler) only translate: a retry waits its delay on the queue (SQS: the message's visibility
 * timeout), an exhausted webhook goes the dead-letter way, a settled one is deleted.
 *
 * <p>The account's secret is looked up for every attempt, so a rotated secret signs the next one.
 * Logs name the request, the account and the endpoint's host; never the body, headers or secret.
 */
public final class WebhookDeliveries {
    private static final System.Logger LOG = System.getLogger(WebhookDeliveries.class.getName());

    private final WebhookSender sender;
    private final Function<String, Optional<String>> secrets;

    /**
     * @param secrets account id to its webhook secret, read at each attempt (may throw when its
     *                store fails: the attempt is then retried)
     */
    public WebhookDeliveries(WebhookSender sender, Function<String, Optional<String>> secrets) {
        this.sender = sender;
        this.secrets = secrets;
    }

    /** Attempts in all, the first included; an SQS queue's {@code maxReceiveCount} should be the same. */
    public int maxAttempts() {
        return sender.options().maxAttempts();
    }

    /**
     * Makes attempt number {@code receiveCount} at the message, once, waiting for its answer (at
     * most the sender's timeouts). Never throws: a malformed message is given up, so it is dropped
     * instead of coming back for ever.
     */
    public Outcome handle(byte[] message, int receiveCount) {
        WebhookMessage m;
        try {
            m = WebhookMessage.fromJson(message);
        } catch (IllegalArgumentException e) {
            Outcome dropped = new Outcome.GiveUp(0, "malformed webhook message: " + e.getMessage());
            LOG.log(System.Logger.Level.WARNING, "a malformed webhook message was dropped: " + e.getMessage(),
                    Map.of("message_bytes", message.length, "reason", e.getMessage()));
            return dropped;
        }
        int n = Math.max(1, receiveCount);
        try (RequestContext.Scope scope = RequestContext.open(m.requestId())) {
            Outcome outcome;
            try {
                outcome = attempt(m, n);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "webhook for request " + m.requestId() + " failed on attempt " + n, e);
                outcome = sender.retryable(n, 0, "internal error: " + e.getClass().getSimpleName(), null);
            }
            log(m, n, outcome);
            return outcome;
        }
    }

    private Outcome attempt(WebhookMessage m, int n) {
        if (n > maxAttempts()) {
            // the queue lets a message be received more often than the sender allows (or has no
            // dead-letter queue): stop here rather than retry for ever
            return new Outcome.GiveUp(0, "received " + n + " times, over the " + maxAttempts() + " attempts allowed");
        }
        Optional<String> secret;
        try {
            secret = secrets.apply(m.account());
        } catch (RuntimeException e) {
            // worded so the log formatter's "secret: <value>" redaction leaves the cause readable
            return sender.retryable(n, 0, "the account's webhook secret cannot be read (" + e.getMessage() + ")", null);
        }
        if (secret.isEmpty() || secret.get().isEmpty()) {
            return new Outcome.GiveUp(0, "the account has no webhook secret");
        }
        return sender.attempt(m.delivery(secret.get()), n).join();
    }

    /**
     * Reports a webhook that its queue moved to the dead-letter queue (or the in-process queue ran
     * out of attempts for): it is given up. A message that cannot even be read is reported by size.
     */
    public void deadLettered(byte[] message, String why) {
        WebhookMessage m;
        try {
            m = WebhookMessage.fromJson(message);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "a malformed webhook message was dead-lettered: " + why,
                    Map.of("message_bytes", message.length, "reason", why));
            return;
        }
        try (RequestContext.Scope scope = RequestContext.open(m.requestId())) {
            Map<String, Object> fields = fields(m);
            fields.put("outcome", "given_up");
            fields.put("reason", why);
            LOG.log(System.Logger.Level.WARNING, "webhook for request " + m.requestId() + " given up: " + why, fields);
        }
    }

    private static void log(WebhookMessage m, int n, Outcome outcome) {
        Map<String, Object> fields = fields(m);
        fields.put("attempt", n);
        switch (outcome) {
            case Outcome.Delivered d -> {
                fields.put("outcome", "delivered");
                fields.put("status", d.status());
                LOG.log(System.Logger.Level.DEBUG, "webhook for request " + m.requestId() + " delivered", fields);
            }
            case Outcome.Retry r -> {
                fields.put("outcome", "retry");
                fields.put("status", r.status());
                fields.put("reason", r.error());
                fields.put("retry_in_ms", r.delay().toMillis());
                LOG.log(System.Logger.Level.INFO, "webhook for request " + m.requestId() + " attempt " + n + " "
                        + r.error() + "; next in " + r.delay().toMillis() + " ms", fields);
            }
            case Outcome.Exhausted e -> {
                fields.put("outcome", "exhausted");
                fields.put("status", e.status());
                fields.put("reason", e.reason());
                LOG.log(System.Logger.Level.INFO, "webhook for request " + m.requestId() + " attempt " + n + " "
                        + e.reason() + "; no attempts left", fields);
            }
            case Outcome.GiveUp g -> {
                fields.put("outcome", "given_up");
                fields.put("status", g.status());
                fields.put("reason", g.reason());
                LOG.log(System.Logger.Level.WARNING, "webhook for request " + m.requestId() + " given up after "
                        + n + " attempt(s): " + g.reason(), fields);
            }
        }
    }

    /** The request id is the line's {@code request_id} already (RequestContext). */
    private static Map<String, Object> fields(WebhookMessage m) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("account", m.account());
        fields.put("endpoint_host", String.valueOf(m.endpoint().getHost()));
        return fields;
    }
}
