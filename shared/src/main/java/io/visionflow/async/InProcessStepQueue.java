package io.visionflow.async;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Step messages in this process, with SQS's contract: a delivery whose handler throws is
 * delivered again after a delay (its visibility timeout), and after {@code maxDeliveries} it goes
 * to the dead-letter handler instead.
 */
public final class InProcessStepQueue implements StepQueue, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InProcessStepQueue.class.getName());

    private record Delivery(byte[] message, int attempt) {
    }

    private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final ScheduledExecutorService redeliveries;
    private final Consumer<byte[]> handler;
    private final BiConsumer<byte[], String> deadLetter;
    private final int maxDeliveries;
    private final Duration redeliveryDelay;
    private volatile boolean closed;

    private final int capacity;

    public InProcessStepQueue(Consumer<byte[]> handler, BiConsumer<byte[], String> deadLetter, int workers,
                              int maxDeliveries, Duration redeliveryDelay) {
        this(handler, deadLetter, workers, maxDeliveries, redeliveryDelay, Integer.MAX_VALUE);
    }

    /** A queue that refuses new runs while more than {@code capacity} messages wait. */
    public InProcessStepQueue(Consumer<byte[]> handler, BiConsumer<byte[], String> deadLetter, int workers,
                              int maxDeliveries, Duration redeliveryDelay, int capacity) {
        this.capacity = capacity;
        this.handler = handler;
        this.deadLetter = deadLetter;
        this.maxDeliveries = maxDeliveries;
        this.redeliveryDelay = redeliveryDelay;
        this.redeliveries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "async-step-redeliveries");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < workers; i++) {
            // virtual: a worker mostly waits, on the queue or on a model call
            this.workers.add(Thread.ofVirtual().name("async-step-worker-" + i).start(this::loop));
        }
    }

    @Override
    public void send(byte[] message) {
        queue.add(new Delivery(message, 1));
    }

    @Override
    public void startAll(List<byte[]> messages) {
        if (queue.size() + messages.size() > capacity) {
            throw new Full("the queue is full (" + queue.size() + " messages wait)");
        }
        sendAll(messages);
    }

    private void loop() {
        while (!closed) {
            Delivery d;
            try {
                d = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (d == null) {
                continue;
            }
            try {
                handler.accept(d.message());
            } catch (RuntimeException e) {
                if (d.attempt() >= maxDeliveries) {
                    LOG.log(System.Logger.Level.WARNING, "a step message failed " + d.attempt() + " times", e);
                    try {
                        // told to users: what happened, not our class names (the cause is logged)
                        deadLetter.accept(d.message(), "it failed on " + d.attempt() + " deliveries");
                    } catch (RuntimeException again) {
                        LOG.log(System.Logger.Level.ERROR, "the dead-letter handler failed too", again);
                    }
                } else if (!closed) {
                    redeliveries.schedule(() -> queue.add(new Delivery(d.message(), d.attempt() + 1)),
                            redeliveryDelay.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /**
     * Stops taking deliveries; those in hand finish (an interrupt would cut their store calls off
     * half way).
     */
    @Override
    public void close() {
        closed = true;
        redeliveries.shutdownNow();
    }
}
