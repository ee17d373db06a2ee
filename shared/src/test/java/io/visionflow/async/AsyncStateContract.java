package io.visionflow.async;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What every {@link AsyncState} adapter must do: first-wins writes and counts that survive repetition. */
public abstract class AsyncStateContract {
    protected AsyncState state;

    protected abstract AsyncState newState() throws Exception;

    @BeforeEach
    void open() throws Exception {
        state = newState();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theFirstStoredOutcomeWinsAndADuplicateGetsIt() {
        assertThat(state.step("r", "0")).isEmpty();
        AsyncState.Step first = state.putStep("r", "0", b("m1"), b("o1"));
        assertThat(first.outcome()).isEqualTo(b("o1"));
        AsyncState.Step second = state.putStep("r", "0", b("m2"), b("o2"));
        assertThat(second.message()).isEqualTo(b("m1"));
        assertThat(second.outcome()).isEqualTo(b("o1"));
        assertThat(state.step("r", "0").orElseThrow().outcome()).isEqualTo(b("o1"));
        assertThat(state.step("other-run", "0")).isEmpty();
    }

    @Test
    void stepsOfARecordAreItsOwnOnly() {
        for (String key : List.of("1", "1.0", "1.0.3", "1.10", "10", "10.1", "2")) {
            state.putStep("r", key, b("m" + key), b("o" + key));
        }
        state.putStep("other", "1.2", b("m"), b("o"));
        assertThat(state.steps("r", 1).keySet()).containsExactlyInAnyOrder("1", "1.0", "1.0.3", "1.10");
        assertThat(state.steps("r", 10).keySet()).containsExactlyInAnyOrder("10", "10.1");
        assertThat(state.steps("r", 3)).isEmpty();
    }

    @Test
    void aJoinCountsEachChildOnce() {
        assertThat(state.childDone("r", "0", "0.1")).isEqualTo(1);
        assertThat(state.childDone("r", "0", "0.1")).isEqualTo(1);
        assertThat(state.childDone("r", "0", "0.0")).isEqualTo(2);
        assertThat(state.childDone("r", "0.0", "0.0.0")).isEqualTo(1);
        assertThat(state.childDone("r2", "0", "0.0")).isEqualTo(1);
    }

    @Test
    void concurrentCompletionsOfAJoinAddUpAndOneOfThemAtLeastSeesItWhole() throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        try {
            Set<Integer> seen = ConcurrentHashMap.newKeySet();
            List<Future<Integer>> counts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String child = "0." + (i % 8); // each child twice, as duplicated deliveries would
                counts.add(pool.submit(() -> state.childDone("r", "0", child)));
            }
            int whole = 0;
            for (Future<Integer> f : counts) {
                int n = f.get();
                seen.add(n);
                if (n == 8) {
                    whole++;
                }
            }
            assertThat(whole).isPositive();
            assertThat(seen).allMatch(n -> n >= 1 && n <= 8);
            assertThat(state.childDone("r", "0", "0.0")).isEqualTo(8);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRecordEndsOnceAndIsCountedOnce() {
        assertThat(state.recordEnd("r", 0)).isEmpty();
        assertThat(state.endRecord("r", 0, new AsyncState.RecordEnd(b("first")))).isEqualTo(1);
        assertThat(state.endRecord("r", 0, new AsyncState.RecordEnd(b("second")))).isEqualTo(1);
        assertThat(state.recordEnd("r", 0).orElseThrow().result()).isEqualTo(b("first"));
        assertThat(state.endRecord("r", 0, null)).isEqualTo(1);
        assertThat(state.endRecord("r", 2, new AsyncState.RecordEnd(b("x")))).isEqualTo(2);
        assertThat(state.endRecord("other", 0, null)).isEqualTo(1);
        assertThat(state.recordEnd("other", 0)).isEmpty();
    }

    @Test
    void aRunsSpecAndItsRecordsAreStoredOnce() {
        assertThat(state.run("r")).isEmpty();
        state.putRun("r", b("spec1"));
        state.putRun("r", b("spec2"));
        assertThat(state.run("r")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("spec1")));
        assertThat(state.run("other")).isEmpty();
        assertThat(state.record("r", 0)).isEmpty();
        assertThat(state.putRecord("r", 0, b("e1"))).isEqualTo(b("e1"));
        assertThat(state.putRecord("r", 0, b("e2"))).isEqualTo(b("e1"));
        assertThat(state.record("r", 0)).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("e1")));
        assertThat(state.record("r", 1)).isEmpty();
        assertThat(state.record("other", 0)).isEmpty();
    }

    @Test
    void theEndsOfARunsRecordsAreReadTogetherOnlyWhenAllHaveEnded() {
        assertThat(state.recordEnds("r", 2)).isEmpty();
        state.endRecord("r", 1, new AsyncState.RecordEnd(b("one")));
        assertThat(state.recordEnds("r", 2)).isEmpty();
        for (int i = 0; i < 12; i++) { // 10 and 11 sort between 1 and 2 as strings
            state.endRecord("r", i, new AsyncState.RecordEnd(b("end" + i)));
        }
        state.endRecord("other", 0, new AsyncState.RecordEnd(b("x")));
        List<AsyncState.RecordEnd> ends = state.recordEnds("r", 12).orElseThrow();
        assertThat(ends).hasSize(12);
        assertThat(ends.get(1).result()).isEqualTo(b("one"));
        assertThat(ends.get(10).result()).isEqualTo(b("end10"));
        assertThat(state.recordEnds("r", 2).orElseThrow()).hasSize(2);
    }
}
