package io.visionflow.engine;

import io.visionflow.async.AsyncDriver;
import io.visionflow.async.ChaosQueues;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.async.sqs.SqsStepQueue;
import io.visionflow.store.aws.AwsEmulators;
import io.visionflow.store.dynamodb.DynamoStores;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The use cases as async runs on real protocol servers: step messages on SQS (ElasticMQ, with a
 * dead-letter queue behind a redrive policy), state in DynamoDB (dynalite), and workers "killed"
 * after their writes, whose messages SQS delivers again when their visibility timeout ends.
 */
class AsyncSqsUseCasesTest extends UseCasesTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static DynamoStores tables;

    @Override
    void host(Engine.Config c) {
        synchronized (AsyncSqsUseCasesTest.class) {
            if (tables == null) {
                tables = DynamoStores.of(AwsEmulators.dynamoClient(), "async-sqs-").createRunsTable();
            }
        }
        ChaosQueues.Chaos chaos = ChaosQueues.chaos(tables.asyncState(Clock.systemUTC()), 2000 + SEQ.incrementAndGet());
        ElasticMq.Queues queues = ElasticMq.queues("steps", 1, 4);
        c.driver = new AsyncDriver(chaos.state(), StepExecutor.IN_PROCESS, (handler, deadLetter) ->
                new SqsStepQueue(ElasticMq.client(), queues.url()).poll(queues.deadLetterUrl(), handler, deadLetter, 2));
    }
}
