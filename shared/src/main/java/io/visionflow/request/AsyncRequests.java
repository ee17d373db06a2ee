package io.visionflow.request;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Envelope;
import io.visionflow.async.AsyncState;
import io.visionflow.async.AsyncSteps;
import io.visionflow.async.RunHost;
import io.visionflow.async.RunSpec;
import io.visionflow.async.StepQueue;
import io.visionflow.engine.Engine;
import io.visionflow.engine.FlowException;
import io.visionflow.engine.RunResult;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepFailure;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.FlowJson;
import io.visionflow.flow.FlowParser;
import io.visionflow.flow.Problem;
import io.visionflow.service.ImageOutput;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.BlobModelSource;
import io.visionflow.store.Page;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.StoredFlow;
import io.visionflow.store.Stores;
import io.visionflow.task.TaskCatalog;
import io.visionflow.webhook.WebhookMessage;
import io.visionflow.webhook.WebhookQueue;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Async flow requests: accepted and stored {@code CREATED}, run as async steps (DESIGN section 4:
 * the run stored in the {@link AsyncState}, each record a chain of step messages that any process
 * sharing the stores and the state may handle), {@code PROCESSING} once a record starts, finished
 * {@code DONE} with the sync endpoint's envelope (or {@code ERROR} when no record could be
 * processed), then announced by webhook.
 *
 * <h2>Guarantees</h2>
 * Messages are delivered at least once: twice, late, or again after a crash. Every step's outcome
 * is stored first-wins and every count is a set addition (see {@link AsyncSteps}), so a repeated
 * message charges, counts and writes nothing twice. At the end:
 * <ul>
 *   <li><b>credits</b>: charged with the request id as charge id, so a repeated end is counted
 *       once: exactly once per request;</li>
 *   <li><b>result</b>: {@code PROCESSING → DONE|ERROR} is conditional, so the response is written
 *       once and the request never changes after it is finished. Credits are charged before the
 *       result is written: a crash in between leaves a request that the redelivered message
 *       finishes without charging again, whereas the other order could leave a finished request
 *       never billed;</li>
 *   <li><b>webhook</b>: sent only by the process that won the final transition, so one delivery
 *       sequence per request; receivers deduplicate on {@code id}.</li>
 * </ul>
 * A request is never stuck in {@code PROCESSING}: a message that keeps failing goes to the dead
 * letters and ends its record with an error; a process that died with its in-process queue
 * leaves requests {@code CREATED} or {@code PROCESSING} that {@link #recover} starts again at the
 * next start-up, walking what is stored without calling a model twice.
 */
public final class AsyncRequests implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AsyncRequests.class.getName());
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = Mappers.create();
    public static final String TYPE_FLOWS = "flows";
    public static final String IMAGE_KIND = "image";
    static final String BLOB_FIELD = "_blob";
    private static final String BASE64_FIELD = "_base64";

    /**
     * @param workers       messages handled at the same time on the in-process queue (whole
     *                      requests, or steps when requests run as steps)
     * @param queueCapacity messages waiting before new requests are refused
     * @param maxDeliveries deliveries of a message whose worker fails before the request ends ERROR
     * @param redeliveryDelay wait before delivering a failed message again
     */
    public record Options(int workers, int queueCapacity, int maxDeliveries, Duration redeliveryDelay) {
        public Options {
            if (workers < 1 || queueCapacity < 1 || maxDeliveries < 1 || redeliveryDelay.isNegative()) {
                throw new IllegalArgumentException("async request options must be at least 1, the delay not negative");
            }
        }

        /** 8 workers, 10,000 messages waiting, 3 deliveries 5 s apart. */
        public static Options defaults() {
            return new Options(8, 10_000, 3, Duration.ofSeconds(5));
        }

        public Options withWorkers(int workers, int queueCapacity) {
            return new Options(workers, queueCapacity, maxDeliveries, redeliveryDelay);
        }

        public Options withDeliveries(int maxDeliveries, Duration redeliveryDelay) {
            return new Options(workers, queueCapacity, maxDeliveries, redeliveryDelay);
        }
    }

    /** Where to announce the end of a request, and the user's extra headers. */
    public record WebhookTarget(URI endpoint, Map<String, String> headers) {
        public WebhookTarget {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }
    }

    /**
     * A request that passed validation.
     *
     * @param flowVersions the flow and every flow it nests, at the versions it will run with
     * @param records      the records as sent; {@code _base64} is replaced by the blob of
     *                     {@code images.get(i)} (null for records without one)
     */
    public record Submission(String flowId, Map<String, Integer> flowVersions, List<ObjectNode> records,
                             List<byte[]> images, WebhookTarget webhook) {
        public Submission {
            if (records.size() != images.size()) {
                throw new IllegalArgumentException("one image slot per record");
            }
            flowVersions = Map.copyOf(flowVersions);
        }
    }

    private final Stores stores;
    private final Engine engine;
    private final WebhookQueue webhooks;
    private final Clock clock;
    private final AsyncSteps steps;
    /** Runs this process saw start, so {@code CREATED → PROCESSING} is written once per process, not per record. */
    private final Set<String> processing = ConcurrentHashMap.newKeySet();

    /**
     * Requests whose records travel as step messages on the queue {@code queues} makes, handled
     * here or by any process that shares {@code state} and the stores ({@link #host}).
     */
    public AsyncRequests(Stores stores, Engine engine, WebhookQueue webhooks, AsyncState state,
                         StepQueue.Maker queues, Clock clock) {
        this(stores, engine, webhooks, state, queues, Set.of(), clock);
    }

    /** As above, in a process that runs the steps of {@code handledHere} kinds itself (see {@link AsyncSteps}). */
    public AsyncRequests(Stores stores, Engine engine, WebhookQueue webhooks, AsyncState state,
                         StepQueue.Maker queues, Set<String> handledHere, Clock clock) {
        this.stores = stores;
        this.engine = engine;
        this.webhooks = webhooks;
        this.clock = clock;
        this.steps = new AsyncSteps(state, engine.executor(), host(), queues, handledHere);
    }

    // ---- accepting ----

    /** The versions of a flow and of every flow it nests, as they are now: what a request is pinned to. */
    public Map<String, Integer> pin(String account, StoredFlow top) {
        Map<String, Integer> pins = new LinkedHashMap<>();
        pins.put(top.id(), top.version());
        List<JsonNode> todo = new ArrayList<>(List.of(top.definition()));
        while (!todo.isEmpty()) {
            for (String nested : FlowJson.nestedFlows(todo.remove(todo.size() - 1))) {
                if (!pins.containsKey(nested)) {
                    stores.flows().get(account, nested).ifPresent(f -> {
                        pins.put(nested, f.version());
                        todo.add(f.definition());
                    });
                }
            }
        }
        return pins;
    }

    /**
     * The pinned definitions, checked against the account's tasks as they are now.
     *
     * @throws FlowException 404 when a pinned version was deleted, 409 when the flow is no longer valid
     */
    public Map<String, FlowDefinition> snapshot(String account, String flowId, Map<String, Integer> pins)
            throws FlowException {
        Map<String, FlowDefinition> snapshot = new HashMap<>();
        for (Map.Entry<String, Integer> pin : pins.entrySet()) {
            StoredFlow f = stores.flows().version(account, pin.getKey(), pin.getValue()).orElseThrow(() ->
                    new FlowException(404, "flow \"" + pin.getKey() + "\" (version " + pin.getValue()
                            + ") was deleted", List.of()));
            snapshot.put(f.id(), FlowParser.parse(f.definition()).definition());
        }
        List<Problem> problems = engine.validator(tasks(account), id -> Optional.ofNullable(snapshot.get(id)))
                .check(snapshot.get(flowId), flowId);
        if (!problems.isEmpty()) {
            throw new FlowException(409, "flow \"" + flowId + "\" is not valid: " + problems.get(0), problems);
        }
        return snapshot;
    }

    /**
     * Stores the images and the request ({@code CREATED}) and enqueues it.
     *
     * @throws QueueFullException when the queue is full; the request is then stored ERROR
     */
    public AsyncRequest submit(String account, Submission s) {
        String id = UUID.randomUUID().toString();
        ArrayNode records = F.arrayNode();
        for (int i = 0; i < s.records().size(); i++) {
            ObjectNode out = F.objectNode();
            byte[] image = s.images().get(i);
            for (Map.Entry<String, JsonNode> e : s.records().get(i).properties()) {
                switch (e.getKey()) {
                    // in place of the image, so the record keeps its field order
                    case BASE64_FIELD -> {
                        if (image != null) {
                            out.put(BLOB_FIELD, stores.blobs().put(account, IMAGE_KIND, image));
                        }
                    }
                    case "_file" -> { } // a path on the client's disk; never echoed
                    default -> out.set(e.getKey(), e.getValue());
                }
            }
            records.add(out);
        }
        ObjectNode payload = F.objectNode();
        payload.put("flow", s.flowId());
        payload.put("flow_version", s.flowVersions().get(s.flowId()));
        ObjectNode versions = payload.putObject("flows");
        s.flowVersions().forEach(versions::put);
        payload.set("records", records);
        if (s.webhook() != null) {
            ObjectNode w = payload.putObject("webhook");
            w.put("endpoint", s.webhook().endpoint().toString());
            ObjectNode h = w.putObject("headers");
            s.webhook().headers().forEach(h::put);
        }
        Instant now = clock.instant();
        AsyncRequest request = stores.requests().create(new AsyncRequest(id, account, TYPE_FLOWS,
                RequestStatus.CREATED, payload, null, null, now, now));
        try {
            begin(request);
        } catch (QueueFullException e) {
            stores.requests().transition(account, id, RequestStatus.CREATED, RequestStatus.ERROR,
                    Envelope.error(503, e.getMessage(), id, List.of()), "not queued: " + e.getMessage());
            throw e;
        }
        return request;
    }

    /**
     * Re-enqueues the requests of these accounts that a previous process left {@code CREATED} or
     * {@code PROCESSING}. Call it at start-up before serving: any {@code PROCESSING} request found
     * then has no live worker. (Were one running, the resumed run would still charge once and write
     * once, see the class comment; it would only repeat the model calls.)
     *
     * @return how many requests were re-enqueued
     */
    public int recover(Collection<String> accounts) {
        List<AsyncRequest> found = new ArrayList<>();
        for (String account : accounts) {
            for (RequestStatus status : List.of(RequestStatus.CREATED, RequestStatus.PROCESSING)) {
                // collect first: the workers change statuses, which would shift the pages under us
                for (int offset = 0; ; ) {
                    Page<AsyncRequest> page = stores.requests().list(account, null, status, offset, 100);
                    found.addAll(page.items());
                    offset += page.items().size();
                    if (page.items().isEmpty() || offset >= page.total()) {
                        break;
                    }
                }
            }
        }
        // a run's stored steps are walked again: what ran is not run, or charged, again
        found.forEach(this::begin);
        if (!found.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "re-enqueued " + found.size() + " unfinished async request(s)");
        }
        return found.size();
    }

    // ---- running as steps ----

    /**
     * Stores the run of a request and sends its records' start messages; again for a request a
     * process left unfinished, whose stored run is then continued. A queue that refuses the
     * messages is a {@link QueueFullException}.
     */
    private void begin(AsyncRequest request) {
        ObjectNode payload = request.payload();
        String flowId = payload.path("flow").asText();
        Map<String, JsonNode> definitions = new LinkedHashMap<>();
        payload.path("flows").properties().forEach(pin -> stores.flows()
                .version(request.account(), pin.getKey(), pin.getValue().asInt())
                .ifPresent(f -> definitions.put(f.id(), f.definition())));
        List<ObjectNode> records = new ArrayList<>();
        payload.path("records").forEach(r -> records.add((ObjectNode) r));
        RunSpec spec = new RunSpec(request.account(), request.id(), flowId, definitions, records.size(), null);
        try {
            steps.start(request.id(), spec, records);
        } catch (StepQueue.Full e) {
            throw new QueueFullException(e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request " + request.id() + " could not be queued", e);
            throw new QueueFullException("the request could not be queued");
        }
    }

    /**
     * Handles one delivery of a step message (a queue consumer's call); throws when it should be
     * delivered again. Only when requests run as steps.
     */
    public void handle(byte[] message) {
        steps.handle(message);
    }

    /** A step message that failed on every delivery: its record ends with {@code reason}. */
    public void deadLetter(byte[] message, String reason) {
        steps.deadLetter(message, reason);
    }

    /**
     * How any process that shares the stores and the async state continues the runs of requests:
     * their contexts as the engine makes them, their images from the account's blobs, and the end
     * written, charged and announced once.
     */
    public RunHost host() {
        return new RunHost() {
            @Override
            public StepContext context(String run, RunSpec spec) {
                Map<String, Optional<FlowDefinition>> parsed = new ConcurrentHashMap<>();
                return engine.context(spec.account(), tasks(spec.account()),
                        id -> parsed.computeIfAbsent(id, spec::definition), ImageOutput.INLINE,
                        new BlobModelSource(stores.blobs(), spec.account()));
            }

            @Override
            public BufferedImage load(RunSpec spec, ObjectNode record) throws StepFailure {
                try {
                    return engine.loader().load(hydrate(spec.account(), record, -1));
                } catch (FlowException e) {
                    throw new StepFailure(e.status(), e.getMessage(), e);
                }
            }

            @Override
            public void started(String run, RunSpec spec) {
                if (processing.size() > 10_000) {
                    // a memo, not a record: in a function whose runs end elsewhere it would only grow
                    processing.clear();
                }
                if (spec.request() != null && processing.add(run)) {
                    stores.requests().transition(spec.account(), spec.request(), RequestStatus.CREATED,
                            RequestStatus.PROCESSING, null, null);
                }
            }

            @Override
            public void finished(String run, RunSpec spec, List<AsyncState.RecordEnd> ends) {
                processing.remove(run);
                AsyncRequest request = stores.requests().get(spec.account(), spec.request()).orElse(null);
                if (request == null || request.status() == RequestStatus.DONE || request.status() == RequestStatus.ERROR) {
                    return; // finished before (a repeated end), or failed when it was queued
                }
                RunResult result = AsyncSteps.result(ends, Duration.between(request.created(), clock.instant()));
                // charged before the result is written, as whole requests are (see the class comment)
                if (result.credits() > 0) {
                    stores.usage().charge(spec.account(), LocalDate.now(clock), spec.flow(), result.credits(), request.id());
                }
                // DONE with each record's own status, or ERROR when not one record could be processed
                JsonNode firstStatus = result.records().get(0).path("_status");
                boolean nothingRan = result.records().stream().noneMatch(r -> r.path("_status").path("code").asInt() == 200);
                String error = nothingRan ? "no record could be processed: " + firstStatus.path("text").asText() : null;
                ObjectNode response = nothingRan
                        ? Envelope.error(firstStatus.path("code").asInt(500), error, request.id(), List.of())
                        : Envelope.ok(result, request.id());
                RequestStatus to = nothingRan ? RequestStatus.ERROR : RequestStatus.DONE;
                for (RequestStatus from : List.of(RequestStatus.PROCESSING, RequestStatus.CREATED)) {
                    if (stores.requests().transition(spec.account(), request.id(), from, to, response, error)) {
                        AsyncRequests.this.notify(request, to, response);
                        return;
                    }
                }
            }
        };
    }

    /** The record as the engine reads it: the stored image back in {@code _base64}. */
    private ObjectNode hydrate(String account, ObjectNode stored, int index) throws FlowException {
        ObjectNode record = F.objectNode();
        for (Map.Entry<String, JsonNode> e : stored.properties()) {
            if (!e.getKey().equals(BLOB_FIELD)) {
                record.set(e.getKey(), e.getValue());
                continue;
            }
            String key = e.getValue().asText();
            // keys are written by submit only, but a store row is no proof of that
            byte[] bytes = key.startsWith(account + "/" + IMAGE_KIND + "/") ? stores.blobs().get(key).orElse(null) : null;
            if (bytes == null) {
                throw new FlowException(500, "the image of " + (index >= 0 ? "records[" + index + "]" : "the record")
                        + " is missing from storage", List.of());
            }
            record.put(BASE64_FIELD, Base64.getEncoder().encodeToString(bytes));
        }
        return record;
    }

    private void notify(AsyncRequest request, RequestStatus status, ObjectNode response) {
        JsonNode webhook = request.payload().get("webhook");
        if (webhook == null || !webhook.isObject()) {
            return;
        }
        ObjectNode body = F.objectNode();
        body.put("id", request.id());
        body.put("type", request.type());
        body.put("status", status.name());
        body.set("response", response);
        Map<String, String> headers = new LinkedHashMap<>();
        webhook.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        try {
            // signed at each attempt with the account's secret as it is then: the message carries none
            webhooks.enqueue(new WebhookMessage(request.account(), request.id(),
                    URI.create(webhook.path("endpoint").asText()), headers, JSON.writeValueAsBytes(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        } catch (RuntimeException e) {
            // the result is written; a webhook that cannot be queued is lost, never the result
            LOG.log(System.Logger.Level.ERROR, "request " + request.id() + ": the webhook could not be queued", e);
        }
    }

    private TaskCatalog tasks(String account) {
        return stores.tasks().catalog(account);
    }


    /** Stops the workers; requests they leave unfinished are found by {@link #recover} at the next start. */
    @Override
    public void close() {
        steps.close();
    }

    /** The queue takes no new requests now; try later. */
    public static final class QueueFullException extends RuntimeException {
        public QueueFullException(String message) {
            super(message);
        }
    }
}
