package io.visionflow.async;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Driver;
import io.visionflow.engine.RecordLoader;
import io.visionflow.engine.RecordRoot;
import io.visionflow.engine.RunResult;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepExecutor;
import io.visionflow.engine.StepFailure;
import io.visionflow.flow.FlowDefinition;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a flow as the async choreography of {@link AsyncSteps} and waits for it: the driver that
 * the same tests run next to the in-process one, so both give the same records and credits.
 */
public final class AsyncDriver implements Driver, AutoCloseable {
    private final AsyncSteps steps;
    /** The runs this process waits for: their contexts, and who is told of the end. */
    private final Map<String, StepContext> contexts = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<List<AsyncState.RecordEnd>>> waiting = new ConcurrentHashMap<>();

    public AsyncDriver(AsyncState state, StepExecutor executor, StepQueue.Maker queues) {
        this(state, executor, queues, Set.of());
    }

    /** A driver whose workers run the steps of {@code handledHere} kinds themselves (see {@link AsyncSteps}). */
    public AsyncDriver(AsyncState state, StepExecutor executor, StepQueue.Maker queues, Set<String> handledHere) {
        this.steps = new AsyncSteps(state, executor, new RunHost() {
            @Override
            public StepContext context(String run, RunSpec spec) {
                return contexts.get(run);
            }

            @Override
            public BufferedImage load(RunSpec spec, ObjectNode record) throws StepFailure {
                throw new StepFailure(500, "records of a waited run are loaded when it starts");
            }

            @Override
            public void finished(String run, RunSpec spec, List<AsyncState.RecordEnd> ends) {
                CompletableFuture<List<AsyncState.RecordEnd>> done = waiting.get(run);
                if (done != null) {
                    done.complete(ends);
                }
            }
        }, queues, handledHere);
    }

    /**
     * On an in-process queue with {@code workers} workers, five deliveries per message; this one
     * process runs every kind of step, so a worker keeps one of a step's children for itself.
     */
    public static AsyncDriver inProcess(AsyncState state, StepExecutor executor, int workers) {
        return new AsyncDriver(state, executor, (handler, dead) ->
                new InProcessStepQueue(handler, dead, workers, 5, Duration.ofMillis(50)), AsyncSteps.WORKER_KINDS);
    }

    @Override
    public RunResult run(FlowDefinition flow, List<ObjectNode> records, StepContext context, RecordLoader loader,
                         Duration deadline) {
        long start = System.nanoTime();
        String id = UUID.randomUUID().toString();
        CompletableFuture<List<AsyncState.RecordEnd>> done = new CompletableFuture<>();
        List<ObjectNode> echoes = new ArrayList<>();
        List<Optional<RecordRoot>> roots = new ArrayList<>();
        List<StepFailure> failures = new ArrayList<>();
        for (ObjectNode record : records) {
            ObjectNode echo = RecordRoot.echo(record);
            echoes.add(echo);
            try {
                BufferedImage image = loader.load(record);
                echo.put("_width", image.getWidth());
                echo.put("_height", image.getHeight());
                roots.add(Optional.of(RecordRoot.of(image, flow, context.images())));
                failures.add(null);
            } catch (StepFailure f) {
                roots.add(Optional.empty());
                failures.add(f);
            }
        }
        contexts.put(id, context);
        waiting.put(id, done);
        List<AsyncState.RecordEnd> ends;
        try {
            steps.start(id, RunSpec.waited(context.account(), records.size()), flow, echoes, roots, failures);
            ends = done.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            endRemaining(id, new StepFailure(504, "the request's deadline of " + deadline.toMillis()
                    + " ms passed before this record was done"));
            ends = done.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            endRemaining(id, new StepFailure(503, "the request was cancelled"));
            ends = done.join();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            contexts.remove(id);
            waiting.remove(id);
            steps.forget(id);
        }
        return AsyncSteps.result(ends, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Ends what is left, retrying a state that fails now and then: each attempt repeats only what did not happen. */
    private void endRemaining(String id, StepFailure failure) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                steps.endRemaining(id, failure);
                return;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    @Override
    public void close() {
        steps.close();
    }
}
