package io.visionflow.async;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A queue as unkind as SQS may be, reproducibly (seeded): it delivers pending messages in random
 * order, delivers about half of them twice, and delivers again a message whose handler threw, up
 * to {@code maxDeliveries}, then dead-letters it.
 */
final class ChaosQueue implements StepQueue, AutoCloseable {
    /** {@code dead}: in the dead-letter queue, delivered to its consumer until that succeeds. */
    private record Pending(byte[] message, int attempt, boolean copy, boolean dead) {
        Pending(byte[] message, int attempt, boolean copy) {
            this(message, attempt, copy, false);
        }
    }

    private final List<Pending> pending = new ArrayList<>();
    private final Random random;
    private final Consumer<byte[]> handler;
    private final BiConsumer<byte[], String> deadLetter;
    private final int maxDeliveries;
    private final Thread pump;
    final AtomicInteger deliveries = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger redeliveries = new AtomicInteger();
    final AtomicInteger deadLetters = new AtomicInteger();
    private volatile boolean closed;

    ChaosQueue(long seed, Consumer<byte[]> handler, BiConsumer<byte[], String> deadLetter, int maxDeliveries) {
        this.random = new Random(seed);
        this.handler = handler;
        this.deadLetter = deadLetter;
        this.maxDeliveries = maxDeliveries;
        this.pump = Thread.ofPlatform().daemon().name("chaos-queue").start(this::loop);
    }

    @Override
    public synchronized void send(byte[] message) {
        pending.add(new Pending(message, 1, false));
        notifyAll();
    }

    private void loop() {
        while (!closed) {
            Pending p;
            synchronized (this) {
                while (pending.isEmpty() && !closed) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                p = pending.remove(random.nextInt(pending.size()));
                if (!p.copy() && p.attempt() == 1 && random.nextBoolean()) {
                    pending.add(new Pending(p.message(), 1, true)); // the same message again, later
                    duplicates.incrementAndGet();
                }
            }
            deliveries.incrementAndGet();
            if (p.dead()) {
                try {
                    deadLetter.accept(p.message(), "moved to the dead-letter queue after " + maxDeliveries + " deliveries");
                } catch (RuntimeException e) {
                    synchronized (this) {
                        pending.add(p); // the dead-letter consumer's own redelivery
                    }
                }
                continue;
            }
            try {
                handler.accept(p.message());
            } catch (RuntimeException e) {
                if (p.attempt() >= maxDeliveries) {
                    deadLetters.incrementAndGet();
                    synchronized (this) {
                        pending.add(new Pending(p.message(), p.attempt(), p.copy(), true));
                    }
                } else {
                    redeliveries.incrementAndGet();
                    synchronized (this) {
                        pending.add(new Pending(p.message(), p.attempt() + 1, p.copy()));
                    }
                }
            }
        }
    }

    /**
     * Stops after the delivery in hand: interrupting it could abort a request to an emulator half
     * way, which dynalite answers by crashing.
     */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** A state that, now and then, makes its write and then fails: a worker killed between its write and its delete. */
    static final class CrashingState implements AsyncState {
        private final AsyncState state;
        private final Random random;
        private final Set<String> crashed = new HashSet<>();
        final AtomicInteger crashes = new AtomicInteger();

        CrashingState(AsyncState state, long seed) {
            this.state = state;
            this.random = new Random(seed);
        }

        private synchronized void maybeCrash(String what) {
            if (crashed.add(what) && random.nextInt(4) == 0) {
                crashes.incrementAndGet();
                throw new IllegalStateException("worker killed after " + what);
            }
        }

        // a run and its echoes are stored by whoever starts it, synchronously: not a delivery to crash
        @Override
        public void putRun(String run, byte[] spec) {
            state.putRun(run, spec);
        }

        @Override
        public java.util.Optional<byte[]> run(String run) {
            return state.run(run);
        }

        @Override
        public byte[] putRecord(String run, int record, byte[] echo) {
            return state.putRecord(run, record, echo);
        }

        @Override
        public java.util.Optional<byte[]> record(String run, int record) {
            return state.record(run, record);
        }

        @Override
        public Step putStep(String run, String key, byte[] message, byte[] outcome) {
            Step s = state.putStep(run, key, message, outcome);
            maybeCrash("put " + run + "/" + key);
            return s;
        }

        @Override
        public java.util.Optional<Step> step(String run, String key) {
            return state.step(run, key);
        }

        @Override
        public java.util.Map<String, Step> steps(String run, int record) {
            return state.steps(run, record);
        }

        @Override
        public int childDone(String run, String parent, String child) {
            int n = state.childDone(run, parent, child);
            maybeCrash("join " + run + "/" + parent + "<-" + child);
            return n;
        }

        @Override
        public int endRecord(String run, int record, RecordEnd end) {
            int n = state.endRecord(run, record, end);
            maybeCrash("end " + run + "/" + record + (end == null ? " count" : ""));
            return n;
        }

        @Override
        public java.util.Optional<RecordEnd> recordEnd(String run, int record) {
            return state.recordEnd(run, record);
        }

        @Override
        public java.util.Optional<java.util.List<RecordEnd>> recordEnds(String run, int records) {
            return state.recordEnds(run, records);
        }
    }

    @Override
    public String toString() {
        return "deliveries " + deliveries + ", duplicates " + duplicates + ", redeliveries " + redeliveries
                + ", dead letters " + deadLetters;
    }
}
