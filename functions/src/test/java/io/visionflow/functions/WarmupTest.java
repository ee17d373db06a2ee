package io.visionflow.functions;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WarmupTest {

    @Test
    void aColdStartWarmsUpUnlessSnapStartsInitOrTheSettingSaysOff() {
        assertThat(Warmup.enabled(Map.of())).isTrue();
        assertThat(Warmup.enabled(Map.of(Warmup.INITIALIZATION_TYPE, "on-demand"))).isTrue();
        assertThat(Warmup.enabled(Map.of(Warmup.INITIALIZATION_TYPE, "provisioned-concurrency", Warmup.VARIABLE, "ON"))).isTrue();
        // the hook rehearses before the snapshot; no thread may still run into it
        assertThat(Warmup.enabled(Map.of(Warmup.INITIALIZATION_TYPE, "snap-start"))).isFalse();
        assertThat(Warmup.enabled(Map.of(Warmup.VARIABLE, " off "))).isFalse();
        assertThatThrownBy(() -> Warmup.enabled(Map.of(Warmup.VARIABLE, "sometimes")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(Warmup.VARIABLE).hasMessageContaining("sometimes");
    }

    @Test
    void thePartsRunAtOnceAndAllHaveEndedWhenItReturns() {
        // each part waits for the others: run one after another, they would all time out
        CyclicBarrier together = new CyclicBarrier(3);
        AtomicInteger ended = new AtomicInteger();
        Runnable part = () -> {
            try {
                together.await(10, TimeUnit.SECONDS);
                ended.incrementAndGet();
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("the parts did not run at once", e);
            }
        };
        Warmup.run(List.of(part, part, part));
        assertThat(ended).hasValue(3);
    }

    @Test
    void theHookThrowsWhatAPartThrewAfterTheOthersHaveEnded() {
        AtomicInteger ended = new AtomicInteger();
        Runnable fine = () -> {
            sleep(100);
            ended.incrementAndGet();
        };
        assertThatThrownBy(() -> Warmup.run(List.of(() -> {
            throw new IllegalStateException("environment variable VISIONFLOW_TABLE_PREFIX is not set");
        }, fine, () -> {
            throw new ExceptionInInitializerError("second");
        })))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("VISIONFLOW_TABLE_PREFIX")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(ended).hasValue(1);
    }

    @Test
    void aConstructorsWarmUpKeepsFailuresForTheFirstEventAndRunsNothingUnderSnapStart() {
        AtomicInteger ran = new AtomicInteger();
        Runnable failing = () -> {
            ran.incrementAndGet();
            throw new IllegalStateException("no table prefix");
        };
        Warmup.warm(Map.of(), List.of(failing, ran::incrementAndGet));
        assertThat(ran).hasValue(2);
        Warmup.warm(Map.of(Warmup.INITIALIZATION_TYPE, "snap-start"), List.of(failing));
        Warmup.warm(Map.of(Warmup.VARIABLE, "off"), List.of(failing));
        assertThat(ran).hasValue(2);
    }

    @Test
    void aPartThatOutlastsTheLimitIsLeftBehindSoInitEndsInTime() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        long start = System.nanoTime();
        List<Throwable> failures = Warmup.run(List.of(() -> {
            try {
                release.await();
                ended.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), Duration.ofMillis(200));
        assertThat(failures).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        // still running behind: a daemon thread, which never holds the JVM up
        assertThat(ended.getCount()).isEqualTo(1);
        release.countDown();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
