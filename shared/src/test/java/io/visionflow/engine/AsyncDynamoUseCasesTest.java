package io.visionflow.engine;

import io.visionflow.async.AsyncDriver;
import io.visionflow.async.ChaosQueues;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The use cases as async runs whose state is in DynamoDB (dynalite): conditional puts and set
 * additions under the same reordering, duplication and killed workers as {@link AsyncUseCasesTest}.
 */
class AsyncDynamoUseCasesTest extends UseCasesTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static DynamoStores tables;

    @Override
    void host(Engine.Config c) {
        synchronized (AsyncDynamoUseCasesTest.class) {
            if (tables == null) {
                tables = DynamoStores.of(AwsEmulators.dynamoClient(), "async-cases-").createRunsTable();
            }
        }
        ChaosQueues.Chaos chaos = ChaosQueues.chaos(tables.asyncState(Clock.systemUTC()), 1000 + SEQ.incrementAndGet());
        c.driver = new AsyncDriver(chaos.state(), StepExecutor.IN_PROCESS, chaos.queues());
    }
}
