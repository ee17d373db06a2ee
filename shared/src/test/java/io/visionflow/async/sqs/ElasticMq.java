package io.visionflow.async.sqs;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** ElasticMQ, a real SQS protocol server, in the test JVM on a loopback port of its own choosing. */
public final class ElasticMq {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static SQSRestServer server;
    private static URI endpoint;
    private static SqsClient client;

    private ElasticMq() {
    }

    public static synchronized URI endpoint() {
        if (server == null) {
            server = SQSRestServerBuilder.withDynamicPort().withInterface("127.0.0.1").start();
            int port = server.waitUntilStarted().localAddress().getPort();
            endpoint = URI.create("http://127.0.0.1:" + port);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndWait));
        }
        return endpoint;
    }

    public static synchronized SqsClient client() {
        if (client == null) {
            client = client(b -> { });
        }
        return client;
    }

    /** A new client of the server; {@code customize} runs last (test interceptors, say). */
    public static SqsClient client(Consumer<SqsClientBuilder> customize) {
        SqsClientBuilder builder = SqsClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        customize.accept(builder);
        return builder.build();
    }

    /** A queue and its dead-letter queue, as template.yaml will pair them. */
    public record Queues(String url, String deadLetterUrl) {
    }

    /**
     * A fresh queue whose messages come back {@code visibilitySeconds} after a failed receive and
     * move to its dead-letter queue after {@code maxReceives}.
     */
    public static Queues queues(String name, int visibilitySeconds, int maxReceives) {
        String unique = name + "-" + SEQ.incrementAndGet();
        SqsClient sqs = client();
        String dlq = sqs.createQueue(b -> b.queueName(unique + "-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String url = sqs.createQueue(b -> b.queueName(unique).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                        + maxReceives + "\"}"))).queueUrl();
        return new Queues(url, dlq);
    }
}
