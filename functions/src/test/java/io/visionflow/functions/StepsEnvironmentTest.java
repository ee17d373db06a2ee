package io.visionflow.functions;

import io.visionflow.api.Api;
import io.visionflow.service.ServiceCatalog;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The step queues of a function's environment, and what its cold start pays for them: nothing. */
class StepsEnvironmentTest {

    @Test
    void readsTheQueueOfEachKindAndRefusesWorkerQueuesWithoutTheControlQueue() {
        assertThat(StepsEnvironment.queues(Map.of())).isEmpty();
        assertThat(StepsEnvironment.queues(Map.of(StepsEnvironment.CONTROL_QUEUE_URL, " ", StepsEnvironment.MODEL_QUEUE_URL, "")))
                .isEmpty();
        assertThat(StepsEnvironment.queues(Map.of(StepsEnvironment.CONTROL_QUEUE_URL, "https://sqs/c ",
                StepsEnvironment.MODEL_QUEUE_URL, "https://sqs/m", StepsEnvironment.SERVICE_QUEUE_URL, "https://sqs/s")))
                .isEqualTo(Map.of("control", "https://sqs/c", "model", "https://sqs/m", "service", "https://sqs/s"));
        // a kind without a queue of its own goes to the control queue
        assertThat(StepsEnvironment.queues(Map.of(StepsEnvironment.CONTROL_QUEUE_URL, "https://sqs/c")))
                .isEqualTo(Map.of("control", "https://sqs/c"));
        assertThatThrownBy(() -> StepsEnvironment.queues(Map.of(StepsEnvironment.MODEL_QUEUE_URL, "https://sqs/m")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(StepsEnvironment.CONTROL_QUEUE_URL);
    }

    /** Functions with queues in their environment, pointed at a port that counts who connects. */
    private static Map<String, String> env(PrimingTest.Listener aws) {
        Map<String, String> env = new HashMap<>();
        env.put(ApiEnvironment.TABLE_PREFIX, "steps-");
        env.put(ApiEnvironment.BUCKET, "steps");
        env.put("AWS_REGION", "eu-west-1");
        env.put(ApiEnvironment.DYNAMODB_ENDPOINT, aws.url());
        env.put("VISIONFLOW_S3_ENDPOINT", aws.url());
        env.put(StepsEnvironment.SQS_ENDPOINT, aws.url());
        env.put(StepsEnvironment.CONTROL_QUEUE_URL, aws.url() + "/000000000000/control");
        env.put(StepsEnvironment.MODEL_QUEUE_URL, aws.url() + "/000000000000/model");
        env.put(StepsEnvironment.SERVICE_QUEUE_URL, aws.url() + "/000000000000/service");
        return env;
    }

    @Test
    void functionsWithQueuesBuildTheirEnginesAndPrimeWithoutAConnection() throws IOException {
        try (PrimingTest.Listener aws = new PrimingTest.Listener()) {
            Map<String, String> env = env(aws);
            try (Api api = ApiEnvironment.create(env)) {
                new Priming.ApiResource(() -> api).beforeCheckpoint(null);
            }
            WorkerEnvironment.Worker worker = WorkerEnvironment.worker(env, ServiceCatalog.empty());
            assertThat(worker.handlesStepMessages()).isTrue();
            new Priming.Worker(worker::stepWorker, () -> java.util.Optional.of(worker.api())).beforeCheckpoint(null);
            worker.api().close();
            // every send to each queue, and the runs table's reads and writes, rehearsed up to the wire
            assertThat(Priming.primeQueues(env)).isEqualTo(6);
            assertThat(Priming.primeTables(env)).isEqualTo(8);
            assertThat(aws.accepted).hasValue(0);
        }
    }

    @Test
    void withoutQueuesNothingIsPrimedForThem() {
        assertThat(Priming.primeQueues(Map.of())).isZero();
        assertThat(WorkerEnvironment.worker(Map.of(ApiEnvironment.BUCKET, "b"), ServiceCatalog.empty()).handlesStepMessages())
                .isFalse();
    }

    @Test
    void aWorkerWithoutQueuesFailsAnSqsEventAsAWholeAndStillAnswersSteps() throws IOException {
        ModelWorkerHandler handler = new ModelWorkerHandler(WorkerEnvironment.worker(Map.of(ApiEnvironment.BUCKET, "b"),
                ServiceCatalog.empty()));
        byte[] event = "{\"Records\": [{\"messageId\": \"m\", \"body\": \"{}\"}]}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> handler.handleRequest(new ByteArrayInputStream(event), new ByteArrayOutputStream(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(StepsEnvironment.CONTROL_QUEUE_URL);
        // a step invoked directly is answered as before (here: refused, it names no image)
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream("{\"v\": 1}".getBytes(StandardCharsets.UTF_8)), out, null);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("failure");
    }

    @Test
    void onlyAnObjectWhoseFirstFieldIsRecordsIsAnSqsEvent() {
        for (String yes : new String[] {"{\"Records\": []}", " {\n \"Records\" : [{\"messageId\": \"m\"}]}"}) {
            assertThat(SqsEvents.isSqsEvent(yes.getBytes(StandardCharsets.UTF_8))).as(yes).isTrue();
        }
        for (String no : new String[] {"{\"v\": 1, \"Records\": []}", "[]", "", "Records", "{\"records\": []}"}) {
            assertThat(SqsEvents.isSqsEvent(no.getBytes(StandardCharsets.UTF_8))).as(no).isFalse();
        }
    }
}
