package io.visionflow.store.dynamodb;

import io.visionflow.async.AsyncState;
import io.visionflow.async.AsyncStateContract;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** The async state contract on dynalite: conditional puts and set additions, not in-process maps. */
class DynamoAsyncStateTest extends AsyncStateContract {
    private static final AtomicInteger SEQ = new AtomicInteger();

    @Override
    protected AsyncState newState() {
        return DynamoStores.of(DynamoTables.client(), "async-" + SEQ.incrementAndGet() + "-").createRunsTable()
                .asyncState(Clock.systemUTC());
    }
}
