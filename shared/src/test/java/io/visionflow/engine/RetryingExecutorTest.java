package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.visionflow.flow.CallPolicy;
import io.visionflow.flow.ServiceCall;
import io.visionflow.image.ImageRef;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retry and timeout of one step, on a scripted executor, a recording sleeper and a limiter on a
 * fake clock: nothing here waits for real time or depends on the machine's speed.
 */
class RetryingExecutorTest {
    private static final ImageRef IMAGE = new ImageRef("img", 1, 1);
    private static final Set<CallPolicy.On> BOTH = Set.of(CallPolicy.On.TIMEOUT, CallPolicy.On.SERVER_ERROR);

    /** Each attempt answers the next entry: an HTTP status to fail with, or 200 for an outcome charging 1 credit. */
    private final List<Integer> script = new ArrayList<>();
    /** Fake milliseconds each attempt takes, by attempt (0 when not given). */
    private final List<Long> durations = new ArrayList<>();
    private final List<Long> sleeps = new ArrayList<>();
    private long clock;
    private int attempts;

    private final StepExecutor scripted = (input, context) -> {
        int n = attempts++;
        clock += n < durations.size() ? durations.get(n) : 0;
        int status = script.get(Math.min(n, script.size() - 1));
        if (status != 200) {
            throw new StepFailure(status, "attempt " + (n + 1) + " failed");
        }
        return StepOutcome.of(Results.object().put("attempt", n + 1), List.of(new Charge(input.action().id(), "service:x", 1)));
    };

    /** Runs the attempt at once, then says it timed out when the fake clock moved past the limit. */
    private final RetryingExecutor.TimeLimiter fakeLimiter = (attempt, timeoutMs) -> {
        long start = clock;
        StepOutcome outcome = attempt.run();
        if (clock - start > timeoutMs) {
            throw new TimeoutException(); // the late outcome is dropped, with its charges
        }
        return outcome;
    };

    private final StepExecutor executor = new RetryingExecutor(scripted, sleeps::add, fakeLimiter);

    private static StepInput input(CallPolicy policy) {
        return new StepInput(new ServiceCall("svc", "x", "out", null, policy), JsonNodeFactory.instance.objectNode(),
                IMAGE, Frame.IDENTITY, IMAGE);
    }

    private static CallPolicy retry(int attempts, int backoff, int maxDelay, Set<CallPolicy.On> on) {
        return new CallPolicy(new CallPolicy.Retry(attempts, backoff, maxDelay, on), null);
    }

    @Test
    void serverErrorsAreRetriedWithDoublingPausesAndOnlyTheKeptOutcomeIsCharged() throws Exception {
        script.addAll(List.of(503, 502, 200));
        StepOutcome outcome = executor.execute(input(retry(3, 200, 5000, BOTH)), null);
        assertThat(outcome.writes().get("attempt").asInt()).isEqualTo(3);
        assertThat(outcome.credits()).isEqualTo(1);
        assertThat(sleeps).containsExactly(200L, 400L);
    }

    @Test
    void pausesAreCappedByMaxDelayAndTheLastFailureSaysHowManyAttemptsWereMade() {
        script.add(500);
        assertThatThrownBy(() -> executor.execute(input(retry(5, 100, 250, BOTH)), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(500);
                    assertThat(f.getMessage()).isEqualTo("attempt 5 failed (after 5 attempts)");
                });
        assertThat(attempts).isEqualTo(5);
        assertThat(sleeps).containsExactly(100L, 200L, 250L, 250L);
    }

    @Test
    void clientErrorsAndFailuresTheRetryDoesNotNameAreFinalAtOnce() {
        script.add(400);
        assertThatThrownBy(() -> executor.execute(input(retry(3, 0, 0, BOTH)), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.getMessage()).isEqualTo("attempt 1 failed"));
        assertThat(attempts).isEqualTo(1);

        script.clear();
        attempts = 0;
        script.addAll(List.of(503, 200));
        assertThatThrownBy(() -> executor.execute(input(retry(3, 0, 0, Set.of(CallPolicy.On.TIMEOUT))), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(503));
        assertThat(attempts).isEqualTo(1);

        script.clear();
        attempts = 0;
        script.addAll(List.of(504, 200));
        assertThatThrownBy(() -> executor.execute(input(retry(3, 0, 0, Set.of(CallPolicy.On.SERVER_ERROR))), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(504));
        assertThat(attempts).isEqualTo(1);
    }

    @Test
    void anAttemptOverItsTimeoutFailsWith504AndIsRetriedAsATimeout() throws Exception {
        script.add(200);
        durations.addAll(List.of(300L, 10L));
        StepOutcome outcome = executor.execute(input(new CallPolicy(new CallPolicy.Retry(2, 50, 50,
                Set.of(CallPolicy.On.TIMEOUT)), 100)), null);
        // the first attempt's outcome came too late and was dropped: one credit, from the second
        assertThat(outcome.writes().get("attempt").asInt()).isEqualTo(2);
        assertThat(outcome.credits()).isEqualTo(1);
        assertThat(sleeps).containsExactly(50L);

        attempts = 0;
        durations.set(0, 101L);
        assertThatThrownBy(() -> executor.execute(input(new CallPolicy(null, 100)), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(504);
                    assertThat(f.getMessage()).isEqualTo("action \"svc\" took longer than its timeout_ms of 100");
                });
    }

    @Test
    void anActionWithoutAPolicyIsCalledOnceAsBefore() {
        script.add(503);
        assertThatThrownBy(() -> executor.execute(input(CallPolicy.NONE), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.getMessage()).isEqualTo("attempt 1 failed"));
        assertThat(attempts).isEqualTo(1);
        assertThat(sleeps).isEmpty();
        // and a driver's executor is wrapped once, however often it is asked
        StepExecutor once = RetryingExecutor.around(scripted);
        assertThat(RetryingExecutor.around(once)).isSameAs(once);
    }

    @Test
    void theRealLimiterInterruptsAStepThatNeverEnds() {
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        StepExecutor stuck = (input, context) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            } finally {
                stopped.countDown();
            }
            throw new StepFailure(500, "unreachable unless interrupted");
        };
        StepExecutor real = new RetryingExecutor(stuck, sleeps::add, RetryingExecutor.TimeLimiter.REAL);
        assertThatThrownBy(() -> real.execute(input(new CallPolicy(null, 20)), null))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(504));
        assertThat(awaitQuietly(stopped)).isTrue();
        assertThat(interrupted).isTrue();
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
