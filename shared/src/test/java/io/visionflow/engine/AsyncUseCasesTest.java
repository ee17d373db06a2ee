package io.visionflow.engine;

import io.visionflow.async.AsyncDriver;
import io.visionflow.async.ChaosQueues;
import io.visionflow.async.MemoryAsyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every use case again, driven as the async choreography over a queue that reorders, duplicates
 * and redelivers, and a state that now and then makes its write and then "kills the worker". The
 * expectations are those of the in-process run, credits included: no step is charged twice, no
 * join counted twice, no record lost.
 */
class AsyncUseCasesTest extends UseCasesTest {
    private final List<ChaosQueues.Chaos> chaos = new ArrayList<>();

    @Override
    void host(Engine.Config c) {
        ChaosQueues.Chaos run = ChaosQueues.chaos(new MemoryAsyncState(), 17L * (chaos.size() + 1));
        chaos.add(run);
        c.driver = new AsyncDriver(run.state(), StepExecutor.IN_PROCESS, run.queues());
    }

    @AfterEach
    void theQueueWasUnkind(TestInfo test) {
        if (!test.getDisplayName().contains("Deleted")) {
            assertThat(chaos).isNotEmpty();
            assertThat(chaos.stream().mapToInt(c -> c.duplicates()).sum()).as("duplicated deliveries").isPositive();
        }
        System.out.printf("%s: %d duplicated, %d redelivered, %d workers killed after a write%n", test.getDisplayName(),
                chaos.stream().mapToInt(c -> c.duplicates()).sum(), chaos.stream().mapToInt(c -> c.redeliveries()).sum(),
                chaos.stream().mapToInt(c -> c.crashes()).sum());
    }
}
