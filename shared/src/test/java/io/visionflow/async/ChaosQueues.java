package io.visionflow.async;

import java.util.concurrent.atomic.AtomicReference;

/** Chaos for drivers outside this package: a crashing state and a chaotic queue, seeded. */
public final class ChaosQueues {
    private ChaosQueues() {
    }

    /** The state and queue maker of one chaotic run, and what the chaos did. */
    public record Chaos(AsyncState state, StepQueue.Maker queues, AtomicReference<ChaosQueue> queue,
                        ChaosQueue.CrashingState crashing) {
        public int duplicates() {
            return queue.get() == null ? 0 : queue.get().duplicates.get();
        }

        public int crashes() {
            return crashing.crashes.get();
        }

        public int redeliveries() {
            return queue.get() == null ? 0 : queue.get().redeliveries.get();
        }
    }

    public static Chaos chaos(AsyncState state, long seed) {
        ChaosQueue.CrashingState crashing = new ChaosQueue.CrashingState(state, seed);
        AtomicReference<ChaosQueue> queue = new AtomicReference<>();
        StepQueue.Maker maker = (handler, dead) -> {
            ChaosQueue q = new ChaosQueue(seed, handler, dead, 6);
            queue.set(q);
            return q;
        };
        return new Chaos(crashing, maker, queue, crashing);
    }
}
