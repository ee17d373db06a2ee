package io.visionflow.async.sqs;

import io.visionflow.async.AsyncSteps;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Step messages routed by kind to one SQS queue each (ElasticMQ in the test JVM). */
class RoutedSqsStepQueueTest {

    private static byte[] message(String kind, int record) {
        String k = kind == null ? "" : ", \"kind\": \"" + kind + "\"";
        return ("{\"run\": \"r\", \"record\": " + record + k + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }

    /** Receives until {@code count} messages came or a generous deadline passed; deletes them. */
    private static List<String> receive(String url, int count) {
        SqsClient sqs = ElasticMq.client();
        List<String> bodies = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (bodies.size() < count && System.nanoTime() < deadline) {
            for (Message m : sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                bodies.add(m.body());
                sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return bodies;
    }

    private static boolean empty(String url) {
        return ElasticMq.client().receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(1)).messages().isEmpty();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eachMessageGoesToTheQueueOfItsKindAndAnyOtherToTheControlQueue() {
        String control = ElasticMq.queues("control", 30, 5).url();
        String model = ElasticMq.queues("model", 30, 5).url();
        String service = ElasticMq.queues("service", 30, 5).url();
        RoutedSqsStepQueue queue = new RoutedSqsStepQueue(ElasticMq::client,
                Map.of(AsyncSteps.CONTROL, control, "model", model, "service", service));
        queue.send(message("model", 0));
        queue.send(message("service", 1));
        queue.send(message("control", 2));
        queue.send(message(null, 3));
        queue.send(message("webhook", 4));

        assertThat(receive(model, 1)).containsExactly(text(message("model", 0)));
        assertThat(receive(service, 1)).containsExactly(text(message("service", 1)));
        assertThat(receive(control, 3)).containsExactlyInAnyOrder(text(message("control", 2)), text(message(null, 3)),
                text(message("webhook", 4)));
        assertThat(queue.url("model")).isEqualTo(model);
        assertThat(queue.url("anything")).isEqualTo(control);
    }

    @Test
    void aKindWithoutAQueueOfItsOwnGoesToTheControlQueue() {
        String control = ElasticMq.queues("control", 30, 5).url();
        String model = ElasticMq.queues("model", 30, 5).url();
        RoutedSqsStepQueue queue = new RoutedSqsStepQueue(ElasticMq::client, Map.of(AsyncSteps.CONTROL, control, "model", model));
        queue.sendAll(List.of(message("service", 0), message("model", 1), message("service", 2)));
        assertThat(receive(control, 2)).containsExactlyInAnyOrder(text(message("service", 0)), text(message("service", 2)));
        assertThat(receive(model, 1)).containsExactly(text(message("model", 1)));
        assertThatThrownBy(() -> new RoutedSqsStepQueue(ElasticMq::client, Map.of("model", model)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("control");
    }

    @Test
    void aMixedBatchIsSentInBatchesOfTenPerQueue() {
        String control = ElasticMq.queues("control", 30, 5).url();
        String model = ElasticMq.queues("model", 30, 5).url();
        String service = ElasticMq.queues("service", 30, 5).url();
        Map<String, List<Integer>> batches = new ConcurrentHashMap<>();
        AtomicInteger singles = new AtomicInteger();
        SqsClient counting = ElasticMq.client(b -> b.overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof SendMessageBatchRequest r) {
                    batches.computeIfAbsent(r.queueUrl(), u -> new CopyOnWriteArrayList<>()).add(r.entries().size());
                } else if (context.request() instanceof SendMessageRequest) {
                    singles.incrementAndGet();
                }
            }
        })));
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            all.add(message(i < 12 ? "model" : i < 18 ? "service" : "control", i));
        }
        Collections.shuffle(all, new java.util.Random(7));
        new RoutedSqsStepQueue(() -> counting, Map.of(AsyncSteps.CONTROL, control, "model", model, "service", service))
                .sendAll(all);

        assertThat(batches).containsOnlyKeys(control, model, service);
        assertThat(batches.get(model)).containsExactly(10, 2);
        assertThat(batches.get(service)).containsExactly(6);
        assertThat(batches.get(control)).containsExactly(5);
        assertThat(singles).hasValue(0);
        assertThat(receive(model, 12)).hasSize(12).allMatch(b -> b.contains("\"model\""));
        assertThat(receive(service, 6)).hasSize(6).allMatch(b -> b.contains("\"service\""));
        assertThat(receive(control, 5)).hasSize(5).allMatch(b -> b.contains("\"control\""));
        assertThat(empty(model)).isTrue();
    }

    @Test
    void theClientIsAskedForOnlyWhenAMessageIsSent() {
        String control = ElasticMq.queues("control", 30, 5).url();
        AtomicInteger asked = new AtomicInteger();
        RoutedSqsStepQueue queue = new RoutedSqsStepQueue(() -> {
            asked.incrementAndGet();
            return ElasticMq.client();
        }, Map.of(AsyncSteps.CONTROL, control));
        assertThat(queue.url("model")).isEqualTo(control);
        assertThat(asked).hasValue(0);
        queue.send(message("model", 0));
        assertThat(asked.get()).isPositive();
        assertThat(receive(control, 1)).hasSize(1);
    }

    @Test
    void pollersHandEveryQueueToTheHandlerAndEveryDeadLetterQueueToTheDeadLetterHandler() {
        ElasticMq.Queues control = ElasticMq.queues("control", 1, 2);
        ElasticMq.Queues model = ElasticMq.queues("model", 1, 2);
        List<String> handled = new CopyOnWriteArrayList<>();
        List<String> dead = new CopyOnWriteArrayList<>();
        try (RoutedSqsStepQueue queue = new RoutedSqsStepQueue(ElasticMq::client,
                Map.of(AsyncSteps.CONTROL, control.url(), "model", model.url()))) {
            queue.poll(Map.of(AsyncSteps.CONTROL, control.deadLetterUrl(), "model", model.deadLetterUrl()), m -> {
                if (text(m).contains("\"record\": 9")) {
                    throw new IllegalStateException("poison");
                }
                handled.add(text(m));
            }, (m, reason) -> dead.add(text(m) + " " + reason), 1);
            queue.sendAll(List.of(message("model", 0), message("control", 1), message("service", 2), message("model", 9)));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((handled.size() < 3 || dead.isEmpty()) && System.nanoTime() < deadline) {
                sleep(50);
            }
        }
        assertThat(handled).containsExactlyInAnyOrder(text(message("model", 0)), text(message("control", 1)),
                text(message("service", 2)));
        assertThat(dead).singleElement().asString().startsWith(text(message("model", 9)))
                .contains("moved to the dead-letter queue after");
    }
}
