package io.visionflow.engine;

import io.visionflow.flow.CallPolicy;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies each action's {@code retry} and {@code timeout_ms} around another executor, so they mean
 * the same whether the step runs here or in a worker: every driver wraps its executor in one
 * (workers do not, or a step would be retried twice). An attempt over its {@code timeout_ms} fails
 * with 504 and is interrupted; a failure the policy names ({@code timeout}: 504 and 408,
 * {@code server_error}: any other 5xx) is tried again after an exponential pause, up to
 * {@code max_attempts}; any other failure is final at once. Only the outcome that is kept reaches
 * the driver, so only its charges are billed: a failed or timed-out attempt is never charged.
 * Actions without a policy go straight to the executor, as before.
 * <p>
 * Pauses and time limits go through a {@link Sleeper} and a {@link TimeLimiter}, which tests
 * replace, so nothing in them depends on the speed of the machine.
 */
public final class RetryingExecutor implements StepExecutor {
    /** Pauses between attempts. */
    @FunctionalInterface
    public interface Sleeper {
        Sleeper REAL = Thread::sleep;

        void sleep(long millis) throws InterruptedException;
    }

    /** One attempt of a step. */
    @FunctionalInterface
    public interface Attempt {
        StepOutcome run() throws StepFailure;
    }

    /** Runs an attempt within a time limit; {@link TimeoutException} when it takes longer (and is then interrupted). */
    @FunctionalInterface
    public interface TimeLimiter {
        /** On a virtual thread of its own, waited for at most the limit. */
        TimeLimiter REAL = RetryingExecutor::onThread;

        StepOutcome call(Attempt attempt, long timeoutMs) throws StepFailure, TimeoutException, InterruptedException;
    }

    private final StepExecutor delegate;
    private final Sleeper sleeper;
    private final TimeLimiter limiter;

    public RetryingExecutor(StepExecutor delegate, Sleeper sleeper, TimeLimiter limiter) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
        this.sleeper = sleeper;
        this.limiter = limiter;
    }

    /** {@code executor} with the policies applied, once: an executor that already applies them is kept. */
    public static StepExecutor around(StepExecutor executor) {
        return executor instanceof RetryingExecutor ? executor : new RetryingExecutor(executor, Sleeper.REAL, TimeLimiter.REAL);
    }

    @Override
    public StepOutcome execute(StepInput input, StepContext context) throws StepFailure {
        CallPolicy policy = input.action().policy();
        if (policy.isNone()) {
            return delegate.execute(input, context);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return once(input, context, policy);
            } catch (StepFailure f) {
                boolean again = attempt < policy.maxAttempts() && policy.retry().retries(f.status());
                if (!again) {
                    throw attempt == 1 ? f : new StepFailure(f.status(), f.getMessage() + " (after " + attempt + " attempts)", f);
                }
                try {
                    sleeper.sleep(policy.retry().delayBefore(attempt + 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException();
                }
            }
        }
    }

    private StepOutcome once(StepInput input, StepContext context, CallPolicy policy) throws StepFailure {
        if (policy.timeoutMs() == null) {
            return delegate.execute(input, context);
        }
        try {
            return limiter.call(() -> delegate.execute(input, context), policy.timeoutMs());
        } catch (TimeoutException e) {
            throw new StepFailure(504, "action \"" + input.action().id() + "\" took longer than its timeout_ms of "
                    + policy.timeoutMs(), e);
        } catch (InterruptedException e) {
            // the request was cancelled (its deadline): the driver stops the record
            Thread.currentThread().interrupt();
            throw new CancellationException();
        }
    }

    private static StepOutcome onThread(Attempt attempt, long timeoutMs) throws StepFailure, TimeoutException,
            InterruptedException {
        CompletableFuture<StepOutcome> result = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name("visionflow-attempt").start(() -> {
            try {
                result.complete(attempt.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException e) {
            thread.interrupt();
            throw e;
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case StepFailure f -> throw f;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }
}
