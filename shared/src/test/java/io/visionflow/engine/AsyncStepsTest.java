package io.visionflow.engine;

import io.visionflow.async.AsyncDriver;
import io.visionflow.async.ChaosQueues;
import io.visionflow.async.MemoryAsyncState;
import io.visionflow.async.sqs.ElasticMq;
import io.visionflow.async.sqs.SqsStepQueue;
import io.visionflow.task.Classification;
import io.visionflow.task.LabelProb;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What only the async choreography has: poison messages, dead letters, and a deadline over messages. */
class AsyncStepsTest {

    @Test
    void aStepThatKeepsCrashingItsWorkerEndsItsRecordFromTheDeadLetterAndTheRunStillFinishes() {
        ChaosQueues.Chaos chaos = ChaosQueues.chaos(new MemoryAsyncState(), 5);
        poison(new AsyncDriver(chaos.state(), StepExecutor.IN_PROCESS, chaos.queues()), 6);
    }

    @Test
    void onSqsThePoisonMessageMovesToTheDeadLetterQueueByItsRedrivePolicy() {
        ElasticMq.Queues queues = ElasticMq.queues("poison", 1, 2);
        poison(new AsyncDriver(new MemoryAsyncState(), StepExecutor.IN_PROCESS, (handler, deadLetter) ->
                new SqsStepQueue(ElasticMq.client(), queues.url()).poll(queues.deadLetterUrl(), handler, deadLetter, 2)), 2);
    }

    private static void poison(AsyncDriver driver, int deliveries) {
        AtomicInteger calls = new AtomicInteger();
        try (Harness h = new Harness()) {
            h.runner = driver;
            h.tasks.custom("fragile", TaskKind.CLASSIFICATION, List.of("ok"), new TaskRunner() {
                @Override
                public Classification classify(BufferedImage image) {
                    calls.incrementAndGet();
                    if ((image.getRGB(0, 0) & 0xff0000) == 0xff0000) {
                        throw new IllegalStateException("a bug that kills the worker on red images");
                    }
                    return new Classification(List.of(new LabelProb("ok", "ok", 1)));
                }
            });
            RunResult r = h.run("""
                    {"name": "n", "top_node": {"type": "list", "mode": "parallel", "actions": [
                      {"type": "recognition", "id": "f", "task": "fragile", "output_field": "x"}]}}""",
                    Pictures.plain(Color.RED, 8, 8), Pictures.plain(Color.BLUE, 8, 8));
            assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(500);
            assertThat(r.records().get(0).at("/_status/text").asText()).contains("could not run").contains("dead-letter");
            assertThat(r.records().get(1).at("/_status/code").asInt()).isEqualTo(200);
            assertThat(r.records().get(1).at("/x/best_label/name").asText()).isEqualTo("ok");
            assertThat(r.credits()).isEqualTo(1); // the poison step never stored an outcome, so never charged
            assertThat(calls.get()).isGreaterThanOrEqualTo(deliveries + 1); // every delivery of the red record tried once
        }
    }

    @Test
    void theDeadlineEndsTheRecordsStillWaitingAndLateOutcomesChangeNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            h.runner = AsyncDriver.inProcess(new MemoryAsyncState(), StepExecutor.IN_PROCESS, 2);
            h.deadline = Duration.ofMillis(300);
            h.tasks.custom("slow", TaskKind.CLASSIFICATION, List.of("late"), new TaskRunner() {
                @Override
                public Classification classify(BufferedImage image) throws TaskException {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new TaskException(503, "interrupted");
                    }
                    return new Classification(List.of(new LabelProb("late", "late", 1)));
                }
            });
            RunResult r = h.run("""
                    {"name": "n", "top_node": {"type": "recognition", "id": "s", "task": "slow", "output_field": "x"}}""",
                    Pictures.plain(Color.GREEN, 8, 8));
            assertThat(r.records().get(0).at("/_status/code").asInt()).isEqualTo(504);
            assertThat(r.records().get(0).has("x")).isFalse();
            assertThat(r.credits()).isZero();
        } finally {
            release.countDown();
        }
    }
}
