package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Action;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.ListAction;
import io.visionflow.image.ImageRef;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Drives a flow inside this JVM: records and parallel branches run concurrently, sequences in
 * order, at most {@code maxConcurrency} steps at a time. Steps run on virtual threads because most
 * of their time is spent blocked (remote tasks, ONNX Runtime's own threads). A per-request deadline
 * fails the records that are not done with a 504 and interrupts their steps.
 */
public final class InProcessDriver implements Driver, AutoCloseable {
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore permits;
    private final StepExecutor executor;

    public InProcessDriver(int maxConcurrency) {
        this(maxConcurrency, StepExecutor.IN_PROCESS);
    }

    /**
     * A driver whose steps run through {@code executor}: the cloud's sync driver is this one with
     * model and service steps executed by worker functions.
     */
    public InProcessDriver(int maxConcurrency, StepExecutor executor) {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1");
        }
        this.permits = new Semaphore(maxConcurrency, true);
        // every action's retry and timeout_ms apply here, wherever its step runs
        this.executor = RetryingExecutor.around(java.util.Objects.requireNonNull(executor, "executor"));
    }

    /**
     * Runs a flow and waits for it. The first record runs on the calling thread (a request of one
     * record then never waits for a thread hand-off); a timer cancels what is left at the deadline
     * and interrupts the running steps. A task that ignores interrupts holds the answer until its
     * call returns; the record still fails with the deadline's 504.
     */
    @Override
    public RunResult run(FlowDefinition flow, List<ObjectNode> records, StepContext context, RecordLoader loader,
                         Duration deadline) {
        long start = System.nanoTime();
        Execution execution = new Execution(context, start);
        for (int i = 0; i < records.size(); i++) {
            RecordRun run = new RecordRun(records.get(i));
            execution.records.add(run);
            run.done = i == 0 ? new CompletableFuture<>()
                    : CompletableFuture.runAsync(() -> execution.runRecord(run, flow, loader), threads);
        }
        ScheduledFuture<?> timer = DEADLINES.schedule(() -> execution.cancel(504, deadlineMessage(deadline)),
                deadline.toNanos(), TimeUnit.NANOSECONDS);
        try {
            if (!execution.records.isEmpty()) {
                RecordRun first = execution.records.get(0);
                execution.runRecord(first, flow, loader);
                first.done.complete(null);
            }
            return execution.await(Duration.ofNanos(Math.max(0, deadline.toNanos() - (System.nanoTime() - start))));
        } finally {
            timer.cancel(false);
            Thread.interrupted(); // an interrupt from a cancellation was aimed at a step, not at the caller
        }
    }

    /** Starts a run; the caller may cancel it or wait for it with a deadline. */
    public Execution start(FlowDefinition flow, List<ObjectNode> records, StepContext context, RecordLoader loader) {
        Execution execution = new Execution(context, System.nanoTime());
        for (ObjectNode record : records) {
            RecordRun run = new RecordRun(record);
            execution.records.add(run);
            run.done = CompletableFuture.runAsync(() -> execution.runRecord(run, flow, loader), threads);
        }
        return execution;
    }

    private static String deadlineMessage(Duration deadline) {
        return "the request's deadline of " + deadline.toMillis() + " ms passed before this record was done";
    }

    /** One platform thread for all drivers: it only fires deadlines. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "visionflow-deadlines");
        t.setDaemon(true);
        return t;
    });

    @Override
    public void close() {
        threads.shutdownNow();
    }

    /** Where a step runs: its scope in the record, and the nesting prefix of its charges' action ids. */
    private record Place(JsonPointer scope, String charges) {
        Place child(ChildStep c, Action parent) {
            return new Place(scope.append(c.scope()), Steps.chargePrefix(charges, parent));
        }
    }

    /** One run of a flow over a batch of records. */
    public final class Execution {
        private final StepContext context;
        private final long startNanos;
        private final List<RecordRun> records = new ArrayList<>();
        private final Set<Thread> working = ConcurrentHashMap.newKeySet();
        private volatile boolean cancelled;

        private Execution(StepContext context, long startNanos) {
            this.context = context;
            this.startNanos = startNanos;
        }

        /** Stops launching steps and interrupts the running ones; unfinished records fail with {@code status}. */
        public void cancel(int status, String reason) {
            cancelled = true;
            for (RecordRun r : records) {
                if (!r.done.isDone()) {
                    r.fail(new StepFailure(status, reason));
                }
            }
            working.forEach(Thread::interrupt);
        }

        /** Waits for every record, at most {@code deadline}; then returns each record as it stands. */
        public RunResult await(Duration deadline) {
            CompletableFuture<?> all = CompletableFuture.allOf(records.stream().map(r -> r.done).toArray(CompletableFuture[]::new));
            try {
                all.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                cancel(504, deadlineMessage(deadline));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel(503, "the request was cancelled");
            } catch (ExecutionException e) {
                // each record handles its own failure; nothing reaches here
                throw new IllegalStateException(e.getCause());
            }
            List<ObjectNode> out = new ArrayList<>();
            List<Charge> charges = new ArrayList<>();
            for (RecordRun r : records) {
                out.add(r.close());
                charges.addAll(r.charges);
            }
            return new RunResult(out, charges, Duration.ofNanos(System.nanoTime() - startNanos));
        }

        private void runRecord(RecordRun run, FlowDefinition flow, RecordLoader loader) {
            try {
                RecordRoot root = prepare(run, flow, loader);
                step(run, new Place(JsonPointer.empty(), ""), flow.topNode(), root.image(), root.frame(), root.original());
                run.finish(null);
            } catch (StepFailure | RuntimeException e) {
                run.finish(e);
            }
        }

        private RecordRoot prepare(RecordRun run, FlowDefinition flow, RecordLoader loader) throws StepFailure {
            return call(run, () -> {
                BufferedImage image = loader.load(run.input);
                run.setSize(image.getWidth(), image.getHeight());
                return RecordRoot.of(image, flow, context.images());
            });
        }

        /**
         * Runs a step and then its children on the calling thread: a sequence never changes
         * threads, and of parallel children all but the first are forked, which keeps hand-offs
         * between threads (and cold caches) to the minimum the flow needs.
         */
        private void step(RecordRun run, Place place, Action action, ImageRef image, Frame frame, ImageRef original)
                throws StepFailure {
            StepOutcome outcome = call(run, () -> executor.execute(new StepInput(action,
                    run.snapshot(place.scope(), Steps.reads(action)), image, frame, original), context));
            run.apply(place, outcome);
            List<ChildStep> children = outcome.children();
            if (outcome.childMode() == ListAction.Mode.SEQUENCE || children.size() == 1) {
                for (ChildStep c : children) {
                    step(run, place.child(c, action), c.action(), c.image(), c.frame(), original);
                }
                return;
            }
            List<Future<?>> forked = new ArrayList<>();
            for (ChildStep c : children.subList(Math.min(1, children.size()), children.size())) {
                forked.add(threads.submit(() -> {
                    try {
                        step(run, place.child(c, action), c.action(), c.image(), c.frame(), original);
                    } catch (StepFailure | RuntimeException e) {
                        run.finish(e);
                    }
                }));
            }
            StepFailure first = null;
            if (!children.isEmpty()) {
                ChildStep c = children.get(0);
                try {
                    step(run, place.child(c, action), c.action(), c.image(), c.frame(), original);
                } catch (StepFailure e) {
                    first = e;
                    run.fail(e); // the forked siblings stop at their next step
                }
            }
            for (Future<?> f : forked) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    forked.forEach(other -> other.cancel(true));
                    throw new CancellationException();
                } catch (ExecutionException e) {
                    run.finish(e.getCause());
                }
            }
            if (first != null) {
                throw first;
            }
            if (run.failure != null) {
                throw new CancellationException();
            }
        }

        /** Runs one unit of work under a permit, unless the record or the request already stopped. */
        private <T> T call(RecordRun run, Work<T> work) throws StepFailure {
            if (cancelled || run.failure != null) {
                throw new CancellationException();
            }
            Thread self = Thread.currentThread();
            working.add(self);
            try {
                permits.acquire();
                try {
                    return work.run();
                } finally {
                    permits.release();
                }
            } catch (InterruptedException e) {
                throw new CancellationException();
            } catch (RuntimeException e) {
                if (e instanceof CancellationException) {
                    throw e;
                }
                // a bug or a runtime fault in a step fails its record, never the request
                throw new StepFailure(500, "internal error: " + e, e);
            } finally {
                working.remove(self);
                Thread.interrupted(); // an interrupt aimed at this step must not leak into the thread's next task
            }
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws StepFailure, InterruptedException;
    }

    /** The state of one record: its output tree, its charges, and how it ended. */
    private static final class RecordRun {
        final ObjectNode input;
        final ObjectNode state;
        final List<Charge> charges = Collections.synchronizedList(new ArrayList<>());
        volatile StepFailure failure;
        CompletableFuture<Void> done;
        boolean closed;

        RecordRun(ObjectNode input) {
            this.input = input;
            this.state = RecordRoot.echo(input);
        }

        synchronized void setSize(int width, int height) {
            state.put("_width", width);
            state.put("_height", height);
        }

        /** A copy of the fields of a scope a step reads: copying the whole record per step would grow with it. */
        synchronized ObjectNode snapshot(JsonPointer scope, Set<String> fields) {
            ObjectNode source = (ObjectNode) state.at(scope);
            ObjectNode copy = source.objectNode();
            for (String f : fields) {
                JsonNode v = source.get(f);
                if (v != null) {
                    copy.set(f, v.deepCopy());
                }
            }
            return copy;
        }

        synchronized void apply(Place place, StepOutcome outcome) {
            if (closed || failure != null) {
                return; // late results of a cancelled or failed record are dropped, and not billed
            }
            JsonNode target = state.at(place.scope());
            if (!(target instanceof ObjectNode object)) {
                throw new IllegalStateException("scope " + place.scope() + " is not an object");
            }
            object.setAll(outcome.writes());
            for (Charge c : outcome.charges()) {
                charges.add(new Charge(place.charges() + c.actionId(), c.item(), c.credits()));
            }
        }

        synchronized void fail(StepFailure f) {
            if (failure == null && !closed) {
                failure = f;
            }
        }

        void finish(Throwable error) {
            Throwable cause = error;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof StepFailure f) {
                fail(f);
            } else if (cause != null && !(cause instanceof CancellationException)) {
                fail(new StepFailure(500, "internal error: " + cause));
            }
        }

        synchronized ObjectNode close() {
            if (!closed) {
                closed = true;
                ObjectNode status = state.putObject("_status");
                if (failure == null && done.isDone()) {
                    status.put("code", 200).put("text", "OK");
                } else {
                    StepFailure f = failure != null ? failure : new StepFailure(504, "the record was not done in time");
                    status.put("code", f.status()).put("text", f.getMessage());
                }
            }
            return state.deepCopy();
        }
    }
}
