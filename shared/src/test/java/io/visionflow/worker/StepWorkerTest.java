package io.visionflow.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Frame;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepFailure;
import io.visionflow.engine.StepInput;
import io.visionflow.engine.StepOutcome;
import io.visionflow.flow.Action;
import io.visionflow.flow.FlowParser;
import io.visionflow.image.BlobImageStore;
import io.visionflow.image.ImageRef;
import io.visionflow.service.ServiceCatalog;
import io.visionflow.store.BlobModelSource;
import io.visionflow.store.memory.MemoryBlobStore;
import io.visionflow.task.Classification;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.onnx.Preprocessing;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The step protocol's failure paths: what a worker answers, and what the driver makes of bad answers. */
class StepWorkerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryBlobStore blobs = new MemoryBlobStore();
    private final List<String> modelsAsked = new ArrayList<>();
    private RuntimeException bug;

    private final TaskRunners runners = task -> {
        if (task.backend() instanceof OnnxBackend b) {
            modelsAsked.add(b.model());
        }
        return new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) throws TaskException {
                if (bug != null) {
                    throw bug;
                }
                return new Classification(List.of(new LabelProb("l0", "day", 0.9), new LabelProb("l1", "night", 0.1)));
            }
        };
    };
    private final StepWorker worker = new StepWorker(runners, ServiceCatalog.empty(),
            account -> new BlobImageStore(blobs, account, new BlobImageStore.Cache()));

    private static Task task(String model) {
        return new Task("t", "Lighting", TaskKind.CLASSIFICATION, List.of(new Label("l0", "day"), new Label("l1", "night")),
                new OnnxBackend(model, Preprocessing.fixed(8, 8), null));
    }

    private static Action action(String json) throws IOException {
        FlowParser.Result parsed = FlowParser.parseAction(JSON.readTree(json), "a");
        assertThat(parsed.problems()).isEmpty();
        return parsed.definition().topNode();
    }

    private ImageRef image(String account) throws IOException {
        return new BlobImageStore(blobs, account, new BlobImageStore.Cache())
                .put(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB));
    }

    private StepOutcome run(String account, Action action, ImageRef image, Map<String, Task> tasks) throws StepFailure {
        StepContext driver = new StepContext(account, id -> Optional.ofNullable(tasks.get(id)), id -> Optional.empty(),
                t -> null, null, ServiceCatalog.empty());
        return new RemoteStepExecutor((kind, request) -> worker.handle(request))
                .execute(new StepInput(action, JsonNodeFactory.instance.objectNode(), image, Frame.IDENTITY, image), driver);
    }

    @Test
    void aTaskRunsWithItsModelNamedByTheAccountsKeyAndIsCharged() throws Exception {
        String sha = "a".repeat(64);
        StepOutcome out = run("acme", action("""
                {"type": "recognition", "id": "r", "task": "t", "output_field": "light"}"""), image("acme"), Map.of("t", task(sha)));
        assertThat(out.writes().at("/light/best_label/name").asText()).isEqualTo("day");
        assertThat(out.credits()).isEqualTo(1);
        assertThat(modelsAsked).containsExactly(BlobModelSource.qualify("acme", sha));
    }

    @Test
    void anotherAccountsModelKeyIsNotQualifiedAndItsImagesAreNotRead() throws Exception {
        String foreign = "other/model/" + "b".repeat(64);
        run("acme", action("""
                {"type": "recognition", "id": "r", "task": "t", "output_field": "light"}"""), image("acme"), Map.of("t", task(foreign)));
        assertThat(modelsAsked).containsExactly(foreign); // left as it is: the key-only source refuses it
        assertThatThrownBy(() -> BlobModelSource.byKey(blobs).file(foreign)).isInstanceOf(IOException.class);

        ImageRef theirs = image("other");
        assertThatThrownBy(() -> run("acme", action("""
                {"type": "recognition", "id": "r", "task": "t", "output_field": "light"}"""), theirs, Map.of("t", task("a".repeat(64)))))
                .isInstanceOfSatisfying(StepFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(500);
                    assertThat(f.getMessage()).contains("not an image of this account");
                });
    }

    @Test
    void aTaskDeletedSinceTheRunStartedFailsTheStepWithAConflictAsItWouldLocally() throws Exception {
        assertThatThrownBy(() -> run("acme", action("""
                {"type": "recognition", "id": "r", "task": "gone", "output_field": "x"}"""), image("acme"), Map.of()))
                .isInstanceOfSatisfying(StepFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(409);
                    assertThat(f.getMessage()).contains("\"gone\" no longer exists");
                });
    }

    @Test
    void aBugInAStepIsAFailedStepNotACrashedWorker() throws Exception {
        bug = new IllegalStateException("boom");
        assertThatThrownBy(() -> run("acme", action("""
                {"type": "recognition", "id": "r", "task": "t", "output_field": "x"}"""), image("acme"), Map.of("t", task("a".repeat(64)))))
                .isInstanceOfSatisfying(StepFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(500);
                    assertThat(f.getMessage()).contains("boom");
                });
    }

    @Test
    void malformedRequestsAreAnsweredWithAFailureNamingTheProblem() throws Exception {
        for (String bad : List.of("", "[]", "{\"v\": 99}", "{\"v\": 1, \"account\": \"a\", \"action\": {\"type\": \"nope\"}}",
                "{\"v\": 1, \"account\": \"a\", \"action\": {\"type\": \"recognition\", \"id\": \"r\", \"task\": \"t\", \"output_field\": \"x\"}, \"image\": {\"id\": 3}}")) {
            JsonNode reply = JSON.readTree(worker.handle(bad.getBytes(StandardCharsets.UTF_8)));
            assertThat(reply.at("/failure/status").asInt()).as(bad).isEqualTo(400);
            assertThat(reply.at("/failure/message").asText()).as(bad).startsWith("malformed step request");
        }
    }

    @Test
    void aReplyThatCannotBeReadIsABadGatewayAndAChildOutsideTheTreeIsRefused() throws Exception {
        Action a = action("""
                {"type": "branch_selector", "id": "b", "task": "t", "field": "f", "branches": [
                  {"label": "day", "action": {"type": "recognition", "id": "r", "task": "t", "output_field": "x"}}]}""");
        for (String reply : List.of("not json", "{}", "{\"writes\": {}, \"mode\": \"sideways\"}",
                "{\"writes\": {}, \"mode\": \"parallel\", \"children\": [{\"scope\": \"\", \"action\": 7, \"image\": {\"id\": \"i\", \"width\": 1, \"height\": 1}, \"frame\": [0,0,1,1]}]}",
                "{\"writes\": {}, \"mode\": \"parallel\", \"children\": [{\"scope\": \"\", \"action\": 0, \"image\": {\"id\": \"i\", \"width\": 1, \"height\": 1}, \"frame\": [0,0,1,1]}]}")) {
            assertThatThrownBy(() -> StepCodec.outcome(reply.getBytes(StandardCharsets.UTF_8), a))
                    .as(reply).isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(502));
        }
        // a worker's own failure keeps its status; a nonsense status becomes 500
        assertThatThrownBy(() -> StepCodec.outcome("{\"failure\": {\"status\": 504, \"message\": \"slow\"}}".getBytes(StandardCharsets.UTF_8), a))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(504));
        assertThatThrownBy(() -> StepCodec.outcome("{\"failure\": {\"status\": 200}}".getBytes(StandardCharsets.UTF_8), a))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.status()).isEqualTo(500));
    }

    @Test
    void childrenComeBackAsTheDriversOwnActionObjects() throws Exception {
        Action a = action("""
                {"type": "branch_selector", "id": "b", "task": "t", "field": "light", "branches": [
                  {"label": "day", "action": {"type": "list", "actions": [
                     {"type": "recognition", "id": "r1", "task": "t", "output_field": "x"}]}},
                  {"label": "night", "action": {"type": "recognition", "id": "r2", "task": "t", "output_field": "y"}}]}""");
        StepOutcome out = run("acme", a, image("acme"), Map.of("t", task("a".repeat(64))));
        assertThat(out.children()).hasSize(1);
        assertThat(out.children().get(0).action()).isSameAs(a.subActions().get(0));
    }
}
