package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.image.BlobImageStore;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.request.AsyncRequests;
import io.visionflow.async.AsyncState;
import io.visionflow.async.MemoryAsyncState;
import io.visionflow.async.StepQueue;
import io.visionflow.store.Account;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.BlobStore;
import io.visionflow.store.Page;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.RequestStore;
import io.visionflow.store.Stores;
import io.visionflow.store.UsageRow;
import io.visionflow.store.memory.MemoryRequestStore;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.Classification;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import io.visionflow.task.TaskRunners;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.onnx.Activation;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.DirectoryModelSource;
import io.visionflow.task.onnx.Preprocessing;
import io.visionflow.webhook.Webhook;
import io.visionflow.webhook.WebhookReceiver;
import io.visionflow.webhook.WebhookSender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Async requests end to end through {@link Api#handle}: in-memory stores, a classifier that
 * computes from the pixels, the in-process queue (or a hand-driven one where a test needs to
 * choose when and how often a message is delivered) and real loopback webhook receivers.
 */
class AsyncRequestsTest {
    private static final String ACME = "acme";
    private static final String OTHER = "other";
    private static final String TOKEN = "token-acme";
    private static final String OTHER_TOKEN = "token-other";
    private static final String SECRET = "acme-webhook-secret";

    private final List<Api> apis = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicInteger modelCalls = new AtomicInteger();
    private volatile CountDownLatch gate; // when set, the classifier waits on it
    private CountingRequests requests;
    private Stores stores;
    private Api api;
    private String flow;

    @BeforeEach
    void setUp() {
        Stores memory = MemoryStores.create();
        requests = new CountingRequests();
        stores = new Stores(memory.accounts(), memory.flows(), memory.tasks(), memory.blobs(), requests, memory.usage());
        stores.accounts().create(new Account(ACME, "Acme", SECRET, Instant.now()));
        stores.accounts().addToken(ACME, Tokens.hash(TOKEN));
        stores.accounts().create(new Account(OTHER, "Other", null, Instant.now()));
        stores.accounts().addToken(OTHER, Tokens.hash(OTHER_TOKEN));
        stores.tasks().create(ACME, new Task("colour", "colour", TaskKind.CLASSIFICATION, labels(), null));
        stores.tasks().create(ACME, new Task("colour2", "colour2", TaskKind.CLASSIFICATION, labels(), null));
        api = api(stores, null, c -> { });
        flow = createFlow(api, TOKEN);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        apis.forEach(Api::close);
    }

    // ---- the request's life ----

    @Test
    void aRequestGoesCreatedThenProcessingThenDone() throws Exception {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        ApiResponse created = post(api, TOKEN, body(flow, records(Color.RED, Color.BLUE), null));
        assertThat(created.status()).isEqualTo(201);
        JsonNode c = created.bodyJson();
        String id = c.path("id").asText();
        assertThat(c.path("type").asText()).isEqualTo("flows");
        assertThat(c.path("status").asText()).isEqualTo("CREATED");
        assertThat(c.has("created")).isTrue();
        assertThat(c.has("updated")).isTrue();
        assertThat(status(api, id)).isEqualTo("CREATED");

        gate = new CountDownLatch(1);
        Thread worker = Thread.ofPlatform().start(queue::deliverAll);
        awaitValue(() -> status(api, id), "PROCESSING"::equals);
        gate.countDown();
        worker.join(30_000);

        JsonNode done = get(api, TOKEN, "/account/v2/request/" + id).bodyJson();
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        JsonNode records = done.path("response").path("records");
        assertThat(records).hasSize(2);
        assertThat(records.get(0).path("colour").path("best_label").path("name").asText()).isEqualTo("red");
        assertThat(records.get(1).path("colour").path("best_label").path("name").asText()).isEqualTo("blue");
        assertThat(records.get(0).has("_base64")).isFalse();
        assertThat(records.get(0).has("_blob")).isFalse();
        assertThat(done.path("response").path("status").path("request_id").asText()).isEqualTo(id);
        // the status view never carries the response
        JsonNode statusView = get(api, TOKEN, "/account/v2/request/" + id + "/status/").bodyJson();
        assertThat(statusView.path("status").asText()).isEqualTo("DONE");
        assertThat(statusView.has("response")).isFalse();
    }

    @Test
    void givesTheSameRecordsAndCreditsAsTheSyncEndpoint() {
        List<ObjectNode> input = records(Color.RED, Color.GREEN, Color.BLUE);
        input.get(1).put("_id", "second").put("_file", "/home/me/green.png");
        ObjectNode sync = Call.JSON.createObjectNode().put("flow", flow);
        sync.putArray("records").addAll(input);
        JsonNode syncAnswer = api.handle(ApiRequest.json("POST", "/flows/v2/process", TOKEN, sync.toString())).bodyJson();

        String id = post(api, TOKEN, body(flow, input, null)).bodyJson().path("id").asText();
        JsonNode response = awaitDone(api, id).path("response");

        assertThat(response.path("records")).isEqualTo(syncAnswer.path("records"));
        assertThat(response.path("statistics").path("credits")).isEqualTo(syncAnswer.path("statistics").path("credits"));
        assertThat(response.path("statistics").path("credits_by_action"))
                .isEqualTo(syncAnswer.path("statistics").path("credits_by_action"));
        assertThat(response.path("statistics").path("credits").asInt()).isEqualTo(3);
        assertThat(credits(ACME)).isEqualTo(6); // the sync call and the async one, each charged once
    }

    @Test
    void onRealOnnxModelsTheAsyncAnswerIsTheSyncAnswer() throws Exception {
        Path models = Path.of(AsyncRequestsTest.class.getResource("/models").toURI());
        BackendRunners onnx = closing(new BackendRunners(new DirectoryModelSource(models)));
        stores.tasks().create(ACME, new Task("onnx_colour", "onnx_colour", TaskKind.CLASSIFICATION, labels(),
                new OnnxBackend("mean_colour.onnx", Preprocessing.fixed(32, 32), new ClassifierOutput(Activation.SOFTMAX, null))));
        stores.tasks().create(ACME, new Task("onnx_light", "onnx_light", TaskKind.CLASSIFICATION,
                List.of(new Label("l-dark", "dark"), new Label("l-bright", "bright")),
                new OnnxBackend("brightness.onnx", Preprocessing.fixed(32, 32), new ClassifierOutput(Activation.SOFTMAX, null))));
        Api api = api(stores, null, c -> c.runners = onnx);
        String def = """
                {"name": "onnx", "top_node": {"type": "list", "id": "all", "actions": [
                  {"type": "recognition", "id": "c", "task": "onnx_colour", "output_field": "colour"},
                  {"type": "recognition", "id": "l", "task": "onnx_light", "output_field": "light"}]}}""";
        ApiResponse created = api.handle(ApiRequest.json("POST", "/flows/v2/flow/", TOKEN, def));
        assertThat(created.status()).as(created.bodyText()).isEqualTo(201);
        String onnxFlow = created.bodyJson().path("id").asText();
        List<ObjectNode> input = records(Color.RED, Color.WHITE, Color.BLUE);
        ObjectNode sync = Call.JSON.createObjectNode().put("flow", onnxFlow);
        sync.putArray("records").addAll(input);
        JsonNode syncAnswer = api.handle(ApiRequest.json("POST", "/flows/v2/process", TOKEN, sync.toString())).bodyJson();

        String id = post(api, TOKEN, body(onnxFlow, input, null)).bodyJson().path("id").asText();
        JsonNode response = awaitDone(api, id).path("response");

        assertThat(response.path("records")).isEqualTo(syncAnswer.path("records"));
        assertThat(response.path("records").get(0).path("colour").path("best_label").path("name").asText()).isEqualTo("red");
        assertThat(response.path("records").get(1).path("light").path("best_label").path("name").asText()).isEqualTo("bright");
        assertThat(response.path("statistics").path("credits").asInt()).isEqualTo(6);
        assertThat(credits(ACME)).isEqualTo(12);
    }

    @Test
    void moreRecordsThanOneSyncCallRunInBatchesInOrder() {
        Color[] colours = new Color[25];
        for (int i = 0; i < colours.length; i++) {
            colours[i] = i % 3 == 0 ? Color.RED : i % 3 == 1 ? Color.GREEN : Color.BLUE;
        }
        List<ObjectNode> input = records(colours);
        for (int i = 0; i < input.size(); i++) {
            input.get(i).put("_id", "r" + i);
        }
        String id = post(api, TOKEN, body(flow, input, null)).bodyJson().path("id").asText();
        JsonNode records = awaitDone(api, id).path("response").path("records");
        assertThat(records).hasSize(25);
        for (int i = 0; i < 25; i++) {
            assertThat(records.get(i).path("_id").asText()).isEqualTo("r" + i);
            assertThat(records.get(i).path("colour").path("best_label").path("name").asText())
                    .isEqualTo(List.of("red", "green", "blue").get(i % 3));
        }
        assertThat(credits(ACME)).isEqualTo(25);
    }

    @Test
    void aFailedRecordLeavesTheRequestDoneWithThatRecordsStatus() throws Exception {
        WebhookReceiver missing = closing(new WebhookReceiver(n -> 404)); // any loopback URL answering 404
        List<ObjectNode> input = records(Color.RED);
        input.add(Call.JSON.createObjectNode().put("_url", missing.uri().toString()));
        String id = post(api, TOKEN, body(flow, input, null)).bodyJson().path("id").asText();
        JsonNode done = awaitDone(api, id);
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        JsonNode records = done.path("response").path("records");
        assertThat(records.get(0).path("_status").path("code").asInt()).isEqualTo(200);
        assertThat(records.get(1).path("_status").path("code").asInt()).isEqualTo(400);
        assertThat(records.get(1).path("_status").path("text").asText()).contains("404");
        assertThat(missing.received()).hasSize(1); // the _url was fetched when the request ran
        assertThat(credits(ACME)).isEqualTo(1);
    }

    @Test
    void aTaskDeletedBeforeTheWorkerRanEndsTheRequestInErrorWithTheReason() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        stores.tasks().delete(ACME, "colour");
        queue.deliverAll();

        JsonNode r = get(api, TOKEN, "/account/v2/request/" + id).bodyJson();
        assertThat(r.path("status").asText()).isEqualTo("ERROR");
        assertThat(r.path("error").asText()).contains("is not valid").contains("colour");
        assertThat(r.path("response").path("status").path("code").asInt()).isEqualTo(409);
        assertThat(modelCalls.get()).isZero();
        assertThat(credits(ACME)).isZero();
    }

    @Test
    void aFlowDeletedAfterTheRequestWasAcceptedStillRunsAsAccepted() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        assertThat(api.handle(ApiRequest.json("DELETE", "/flows/v2/flow/" + flow, TOKEN, null)).status()).isEqualTo(204);
        queue.deliverAll();
        JsonNode r = get(api, TOKEN, "/account/v2/request/" + id).bodyJson();
        assertThat(r.path("status").asText()).isEqualTo("DONE");
        assertThat(r.path("response").path("records").get(0).path("colour").path("best_label").path("name").asText())
                .isEqualTo("red");
    }

    @Test
    void theRequestRunsTheFlowVersionItWasAcceptedWith() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        String v2 = """
                {"name": "colours", "top_node": {"type": "recognition", "id": "c", "task": "colour2", "output_field": "other"}}""";
        ApiResponse put = api.handle(ApiRequest.json("PUT", "/flows/v2/flow/" + flow, TOKEN, v2));
        assertThat(put.status()).as(put.bodyText()).isEqualTo(200);
        queue.deliverAll();
        JsonNode record = get(api, TOKEN, "/account/v2/request/" + id).bodyJson().path("response").path("records").get(0);
        assertThat(record.has("colour")).isTrue();
        assertThat(record.has("other")).isFalse();
    }

    // ---- at-least-once delivery ----

    @Test
    void aDuplicateDeliveryChargesOnceAndWritesOnce() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED, Color.GREEN), null)).bodyJson().path("id").asText();

        queue.deliverAll(2); // every message twice in a row
        assertThat(status(api, id)).isEqualTo("DONE");
        queue.sent.forEach(queue.handler); // and every one once more, late

        assertThat(status(api, id)).isEqualTo("DONE");
        assertThat(modelCalls.get()).isEqualTo(2); // a repeated step reuses its stored outcome
        assertThat(credits(ACME)).isEqualTo(2);
        assertThat(requests.finished.get()).isEqualTo(1);
    }

    @Test
    void aCrashBetweenChargingAndWritingTheResultIsFinishedByTheRedeliveryWithoutChargingTwice() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED, Color.GREEN), null)).bodyJson().path("id").asText();
        requests.failNextFinish.set(true);
        // the worker that ends the run "dies" after charging; its message comes back and finishes it
        assertThat(queue.deliverAll()).isEqualTo(1);
        assertThat(status(api, id)).isEqualTo("DONE");
        assertThat(credits(ACME)).isEqualTo(2);
        assertThat(requests.finished.get()).isEqualTo(1);
    }

    @Test
    void aRunStartedByOneProcessIsContinuedByAnotherThatSharesOnlyTheStoresAndTheState() {
        AsyncState state = new MemoryAsyncState();
        // as in the cloud: images travel as blobs, the one thing besides the state processes share
        Consumer<Api.Config> shared = c -> {
            c.asyncState = state;
            c.images = account -> new BlobImageStore(stores.blobs(), account, new BlobImageStore.Cache());
        };
        ManualSteps queue = new ManualSteps();
        Api first = api(stores, queue, shared);
        List<ObjectNode> input = records(Color.RED, Color.GREEN, Color.BLUE);
        String id = post(first, TOKEN, body(flow, input, null)).bodyJson().path("id").asText();
        queue.deliverFirst(); // one record starts in the first process, which then dies
        first.close();
        apis.remove(first);
        assertThat(status(api, id)).isEqualTo("PROCESSING");

        // a second process (another function instance) takes what waits on the queue
        ManualSteps second = new ManualSteps();
        Api other = api(stores, second, shared);
        queue.waiting.forEach(second::send);
        second.deliverAll();

        ObjectNode sync = Call.JSON.createObjectNode().put("flow", flow);
        sync.putArray("records").addAll(input);
        JsonNode syncAnswer = other.handle(ApiRequest.json("POST", "/flows/v2/process", TOKEN, sync.toString())).bodyJson();
        JsonNode done = get(other, TOKEN, "/account/v2/request/" + id).bodyJson();
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        assertThat(done.path("response").path("records")).isEqualTo(syncAnswer.path("records"));
        assertThat(credits(ACME)).isEqualTo(6); // three async, three sync
    }

    @Test
    void aWorkerThatKeepsFailingIsRedeliveredThenEndsInError() {
        Stores failing = new Stores(stores.accounts(), stores.flows(), stores.tasks(), new FailingBlobs(stores.blobs()),
                stores.requests(), stores.usage());
        Api api = api(failing, null, c -> c.async = AsyncRequests.Options.defaults().withWorkers(1, 100).withDeliveries(3, Duration.ofMillis(10)));
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        JsonNode r = awaitValue(() -> get(api, TOKEN, "/account/v2/request/" + id).bodyJson(),
                j -> j.path("status").asText().equals("ERROR"));
        // the record's start message failed on every delivery, then went to the dead letters
        assertThat(r.path("error").asText()).contains("no record could be processed")
                .contains("could not run: it failed on 3 deliveries").doesNotContain("Exception");
        assertThat(r.path("response").path("status").path("code").asInt()).isEqualTo(500);
        assertThat(credits(ACME)).isZero();
    }

    @Test
    void unfinishedRequestsAreReEnqueuedAtStartUp() {
        ManualSteps lost = new ManualSteps(); // the queue of a process that is killed: nothing is delivered
        Api dying = api(stores, lost, c -> { });
        String neverStarted = post(dying, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        String halfDone = post(dying, TOKEN, body(flow, records(Color.GREEN, Color.BLUE), null)).bodyJson().path("id").asText();
        // a worker claimed this one, then the process died
        assertThat(stores.requests().transition(ACME, halfDone, RequestStatus.CREATED, RequestStatus.PROCESSING, null, null))
                .isTrue();
        dying.close();
        apis.remove(dying);

        Api restarted = api(stores, null, c -> { });
        assertThat(restarted.recoverRequests(List.of(ACME, OTHER))).isEqualTo(2);
        assertThat(awaitDone(restarted, neverStarted).path("status").asText()).isEqualTo("DONE");
        assertThat(awaitDone(restarted, halfDone).path("status").asText()).isEqualTo("DONE");
        assertThat(credits(ACME)).isEqualTo(3);
        assertThat(restarted.recoverRequests(List.of(ACME))).isZero();
    }

    @Test
    void aProcessKilledWhileARequestRunsLeavesItUnbilledForTheNextStartUp() {
        ManualSteps dying = new ManualSteps();
        Api killed = api(stores, dying, c -> { });
        String id = post(killed, TOKEN, body(flow, records(Color.RED, Color.GREEN), null)).bodyJson().path("id").asText();
        dying.deliverFirst(); // a record starts, then the process is killed with its queue and its state
        killed.close();
        apis.remove(killed);
        assertThat(stores.requests().get(ACME, id).orElseThrow().status()).isEqualTo(RequestStatus.PROCESSING);
        assertThat(credits(ACME)).isZero();

        Api restarted = api(stores, null, c -> { });
        assertThat(restarted.recoverRequests(List.of(ACME))).isEqualTo(1);
        assertThat(awaitDone(restarted, id).path("status").asText()).isEqualTo("DONE");
        assertThat(credits(ACME)).isEqualTo(2);
        assertThat(requests.finished.get()).isEqualTo(1);
    }

    @Test
    void aFullQueueAnswers503() {
        Api api = api(stores, null, c -> c.async = AsyncRequests.Options.defaults().withWorkers(1, 1));
        gate = new CountDownLatch(1);
        String running = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        awaitValue(() -> status(api, running), "PROCESSING"::equals);
        assertThat(post(api, TOKEN, body(flow, records(Color.RED), null)).status()).isEqualTo(201); // waits in the queue
        ApiResponse full = post(api, TOKEN, body(flow, records(Color.RED), null));
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.bodyJson().path("detail").asText()).contains("full");
        gate.countDown();
        awaitDone(api, running);
    }

    // ---- webhooks ----

    @Test
    void theWebhookIsSignedCarriesTheUsersHeadersAndTheResult() throws Exception {
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> 200));
        ObjectNode hook = webhook(receiver);
        ((ObjectNode) hook.get("headers")).put("Authorization", "Bearer abc").put("X-Trace", "t-1");
        String id = post(api, TOKEN, body(flow, records(Color.RED), hook)).bodyJson().path("id").asText();
        awaitValue(() -> receiver.received().size(), n -> n == 1);

        WebhookReceiver.Received got = receiver.received().get(0);
        assertThat(Webhook.verify(SECRET, got.header(Webhook.TIMESTAMP_HEADER), got.body(),
                got.header(Webhook.SIGNATURE_HEADER))).isTrue();
        assertThat(Webhook.verify("wrong", got.header(Webhook.TIMESTAMP_HEADER), got.body(),
                got.header(Webhook.SIGNATURE_HEADER))).isFalse();
        assertThat(got.header("Authorization")).isEqualTo("Bearer abc");
        assertThat(got.header("X-Trace")).isEqualTo("t-1");
        JsonNode body = Call.JSON.readTree(got.body());
        assertThat(body.path("id").asText()).isEqualTo(id);
        assertThat(body.path("type").asText()).isEqualTo("flows");
        assertThat(body.path("status").asText()).isEqualTo("DONE");
        assertThat(body.path("response")).isEqualTo(get(api, TOKEN, "/account/v2/request/" + id).bodyJson().path("response"));
    }

    @Test
    void aWebhookAnswered500TwiceIsDeliveredOnTheThirdAttempt() throws Exception {
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> n <= 2 ? 500 : 200));
        String id = post(api, TOKEN, body(flow, records(Color.RED), webhook(receiver))).bodyJson().path("id").asText();
        awaitValue(() -> receiver.received().size(), n -> n == 3);
        assertThat(status(api, id)).isEqualTo("DONE");
    }

    @Test
    void aWebhookThatAlwaysFailsIsGivenUpAndTheRequestKeepsItsResult() throws Exception {
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> 500));
        String id = post(api, TOKEN, body(flow, records(Color.RED), webhook(receiver))).bodyJson().path("id").asText();
        awaitValue(() -> receiver.received().size(), n -> n == 4); // maxAttempts of this test's Api
        JsonNode r = get(api, TOKEN, "/account/v2/request/" + id).bodyJson();
        assertThat(r.path("status").asText()).isEqualTo("DONE");
        assertThat(r.path("response").path("records").get(0).path("colour").path("best_label").path("name").asText())
                .isEqualTo("red");
        assertThat(r.has("error")).isFalse();
    }

    @Test
    void aSlowWebhookReceiverTimesOutAndIsTriedAgain() throws Exception {
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> n == 1 ? -5_000 : 200));
        post(api, TOKEN, body(flow, records(Color.RED), webhook(receiver)));
        awaitValue(() -> receiver.received().size(), n -> n == 2);
    }

    @Test
    void aRequestThatEndsInErrorIsAnnouncedToo() throws Exception {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> 200));
        post(api, TOKEN, body(flow, records(Color.RED), webhook(receiver)));
        stores.tasks().delete(ACME, "colour");
        queue.deliverAll();
        awaitValue(() -> receiver.received().size(), n -> n == 1);
        JsonNode body = Call.JSON.readTree(receiver.received().get(0).body());
        assertThat(body.path("status").asText()).isEqualTo("ERROR");
        assertThat(body.path("response").path("status").path("code").asInt()).isEqualTo(409);
    }

    // ---- tenancy, listing, validation ----

    @Test
    void anotherAccountsRequestIsNotFound() {
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        awaitDone(api, id);
        for (String path : List.of("/account/v2/request/" + id, "/account/v2/request/" + id + "/status")) {
            ApiResponse r = get(api, OTHER_TOKEN, path);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyText()).doesNotContain("DONE");
            assertThat(get(api, TOKEN, path).status()).isEqualTo(200);
        }
        assertThat(get(api, OTHER_TOKEN, "/account/v2/request/").bodyJson().path("count").asInt()).isZero();
        assertThat(get(api, TOKEN, "/account/v2/request/missing").status()).isEqualTo(404);
        // nor can another account run this account's flow asynchronously
        assertThat(post(api, OTHER_TOKEN, body(flow, records(Color.RED), null)).status()).isEqualTo(404);
        assertThat(get(api, null, "/account/v2/request/" + id).status()).isEqualTo(401);
    }

    @Test
    void listsArePaginatedAndFilteredByTypeAndStatus() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText());
        }
        queue.deliverRun(ids.get(0)); // the first request runs; the others wait

        JsonNode page1 = get(api, TOKEN, "/account/v2/request/?page_size=2&status=created").bodyJson();
        assertThat(page1.path("count").asInt()).isEqualTo(2);
        assertThat(page1.path("results")).hasSize(2);
        assertThat(page1.path("next").isNull()).isTrue();
        JsonNode all = get(api, TOKEN, "/account/v2/request?page_size=2&type=flows").bodyJson();
        assertThat(all.path("count").asInt()).isEqualTo(3);
        assertThat(all.path("next").asText()).contains("page=2").contains("type=flows");
        assertThat(all.path("results").get(0).has("response")).isFalse();
        JsonNode done = get(api, TOKEN, "/account/v2/request/?status=DONE").bodyJson();
        assertThat(done.path("results")).hasSize(1);
        assertThat(done.path("results").get(0).path("id").asText()).isEqualTo(ids.get(0));
        assertThat(get(api, TOKEN, "/account/v2/request/?type=other").bodyJson().path("count").asInt()).isZero();

        ApiResponse bad = get(api, TOKEN, "/account/v2/request/?status=FINISHED");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.bodyJson().path("status").path("errors").get(0).path("path").asText()).isEqualTo("status");
        assertThat(get(api, TOKEN, "/account/v2/request/?page=9").status()).isEqualTo(404);
    }

    @Test
    void badInputIsRefusedWithItsPathAndNothingIsStored() {
        Api api = api(stores, new ManualSteps(), c -> c.maxAsyncRecords = 3);
        String red = records(Color.RED).get(0).toString();
        String f = "\"flow\": \"" + flow + "\"";
        assertRefused(api, "{\"type\": \"flows\", \"flow\": \"nope\", \"records\": [" + red + "]}", 404, null);
        assertRefused(api, "{\"type\": \"images\", " + f + ", \"records\": [" + red + "]}", 400, "type");
        assertRefused(api, "{\"records\": [" + red + "]}", 400, "flow");
        assertRefused(api, "{" + f + "}", 400, "records");
        assertRefused(api, "{" + f + ", \"records\": []}", 400, "records");
        assertRefused(api, "{" + f + ", \"records\": [" + red + "," + red + "," + red + "," + red + "]}", 400, "records");
        assertRefused(api, "{" + f + ", \"records\": [" + red + ", {\"_id\": \"x\"}]}", 400, "records[1]");
        assertRefused(api, "{" + f + ", \"records\": [" + red + ", 7]}", 400, "records[1]");
        assertRefused(api, "{" + f + ", \"records\": [{\"_base64\": \"bm90IGFuIGltYWdl\"}]}", 400, "records[0]._base64");
        assertRefused(api, "{" + f + ", \"records\": [{\"_base64\": \"%%%\"}]}", 400, "records[0]._base64");
        assertRefused(api, "{" + f + ", \"records\": [{\"_url\": \"file:///etc/passwd\"}]}", 400, "records[0]._url");
        assertRefused(api, "{" + f + ", \"records\": [{\"_blob\": \"other/image/" + "a".repeat(64)
                + "\", \"_url\": \"http://example.com/a.jpg\"}]}", 400, "records[0]._blob");
        String ok = f + ", \"records\": [" + red + "]";
        assertRefused(api, "{" + ok + ", \"webhook\": \"http://example.com\"}", 400, "webhook");
        assertRefused(api, "{" + ok + ", \"webhook\": {}}", 400, "webhook.endpoint");
        assertRefused(api, "{" + ok + ", \"webhook\": {\"endpoint\": \"ftp://example.com/x\"}}", 400, "webhook.endpoint");
        assertRefused(api, "{" + ok + ", \"webhook\": {\"endpoint\": \"http://exa mple.com/\"}}", 400, "webhook.endpoint");
        String hook = ", \"webhook\": {\"endpoint\": \"http://example.com/\", \"headers\": ";
        assertRefused(api, "{" + ok + hook + "[]}}", 400, "webhook.headers");
        assertRefused(api, "{" + ok + hook + "{\"X-Visionflow-Signature\": \"forged\"}}}", 400,
                "webhook.headers.X-Visionflow-Signature");
        assertRefused(api, "{" + ok + hook + "{\"Host\": \"evil\"}}}", 400, "webhook.headers.Host");
        assertRefused(api, "{" + ok + hook + "{\"X-A\": \"a\\r\\nX-B: b\"}}}", 400, "webhook.headers.X-A");
        assertRefused(api, "{" + ok + hook + "{\"X-A\": 5}}}", 400, "webhook.headers.X-A");
        assertRefused(api, "[1]", 400, "");

        stores.flows().setValidity(ACME, flow, false, "task \"colour\" was deleted");
        assertRefused(api, "{" + ok + "}", 409, null);

        assertThat(stores.requests().list(ACME, null, null, 0, 10).total()).isZero();
        assertThat(modelCalls.get()).isZero();
    }

    @Test
    void anAccountWithoutAWebhookSecretCannotAskForAWebhook() throws Exception {
        stores.tasks().create(OTHER, new Task("colour", "colour", TaskKind.CLASSIFICATION, labels(), null));
        String otherFlow = createFlow(api, OTHER_TOKEN);
        WebhookReceiver receiver = closing(new WebhookReceiver(n -> 200));
        ApiResponse r = post(api, OTHER_TOKEN, body(otherFlow, records(Color.RED), webhook(receiver)));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.bodyJson().path("detail").asText()).contains("webhook secret");
        assertThat(post(api, OTHER_TOKEN, body(otherFlow, records(Color.RED), null)).status()).isEqualTo(201);
    }

    @Test
    void imagesAreStoredAsBlobsOfTheAccount() {
        ManualSteps queue = new ManualSteps();
        Api api = api(stores, queue, c -> { });
        String id = post(api, TOKEN, body(flow, records(Color.RED), null)).bodyJson().path("id").asText();
        AsyncRequest stored = stores.requests().get(ACME, id).orElseThrow();
        JsonNode record = stored.payload().path("records").get(0);
        assertThat(record.has("_base64")).isFalse();
        assertThat(record.path("_blob").asText()).startsWith(ACME + "/image/");
        assertThat(stores.blobs().get(record.path("_blob").asText())).isPresent();
        assertThat(stored.payload().path("flow_version").asInt()).isEqualTo(1);
    }

    // ---- helpers ----

    private void assertRefused(Api api, String body, int status, String path) {
        ApiResponse r = api.handle(ApiRequest.json("POST", "/account/v2/request/", TOKEN, body));
        assertThat(r.status()).as(body + " -> " + r.bodyText()).isEqualTo(status);
        JsonNode json = r.bodyJson();
        assertThat(json.path("status").path("code").asInt()).isEqualTo(status);
        assertThat(r.bodyText()).doesNotContain("Exception").doesNotContain("at io.visionflow");
        if (path != null) {
            assertThat(json.path("status").path("errors").get(0).path("path").asText()).as(r.bodyText()).isEqualTo(path);
        }
    }

    private Api api(Stores stores, StepQueue.Maker steps, Consumer<Api.Config> more) {
        Api api = Api.create(c -> {
            c.stores = stores;
            c.runners = runners();
            c.stepQueue = steps;
            c.outbound = OutboundPolicy.allowingPrivate(); // the webhook receivers run on loopback
            c.webhooks = WebhookSender.Options.defaults()
                    .withAttempts(4, Duration.ofMillis(5), Duration.ofMillis(50))
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500));
            more.accept(c);
        });
        apis.add(api);
        return api;
    }

    private static List<Label> labels() {
        return List.of(new Label("l-red", "red"), new Label("l-green", "green"), new Label("l-blue", "blue"));
    }

    /** A classifier over mean colour: red, green or blue by the strongest channel. */
    private TaskRunners runners() {
        return task -> new TaskRunner() {
            @Override
            public Classification classify(BufferedImage image) {
                CountDownLatch g = gate;
                if (g != null) {
                    try {
                        g.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                modelCalls.incrementAndGet();
                long[] sum = new long[3];
                for (int y = 0; y < image.getHeight(); y++) {
                    for (int x = 0; x < image.getWidth(); x++) {
                        int rgb = image.getRGB(x, y);
                        sum[0] += (rgb >> 16) & 0xff;
                        sum[1] += (rgb >> 8) & 0xff;
                        sum[2] += rgb & 0xff;
                    }
                }
                double total = Math.max(1, sum[0] + sum[1] + sum[2]);
                List<LabelProb> out = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Label l = task.labels().get(i);
                    out.add(new LabelProb(l.id(), l.name(), sum[i] / total));
                }
                return new Classification(out);
            }
        };
    }

    private static String createFlow(Api api, String token) {
        String def = """
                {"name": "colours", "top_node": {"type": "recognition", "id": "c", "task": "colour", "output_field": "colour"}}""";
        ApiResponse r = api.handle(ApiRequest.json("POST", "/flows/v2/flow/", token, def));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
        return r.bodyJson().path("id").asText();
    }

    private static ApiResponse post(Api api, String token, ObjectNode body) {
        return api.handle(ApiRequest.json("POST", "/account/v2/request/", token, body.toString()));
    }

    private static ApiResponse get(Api api, String token, String path) {
        return api.handle(ApiRequest.json("GET", path, token, null));
    }

    private static String status(Api api, String id) {
        return get(api, TOKEN, "/account/v2/request/" + id + "/status").bodyJson().path("status").asText();
    }

    private static JsonNode awaitDone(Api api, String id) {
        return awaitValue(() -> get(api, TOKEN, "/account/v2/request/" + id).bodyJson(),
                j -> j.path("status").asText().equals("DONE") || j.path("status").asText().equals("ERROR"));
    }

    /** Polls until {@code done} holds; a generous timeout, since a loaded machine may be slow. */
    private static <T> T awaitValue(Supplier<T> value, Predicate<T> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        T last = value.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                fail("still not there after 60 s; last value: " + last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            last = value.get();
        }
        return last;
    }

    private long credits(String account) {
        LocalDate today = LocalDate.now();
        return stores.usage().usage(account, today.minusDays(1), today.plusDays(1)).stream()
                .mapToLong(UsageRow::credits).sum();
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private static ObjectNode body(String flow, List<ObjectNode> records, ObjectNode webhook) {
        ObjectNode b = Call.JSON.createObjectNode().put("type", "flows").put("flow", flow);
        b.putArray("records").addAll(records);
        if (webhook != null) {
            b.set("webhook", webhook);
        }
        return b;
    }

    private static ObjectNode webhook(WebhookReceiver receiver) {
        ObjectNode w = Call.JSON.createObjectNode().put("endpoint", receiver.uri().toString());
        w.putObject("headers");
        return w;
    }

    private static List<ObjectNode> records(Color... colours) {
        List<ObjectNode> out = new ArrayList<>();
        for (Color c : colours) {
            out.add(Call.JSON.createObjectNode().put("_base64", png(c)));
        }
        return out;
    }

    private static String png(Color colour) {
        BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 24, 16);
        g.dispose();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Step messages the test delivers by hand: when, and how often. A delivery that throws goes back
     * to the end of the queue, as an SQS message comes back after its visibility timeout.
     */
    private static final class ManualSteps implements StepQueue.Maker, StepQueue {
        final List<byte[]> sent = new CopyOnWriteArrayList<>();
        final Deque<byte[]> waiting = new ConcurrentLinkedDeque<>();
        volatile Consumer<byte[]> handler;

        @Override
        public StepQueue make(Consumer<byte[]> handler, BiConsumer<byte[], String> deadLetter) {
            this.handler = handler;
            return this;
        }

        @Override
        public void send(byte[] message) {
            sent.add(message);
            waiting.add(message);
        }

        /** Delivers until nothing waits; returns how many deliveries threw. */
        int deliverAll() {
            return deliverAll(1);
        }

        /** Delivers each message {@code times} times in a row until nothing waits; returns how many deliveries threw. */
        int deliverAll(int times) {
            int failed = 0;
            for (byte[] m = waiting.poll(); m != null; m = waiting.poll()) {
                for (int i = 0; i < times; i++) {
                    try {
                        handler.accept(m);
                    } catch (RuntimeException e) {
                        failed++;
                        waiting.add(m);
                        break;
                    }
                }
                if (failed > 100) {
                    throw new AssertionError("a message keeps failing");
                }
            }
            return failed;
        }

        private static String runOf(byte[] message) {
            try {
                return Call.JSON.readTree(message).path("run").asText();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void deliverFirst() {
            handler.accept(waiting.poll());
        }

        /** Delivers the messages of one run (its id is the request's) until it has none waiting. */
        void deliverRun(String id) {
            for (boolean found = true; found; ) {
                found = false;
                for (byte[] m : waiting) {
                    if (runOf(m).equals(id) && waiting.remove(m)) {
                        handler.accept(m);
                        found = true;
                    }
                }
            }
        }
    }

    /** The memory store, counting results written, and able to fail one write as a killed worker would. */
    private static final class CountingRequests implements RequestStore {
        final MemoryRequestStore delegate = new MemoryRequestStore();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicBoolean failNextFinish = new AtomicBoolean();

        @Override
        public AsyncRequest create(AsyncRequest request) {
            return delegate.create(request);
        }

        @Override
        public Optional<AsyncRequest> get(String account, String id) {
            return delegate.get(account, id);
        }

        @Override
        public boolean transition(String account, String id, RequestStatus from, RequestStatus to, ObjectNode response,
                                  String error) {
            boolean finishing = to == RequestStatus.DONE || to == RequestStatus.ERROR;
            if (finishing && failNextFinish.compareAndSet(true, false)) {
                throw new IllegalStateException("killed before the result was written");
            }
            boolean won = delegate.transition(account, id, from, to, response, error);
            if (won && finishing) {
                finished.incrementAndGet();
            }
            return won;
        }

        @Override
        public Page<AsyncRequest> list(String account, String type, RequestStatus status, int offset, int limit) {
            return delegate.list(account, type, status, offset, limit);
        }
    }

    /** A blob store whose reads fail: a fault of the host, not of the request. */
    private record FailingBlobs(BlobStore delegate) implements BlobStore {
        @Override
        public String put(String account, String kind, byte[] bytes) {
            return delegate.put(account, kind, bytes);
        }

        @Override
        public Optional<byte[]> get(String key) {
            throw new IllegalStateException("blob store is down");
        }

        @Override
        public Path localFile(String key) throws IOException {
            return delegate.localFile(key);
        }

        @Override
        public boolean delete(String key) {
            return delegate.delete(key);
        }
    }
}
