package io.visionflow.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.visionflow.functions.AsyncDeployment.JSON;
import static io.visionflow.functions.AsyncDeployment.plain;
import static io.visionflow.functions.AsyncDeployment.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The step queues' consumers in fresh JVMs on the shaded jars their functions deploy (package
 * phase): the control and dead-letter functions on the API jar, the model worker on the worker jar,
 * each built by its Lambda constructor from the environment and primed as SnapStart would, then
 * handed SQS events made of the messages an async run puts on ElasticMQ, with its state on dynalite
 * and its images on s3rver. Whatever the jar lacks would show here as a NoClassDefFoundError.
 */
class StepJarsTest {

    @BeforeEach
    void onlyAfterShading() {
        assumeTrue(Boolean.getBoolean("visionflow.api.jar.phase"), "runs in the package phase, after the shade step");
    }

    private static List<Message> take(AsyncDeployment.Functions f, String url, int count) {
        List<Message> messages = new ArrayList<>();
        AsyncDeployment.await(() -> {
            messages.addAll(SqsEventSource.receive(f.sqs, url, 10));
            return messages.size() >= count;
        }, messages::toString);
        return messages;
    }

    private static String eventFile(Path tmp, String name, List<Message> messages, String url, AsyncDeployment.Functions f)
            throws Exception {
        Path file = tmp.resolve(name + ".json");
        Files.write(file, JSON.writeValueAsBytes(SqsEventSource.event(messages, SqsEventSource.arn(f.sqs, url))));
        return file.toString();
    }

    private static JsonNode answer(FreshJvm.Result r) throws Exception {
        assertThat(r.exit()).as(r.lines() + r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain("NoClassDefFoundError").doesNotContain("ClassNotFoundException");
        List<String> answers = r.answers();
        assertThat(answers).as(r.lines() + r.stderr()).hasSize(1);
        return JSON.readTree(answers.get(0).substring(answers.get(0).indexOf(' ') + 1));
    }

    @Test
    void freshJvmsOnTheJarsCarryAnAsyncRunThroughTheStepQueues(@TempDir Path tmp) throws Exception {
        String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x86_64";
        try (AsyncDeployment deployment = new AsyncDeployment(tmp.resolve("cache"));
             AsyncDeployment.Functions f = deployment.functions(30, 5)) {
            List<String> records = List.of(record("white", plain(Color.WHITE)), record("black", plain(Color.BLACK)));
            String id = f.submit(deployment.fashion, records);
            List<Message> starts = take(f, f.control.url(), 2);
            Message first = starts.stream().filter(m -> m.body().contains("\"record\":0")).findFirst().orElseThrow();
            Message second = starts.stream().filter(m -> m != first).findFirst().orElseThrow();

            // record 0 starts in the control function (API jar)
            FreshJvm.Result control = FreshJvm.run(ApiJarTest.JAR, StepJarMain.class, f.env, List.of(
                    ControlHandler.class.getName(), "--primed", eventFile(tmp, "start", List.of(first), f.control.url(), f)), tmp);
            assertThat(answer(control).path("batchItemFailures")).as(control.stderr()).isEmpty();

            // record 1's start, as if it had failed every delivery, ends in the dead-letter function (API jar)
            ObjectNode spoiled = (ObjectNode) JSON.readTree(second.body());
            spoiled.put("start", "spoiled");
            f.sqs.sendMessage(b -> b.queueUrl(f.control.deadLetterUrl()).messageBody(spoiled.toString()));
            List<Message> dead = take(f, f.control.deadLetterUrl(), 1);
            FreshJvm.Result deadLetters = FreshJvm.run(ApiJarTest.JAR, StepJarMain.class, f.env, List.of(
                    DeadLetterHandler.class.getName(), eventFile(tmp, "dead", dead, f.control.deadLetterUrl(), f)), tmp);
            assertThat(answer(deadLetters).path("batchItemFailures")).as(deadLetters.stderr()).isEmpty();

            // record 0's top step (a branch selector) runs in the model worker (worker jar, ONNX Runtime)
            List<Message> top = take(f, f.model.url(), 1);
            assertThat(top).singleElement().satisfies(m -> assertThat(m.body()).contains("\"kind\":\"model\""));
            FreshJvm.Result model = FreshJvm.run(WorkerJarTest.jar(arch), StepJarMain.class, f.env, List.of(
                    ModelWorkerHandler.class.getName(), "--primed", eventFile(tmp, "model", top, f.model.url(), f)), tmp);
            assertThat(answer(model).path("batchItemFailures")).as(model.stderr()).isEmpty();
            assertThat(model.stderr()).doesNotContain("UnsatisfiedLinkError");
            System.out.printf("fresh JVMs on the jars: control answered %d ms after JVM start, dead letters %d ms, "
                    + "model step %d ms%n", control.stat("first-answer"), deadLetters.stat("first-answer"), model.stat("first-answer"));

            // the rest of the run (the branch's recognition) through the in-test functions
            f.start(false);
            JsonNode done = f.awaitFinished(id);
            assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("DONE");
            assertThat(done.at("/response/records/0")).isEqualTo(deployment.sync(deployment.fashion, records.subList(0, 1))
                    .at("/records/0"));
            assertThat(done.at("/response/records/1/_status/code").asInt()).isEqualTo(500);
            assertThat(done.at("/response/records/1/_status/text").asText()).contains("moved to the dead-letter queue");
        }
    }
}
