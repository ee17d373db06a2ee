package io.visionflow.functions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs the priming hook's rehearsals ({@link Priming}) in parallel, one thread per part, and waits
 * for them: in the hook before a SnapStart snapshot, and in the handler's constructor on a cold
 * start without SnapStart, so that the engine is built and most of the first event's classes are
 * loaded before init ends. Lambda is reported (not documented) to run init on two unthrottled vCPUs
 * whatever the memory, while the handler of a 1 GB function gets 0.58 of one: work done in init is
 * done where it is cheapest. On one core the rehearsals cost what they do beyond the first event's
 * needs (README, bench-lambda); {@code VISIONFLOW_WARMUP=off} leaves everything to the first event.
 */
final class Warmup {
    static final String VARIABLE = "VISIONFLOW_WARMUP";
    static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";
    /** Lambda's init phase ends after 10 s; a constructor that waited longer would fail the instance. */
    static final Duration LIMIT = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(Warmup.class.getName());

    private Warmup() {
    }

    /**
     * Whether a constructor warms up: not during SnapStart's init (the hook does it before the
     * snapshot, and no thread may run into it), and not when {@code VISIONFLOW_WARMUP=off}.
     */
    static boolean enabled(Map<String, String> env) {
        String setting = env.getOrDefault(VARIABLE, "").trim();
        if (!setting.isEmpty() && !setting.equalsIgnoreCase("on") && !setting.equalsIgnoreCase("off")) {
            throw new IllegalStateException("environment variable " + VARIABLE + " must be on or off, found \"" + setting + "\"");
        }
        return !"snap-start".equals(env.get(INITIALIZATION_TYPE)) && !setting.equalsIgnoreCase("off");
    }

    /**
     * A constructor's warm-up, when {@link #enabled}: the parts at once, for at most {@link #LIMIT}.
     * A part that fails is logged and dropped: the first event meets the same failure and answers it.
     */
    static void warm(Map<String, String> env, List<Runnable> parts) {
        if (!enabled(env)) {
            return;
        }
        for (Throwable failure : run(parts, LIMIT)) {
            LOG.log(System.Logger.Level.DEBUG, "a warm-up part failed; the first event will meet it again", failure);
        }
    }

    /** The hook's rehearsals: the parts at once, all of them to the end; the first part's failure is thrown. */
    static void run(List<Runnable> parts) {
        List<Throwable> failures = run(parts, null);
        if (!failures.isEmpty()) {
            RuntimeException e = failures.get(0) instanceof RuntimeException r ? r
                    : new IllegalStateException("priming failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Runs each part on a daemon thread of its own and waits for all of them, or until
     * {@code limit} (null: no limit) has passed; returns what the parts threw, in the parts' order.
     */
    static List<Throwable> run(List<Runnable> parts, Duration limit) {
        AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(parts.size());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Runnable part = parts.get(i);
            int index = i;
            // platform threads: class loading and static initialisers pin a virtual thread anyway
            threads.add(Thread.ofPlatform().daemon().name("visionflow-warmup-" + i).start(() -> {
                try {
                    part.run();
                } catch (RuntimeException | Error e) {
                    failures.set(index, e);
                }
            }));
        }
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        try {
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (limit == null) {
                    t.join();
                } else if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    LOG.log(System.Logger.Level.WARNING, "warm-up still running after " + limit + "; going on without it");
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Throwable> thrown = new ArrayList<>();
        for (int i = 0; i < failures.length(); i++) {
            if (failures.get(i) != null) {
                thrown.add(failures.get(i));
            }
        }
        return thrown;
    }
}
