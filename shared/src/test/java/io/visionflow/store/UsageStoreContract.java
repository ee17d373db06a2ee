package io.visionflow.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What every {@link UsageStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class UsageStoreContract {
    protected static final String A = "acct-a";
    protected static final String B = "acct-b";
    private static final LocalDate D1 = LocalDate.of(2026, 3, 1);
    private static final LocalDate D2 = LocalDate.of(2026, 3, 2);
    private static final LocalDate D3 = LocalDate.of(2026, 3, 3);

    protected UsageStore store;

    protected abstract UsageStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @Test
    void chargesAddUpPerDayAndFlow() {
        assertThat(store.charge(A, D1, "f1", 2, "c1")).isTrue();
        assertThat(store.charge(A, D1, "f1", 3, "c2")).isTrue();
        assertThat(store.charge(A, D1, "-", 1, "c3")).isTrue();
        assertThat(store.charge(A, D2, "f1", 5, "c4")).isTrue();

        assertThat(store.usage(A, D1, D2)).containsExactly(
                new UsageRow(D1, "-", 1), new UsageRow(D1, "f1", 5), new UsageRow(D2, "f1", 5));
    }

    @Test
    void theSameChargeIdCountsOnce() {
        assertThat(store.charge(A, D1, "f1", 2, "step-1")).isTrue();
        assertThat(store.charge(A, D1, "f1", 2, "step-1")).isFalse();
        // a redelivery is recognised by its id alone, whatever else it says
        assertThat(store.charge(A, D2, "f2", 7, "step-1")).isFalse();

        assertThat(store.usage(A, D1, D3)).containsExactly(new UsageRow(D1, "f1", 2));
    }

    @Test
    void chargeIdsAreScopedToTheAccount() {
        assertThat(store.charge(A, D1, "f1", 2, "step-1")).isTrue();
        assertThat(store.charge(B, D1, "f1", 3, "step-1")).isTrue();

        assertThat(store.usage(A, D1, D1)).containsExactly(new UsageRow(D1, "f1", 2));
        assertThat(store.usage(B, D1, D1)).containsExactly(new UsageRow(D1, "f1", 3));
    }

    @Test
    void usageIsFilteredToTheInclusiveDateRangeAndOrderedByDayThenFlow() {
        LocalDate before = D1.minusDays(1);
        LocalDate after = D3.plusDays(1);
        store.charge(A, before, "f1", 100, "x0");
        store.charge(A, D3, "zeta", 1, "x1");
        store.charge(A, D1, "beta", 2, "x2");
        store.charge(A, D3, "alpha", 3, "x3");
        store.charge(A, D2, "beta", 4, "x4");
        store.charge(A, D1, "alpha", 5, "x5");
        store.charge(A, after, "f1", 100, "x6");
        store.charge(B, D2, "theirs", 100, "x7");

        assertThat(store.usage(A, D1, D3)).containsExactly(
                new UsageRow(D1, "alpha", 5), new UsageRow(D1, "beta", 2),
                new UsageRow(D2, "beta", 4),
                new UsageRow(D3, "alpha", 3), new UsageRow(D3, "zeta", 1));
        assertThat(store.usage(A, D2, D2)).containsExactly(new UsageRow(D2, "beta", 4));
        assertThat(store.usage(A, after.plusDays(1), after.plusDays(9))).isEmpty();
        assertThat(store.usage(B, D1, D3)).containsExactly(new UsageRow(D2, "theirs", 100));
        assertThat(store.usage("nobody", D1, D3)).isEmpty();
    }

    @Test
    void concurrentChargesLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 200;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger counted = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        // every charge is sent twice, as an at-least-once queue may do
                        String id = "t" + thread + "-" + i;
                        String flow = i % 2 == 0 ? "even" : "odd";
                        if (store.charge(A, D1, flow, 1, id)) {
                            counted.incrementAndGet();
                        }
                        if (store.charge(A, D1, flow, 1, id)) {
                            counted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long total = (long) threads * perThread;
        assertThat(counted.get()).isEqualTo(total);
        assertThat(store.usage(A, D1, D1)).containsExactly(
                new UsageRow(D1, "even", total / 2), new UsageRow(D1, "odd", total / 2));
    }

    @Test
    void racingRedeliveriesOfOneChargeCountOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            String id = "step-" + round;
            int threads = 6;
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return store.charge(A, D2, "f", 1, id);
                    }));
                }
                int won = 0;
                for (Future<Boolean> r : results) {
                    won += r.get() ? 1 : 0;
                }
                assertThat(won).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(store.usage(A, D2, D2)).containsExactly(new UsageRow(D2, "f", 20));
    }
}
