package io.visionflow.store.dynamodb;

import io.visionflow.store.aws.AwsEmulators;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.concurrent.atomic.AtomicInteger;

/** Fresh tables on the test run's dynalite: a unique prefix per test class and per call. */
final class DynamoTables {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static DynamoDbClient client;

    private DynamoTables() {
    }

    static synchronized DynamoDbClient client() {
        if (client == null) {
            client = AwsEmulators.dynamoClient();
        }
        return client;
    }

    /** New, empty tables for one test of {@code testClass}. */
    static DynamoStores fresh(Class<?> testClass) {
        return DynamoStores.of(client(), testClass.getSimpleName() + "-" + SEQ.incrementAndGet() + "-").createTables();
    }
}
