package io.visionflow.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A queue in memory consumed by a fixed pool of worker threads. Messages are lost when the process
 * dies; {@link AsyncRequests#recover} re-enqueues what they named at the next start-up. A worker
 * that throws has the message delivered again (with {@code resume}) after {@code redeliveryDelay}
 * times the deliveries so far, as SQS does after a visibility timeout; the worker itself ends the
 * request in ERROR on its last allowed delivery.
 */
public final class InProcessRequestQueue implements RequestQueue {
    private static final System.Logger LOG = System.getLogger(InProcessRequestQueue.class.getName());

    private final BlockingQueue<RequestMessage> messages;
    private final List<Thread> threads = new ArrayList<>();
    private final Worker worker;
    private final Duration redeliveryDelay;
    private final ScheduledExecutorService redeliveries;
    private volatile boolean closed;

    public InProcessRequestQueue(int workers, int capacity, Duration redeliveryDelay, Worker worker) {
        if (workers < 1 || capacity < 1 || redeliveryDelay.isNegative()) {
            throw new IllegalArgumentException("workers and capacity must be at least 1, the delay not negative");
        }
        this.messages = new LinkedBlockingQueue<>(capacity);
        this.worker = worker;
        this.redeliveryDelay = redeliveryDelay;
        this.redeliveries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "async-request-redeliveries");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::loop, "async-request-worker-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    public static Factory factory(int workers, int capacity, Duration redeliveryDelay) {
        return worker -> new InProcessRequestQueue(workers, capacity, redeliveryDelay, worker);
    }

    @Override
    public void send(RequestMessage message) {
        if (closed) {
            throw new IllegalStateException("the request queue is closed");
        }
        if (!messages.offer(message)) {
            throw new QueueFullException("the async request queue is full (" + messages.size() + " waiting)");
        }
    }

    private void loop() {
        while (!closed) {
            RequestMessage m;
            try {
                m = messages.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                worker.handle(m);
            } catch (RuntimeException | Error e) {
                // an Error too (native library, stack, memory): a dead worker would leave the
                // request PROCESSING and the pool smaller for good
                LOG.log(System.Logger.Level.WARNING, "request " + m.requestId() + " delivery " + m.attempt()
                        + " failed; delivering it again", e);
                redeliver(m.retry());
            }
        }
    }

    private void redeliver(RequestMessage m) {
        // later, not now: a fault of a store or a remote model often passes in a moment
        long delay = redeliveryDelay.toMillis() * (m.attempt() - 1);
        try {
            redeliveries.schedule(() -> {
                if (!closed && !messages.offer(m)) {
                    LOG.log(System.Logger.Level.ERROR, "queue full: request " + m.requestId()
                            + " waits for the next start-up");
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: the request is found by recovery at the next start-up
        }
    }

    /** Stops the workers; running ones are interrupted, queued messages are dropped (recovery finds their requests). */
    @Override
    public void close() {
        closed = true;
        redeliveries.shutdownNow();
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
