package io.visionflow.store.aws;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness itself: both emulators answer the SDK clients the adapters use. */
class AwsEmulatorsTest {
    @Test
    void dynaliteAnswersTheDynamoDbClient() {
        long t0 = System.nanoTime();
        try (DynamoDbClient dynamo = AwsEmulators.dynamoClient()) {
            System.out.printf("dynalite up in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            dynamo.createTable(b -> b.tableName("harness")
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            dynamo.waiter().waitUntilTableExists(b -> b.tableName("harness"));
            dynamo.putItem(b -> b.tableName("harness").item(Map.of("pk", AttributeValue.fromS("k"), "v", AttributeValue.fromN("1"))));

            assertThat(dynamo.getItem(b -> b.tableName("harness").key(Map.of("pk", AttributeValue.fromS("k")))).item())
                    .containsEntry("v", AttributeValue.fromN("1"));
        }
    }

    @Test
    void s3rverAnswersTheS3Client() {
        long t0 = System.nanoTime();
        try (S3Client s3 = AwsEmulators.s3Client()) {
            System.out.printf("s3rver up in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            s3.createBucket(b -> b.bucket("harness"));
            s3.putObject(b -> b.bucket("harness").key("a/b"), RequestBody.fromString("hello"));

            assertThat(s3.getObjectAsBytes(b -> b.bucket("harness").key("a/b")).asUtf8String()).isEqualTo("hello");
        }
    }
}
