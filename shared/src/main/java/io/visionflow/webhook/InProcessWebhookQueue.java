package io.visionflow.webhook;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Webhooks queued in this process, for the local server: each attempt on a virtual thread of its
 * own, retries scheduled after their delay, an exhausted webhook reported as given up. It keeps
 * nothing across a restart, as the in-memory retries always did; the cloud uses SQS instead.
 * Messages travel in their JSON form, so they are read and signed exactly as from SQS.
 */
public final class InProcessWebhookQueue implements WebhookQueue, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InProcessWebhookQueue.class.getName());

    private final WebhookDeliveries deliveries;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    public InProcessWebhookQueue(WebhookDeliveries deliveries) {
        this.deliveries = deliveries;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webhook-queue-retries");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void enqueue(WebhookMessage message) {
        if (closed) {
            throw new IllegalStateException("the webhook queue is closed");
        }
        start(message.toJson(), 1);
    }

    private void start(byte[] message, int n) {
        // virtual: an attempt mostly waits on the endpoint
        Thread.ofVirtual().name("webhook-attempt").start(() -> {
            switch (deliveries.handle(message, n)) {
                case Outcome.Retry r -> {
                    try {
                        timer.schedule(() -> start(message, n + 1), r.delay().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        LOG.log(System.Logger.Level.WARNING, "a webhook retry was abandoned: the queue closed");
                    }
                }
                case Outcome.Exhausted e -> deliveries.deadLettered(message, "no attempts left after " + n + ": "
                        + e.reason());
                case Outcome.Delivered d -> {
                }
                case Outcome.GiveUp g -> {
                }
            }
        });
    }

    /** Abandons the retries waiting for their time; attempts under way finish. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
