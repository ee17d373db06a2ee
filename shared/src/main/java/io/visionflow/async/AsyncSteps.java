package io.visionflow.async;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.Charge;
import io.visionflow.engine.ChildStep;
import io.visionflow.engine.RecordRoot;
import io.visionflow.engine.RetryingExecutor;
import io.visionflow.engine.RunResult;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepExecutor;
import io.visionflow.engine.StepFailure;
import io.visionflow.engine.StepInput;
import io.visionflow.engine.StepOutcome;
import io.visionflow.engine.Steps;
import io.visionflow.flow.Action;
import io.visionflow.flow.FlowDefinition;
import io.visionflow.flow.ListAction;
import io.visionflow.telemetry.RequestContext;
import io.visionflow.worker.StepCodec;
import io.visionflow.worker.WorkerKind;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rules of an async run, one message at a time. A message names one step of one record:
 * <pre>{"run", "record", "key", "parent", "scope", "charges", "kind", "step": {the step as StepCodec writes it}}</pre>
 * or asks to start a record: {@code {"run", "record", "kind", "start": {the record as sent}}}; {@link #kind}
 * says which worker a message is for.
 * Keys are paths: the record's top node is {@code "2"}, its children {@code "2.0"}, {@code "2.1"}…,
 * so sorting keys by their numbers gives the order in which the in-process driver applies writes.
 *
 * <p>A run is stored before its first message ({@link RunSpec}, and each record's echo once it
 * has started), so whichever process handles a message can continue it: its {@link RunHost}
 * builds the run's context from the spec.
 *
 * <p>Handling a message: the step's outcome is read from the state or, the first time, executed
 * and stored (first wins: a duplicate that executed too keeps the stored outcome, and charges come
 * only from stored outcomes). A failed step ends its record with the failure. Children are sent (a
 * sequence's first one only, a parallel step's all in one batch); each carries the size and mode
 * of its parent's join. A step without children is complete: its parent counts it once, and the
 * child that makes the count whole completes the parent (for a sequence, each count sends the next
 * child); the top node's completion ends the record, with its answer assembled from the stored
 * outcomes. Every one of these effects may be repeated by a redelivery and changes nothing the
 * second time, so a worker that dies anywhere in between only causes a redelivery; handling a
 * stored step again re-sends its children, so a run whose messages were lost is continued by
 * starting it again ({@link #start(String, RunSpec, List)}: its spec is stored first-wins),
 * without calling a model twice.
 *
 * <p>Costs: a model or service step is a read and a write on the way down and a set addition on
 * the way up; a control step (a list, a nested flow) is a write, and is handled by the worker that
 * sent it rather than taking a queue round trip. Only the children of a sequence read their
 * parent: a child that completes a parallel join carries the joins above it. A worker in a process
 * that runs every kind of step keeps one of a step's children for itself.
 */
public final class AsyncSteps implements AutoCloseable {
    private static final ObjectMapper JSON = Mappers.create();
    private static final int CACHED_RUNS = 1024;
    /** The kind of messages for no worker: lists, nested flows, record starts ({@link #kind}). */
    public static final String CONTROL = "control";
    /** The kinds of step a worker function holds: every kind but control, which any process runs. */
    public static final Set<String> WORKER_KINDS = java.util.Arrays.stream(WorkerKind.values())
            .map(AsyncSteps::kind).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** A run as this process knows it: its spec, flow (when it starts records here), context and echoes. */
    private record Run(String id, RunSpec spec, FlowDefinition flow, StepContext context,
                       Map<Integer, ObjectNode> echoes, Set<Integer> ended) {
        Run(String id, RunSpec spec, FlowDefinition flow, StepContext context) {
            this(id, spec, flow, context, new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet());
        }
    }

    private final AsyncState state;
    private final StepQueue queue;
    private final StepExecutor executor;
    private final RunHost host;
    private final Set<String> handledHere;
    /** The messages the delivery in hand on this thread has kept for itself; null outside a delivery. */
    private final ThreadLocal<Deque<byte[]>> here = new ThreadLocal<>();
    /** The runs this process handled lately, so a run's context and echoes are built once. */
    private final Map<String, Run> runs = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Run> eldest) {
            return size() > CACHED_RUNS;
        }
    });

    /** Steps whose messages travel on the queue {@code queues} makes for them (closed by {@link #close}). */
    public AsyncSteps(AsyncState state, StepExecutor executor, RunHost host, StepQueue.Maker queues) {
        this(state, executor, host, queues, Set.of());
    }

    /**
     * As {@link #AsyncSteps(AsyncState, StepExecutor, RunHost, StepQueue.Maker)}, in a process that
     * can run the steps of {@code handledHere} kinds itself ({@code "model"}, {@code "service"}):
     * of a step's children, one such is handled by the worker that sends the others.
     */
    public AsyncSteps(AsyncState state, StepExecutor executor, RunHost host, StepQueue.Maker queues,
                      Set<String> handledHere) {
        this.handledHere = Set.copyOf(handledHere);
        this.state = state;
        this.host = host;
        // a step's retry and timeout_ms are honoured here exactly as by the in-process driver
        this.executor = RetryingExecutor.around(executor);
        this.queue = queues.make(this::handle, this::deadLetter);
    }

    @Override
    public void close() {
        if (queue instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the step queue", e);
            }
        }
    }

    /**
     * Starts a run whose records are loaded: stores it, then sends the top node of each record that
     * has a root; the others end now with their failure.
     */
    public void start(String id, RunSpec spec, FlowDefinition flow, List<ObjectNode> echoes,
                      List<Optional<RecordRoot>> roots, List<StepFailure> failures) {
        state.putRun(id, spec.toJson());
        Run run = new Run(id, spec, flow, host.context(id, spec));
        runs.put(id, run);
        List<byte[]> tops = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            ObjectNode echo = storeEcho(run, i, echoes.get(i));
            if (roots.get(i).isEmpty()) {
                endRecord(run, i, failures.get(i));
            } else {
                tops.add(top(run, i, echo, roots.get(i).get()));
            }
        }
        queue.sendAll(tops);
    }

    /**
     * Starts a run of a stored flow ({@code spec.flow()}) over records as sent: stores it and sends
     * one start message per record, so the records are loaded by the workers, in parallel. Starting
     * a run again (its messages were lost with a process) walks what is stored: no step runs twice,
     * and records that ended stay as they are.
     *
     * @throws StepQueue.Full when the queue takes no new runs now
     */
    public void start(String id, RunSpec spec, List<ObjectNode> records) {
        state.putRun(id, spec.toJson());
        queue.startAll(startMessages(id, records));
    }

    private static List<byte[]> startMessages(String id, List<ObjectNode> records) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ObjectNode m = JSON.createObjectNode();
            m.put("run", id).put("record", i).put("kind", CONTROL);
            m.set("start", records.get(i));
            out.add(bytes(m));
        }
        return out;
    }

    /** Forgets what this process cached of a run (it ended, or was given up at its deadline). */
    public void forget(String run) {
        runs.remove(run);
    }

    /**
     * Handles one delivery. Throws when the message should be delivered again (a fault of this
     * worker or of the state); a step's own failure is an outcome, never an exception.
     */
    public void handle(byte[] bytes) {
        Deque<byte[]> kept = here.get();
        if (kept != null) {
            kept.add(bytes); // handled by the loop below, in the delivery in hand
            return;
        }
        kept = new ArrayDeque<>();
        here.set(kept);
        try {
            // the delivery's own message, then the steps it hands on to this worker, in a loop rather
            // than a recursion: a sequence of many steps would otherwise deepen the stack with each
            for (byte[] next = bytes; next != null; next = kept.poll()) {
                JsonNode message = message(next);
                // log lines carry the run's id: an async request's id
                try (RequestContext.Scope scope = RequestContext.open(message.path("run").asText())) {
                    handle(next, message);
                } catch (RuntimeException e) {
                    if (next == bytes) {
                        throw e; // the delivery's own message: the queue delivers it again
                    }
                    // a step this delivery kept goes on the queue after all, to be delivered again
                    // on its own: its failures are its own, never its parent's
                    queue.send(next);
                }
            }
        } finally {
            // on a failure, what was left is derived again by the redelivery
            here.remove();
        }
    }

    private void handle(byte[] bytes, JsonNode message) {
        int record = message.path("record").asInt();
        Run run = run(message.path("run").asText()).orElse(null);
        if (run == null || run.ended().contains(record)) {
            return; // a run that is not stored (expired, or never started), or a record this process ended
        }
        if (message.has("start")) {
            startRecord(run, record, message.get("start"));
            return;
        }
        // a model or service step reads first: a call costs far more than a read, so a duplicate or a
        // redelivery reuses the stored outcome instead of calling again; a control step only names
        // its children, so it is worked out again and the first stored outcome still wins
        String key = message.path("key").asText();
        boolean control = CONTROL.equals(message.path("kind").asText(CONTROL));
        AsyncState.Step stored = control ? null : state.step(run.id(), key).orElse(null);
        StepInput input = null;
        if (stored == null) {
            byte[] outcome;
            try {
                input = StepCodec.readRequest(message.get("step")).input();
                outcome = execute(run, input);
            } catch (StepFailure f) {
                outcome = StepCodec.failure(f);
            }
            stored = state.putStep(run.id(), key, bytes, outcome);
        }
        // the step as parsed for executing it, when this delivery executed it
        proceed(run, message, input != null ? input : input(message), stored);
    }

    /** Loads a record's image and sends its top node; a record that cannot load ends with the reason. */
    private void startRecord(Run run, int record, JsonNode sent) {
        host.started(run.id(), run.spec());
        // no read of the record's end first: a start comes again only after a fault or at a
        // restart, when walking the stored steps again reaches the stored end and counts it
        if (!(sent instanceof ObjectNode fields)) {
            throw new IllegalArgumentException("a start message without its record");
        }
        FlowDefinition flow = run.flow();
        if (flow == null) {
            endRecord(run, record, new StepFailure(409, "flow \"" + run.spec().flow() + "\" is missing from the run"));
            return;
        }
        ObjectNode echo = RecordRoot.echo(fields);
        RecordRoot root;
        try {
            // a redelivery loads the image again: only a stored echo proves the record had started
            BufferedImage image = host.load(run.spec(), fields);
            echo.put("_width", image.getWidth());
            echo.put("_height", image.getHeight());
            root = RecordRoot.of(image, flow, run.context().images());
        } catch (StepFailure f) {
            storeEcho(run, record, echo);
            endRecord(run, record, f);
            return;
        }
        dispatch(List.of(top(run, record, storeEcho(run, record, echo), root)));
    }

    private byte[] top(Run run, int record, ObjectNode echo, RecordRoot root) {
        Action top = run.flow().topNode();
        ObjectNode snapshot = pick(echo, Steps.reads(top));
        byte[] step = StepCodec.request(new StepInput(top, snapshot, root.image(), root.frame(), root.original()), run.context());
        return message(run.id(), record, String.valueOf(record), null, JsonPointer.empty(), "", top, step);
    }

    /** Stores a record's echo (first wins) and keeps the stored one. */
    private ObjectNode storeEcho(Run run, int record, ObjectNode echo) {
        ObjectNode stored = (ObjectNode) tree(state.putRecord(run.id(), record, bytes(echo)));
        run.echoes().put(record, stored);
        return stored;
    }

    private ObjectNode echo(Run run, int record) {
        return run.echoes().computeIfAbsent(record, r -> (ObjectNode) tree(state.record(run.id(), r).orElseThrow(() ->
                new IllegalStateException("record " + r + " of run " + run.id() + " has no stored echo"))));
    }

    /** The run as this process knows it, or as its stored spec makes it. */
    private Optional<Run> run(String id) {
        Run cached = runs.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> stored = state.run(id);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        RunSpec spec = RunSpec.fromJson(stored.get());
        FlowDefinition flow = spec.flow() == null ? null : spec.definition(spec.flow()).orElse(null);
        StepContext context = host.context(id, spec);
        if (context == null) {
            return Optional.empty();
        }
        Run run = new Run(id, spec, flow, context);
        Run raced = runs.putIfAbsent(id, run);
        return Optional.of(raced != null ? raced : run);
    }

    /**
     * A message that could not be handled after every delivery: its record ends with the reason,
     * so the run is never stuck waiting for it.
     */
    public void deadLetter(byte[] bytes, String reason) {
        JsonNode message = message(bytes);
        run(message.path("run").asText()).ifPresent(run -> {
            int record = message.path("record").asInt();
            if (message.has("start") && state.record(run.id(), record).isEmpty()) {
                storeEcho(run, record, message.get("start") instanceof ObjectNode o ? RecordRoot.echo(o) : JSON.createObjectNode());
            }
            String what = message.has("start") ? "record " + record : "step " + message.path("key").asText();
            endRecord(run, record, new StepFailure(500, what + " could not run: " + reason));
        });
    }

    /** Ends what is left of a run's records with this failure (the run's deadline passed). */
    public void endRemaining(String runId, StepFailure failure) {
        run(runId).ifPresent(run -> {
            for (int i = 0; i < run.spec().records(); i++) {
                endRecord(run, i, failure);
            }
        });
    }

    private byte[] execute(Run run, StepInput input) {
        try {
            return StepCodec.outcome(executor.execute(input, run.context()), input.action());
        } catch (StepFailure f) {
            return StepCodec.failure(f);
        }
    }

    private void proceed(Run run, JsonNode message, StepInput input, AsyncState.Step stored) {
        int record = message.path("record").asInt();
        StepOutcome outcome;
        try {
            outcome = StepCodec.outcome(stored.outcome(), input.action());
        } catch (StepFailure f) {
            endRecord(run, record, f);
            return;
        }
        List<ChildStep> children = outcome.children();
        if (children.isEmpty()) {
            completed(run, message);
        } else if (outcome.childMode() == ListAction.Mode.SEQUENCE) {
            send(run, message, input, children, 0);
        } else {
            List<byte[]> all = new ArrayList<>();
            for (int i = 0; i < children.size(); i++) {
                all.add(child(run, message, input, children, i, ListAction.Mode.PARALLEL));
            }
            dispatch(all);
        }
    }

    /** The step of {@code message} and everything under it are done. */
    private void completed(Run run, JsonNode message) {
        int record = message.path("record").asInt();
        JsonNode parentKey = message.get("parent");
        if (parentKey == null || parentKey.isNull()) {
            endRecord(run, record, null);
            return;
        }
        int done = state.childDone(run.id(), parentKey.asText(), message.path("key").asText());
        JsonNode join = message.path("join");
        boolean parallel = join.path("mode").asText().equals("parallel");
        if (parallel && done < join.path("size").asInt(Integer.MAX_VALUE)) {
            return; // a sibling still runs; the one that completes the join continues the parent
        }
        if (parallel && message.get("above") instanceof ArrayNode above) {
            // the parent is complete, and where it stands is carried here: no need to read it
            completed(run, placeOf(message.path("run").asText(), record, parentKey.asText(), above));
            return;
        }
        AsyncState.Step parent = state.step(run.id(), parentKey.asText()).orElseThrow(() ->
                new IllegalStateException("step " + parentKey.asText() + " of run " + run.id() + " is not stored"));
        JsonNode parentMessage = tree(parent.message());
        StepInput parentInput = input(parentMessage);
        StepOutcome parentOutcome;
        try {
            parentOutcome = StepCodec.outcome(parent.outcome(), parentInput.action());
        } catch (StepFailure f) {
            throw new IllegalStateException("a failed step has no children", f);
        }
        List<ChildStep> siblings = parentOutcome.children();
        if (done >= siblings.size()) {
            completed(run, parentMessage);
        } else if (parentOutcome.childMode() == ListAction.Mode.SEQUENCE) {
            // each count sends the next one; a repeated count sends it again, which is harmless
            send(run, parentMessage, parentInput, siblings, done);
        }
    }

    /** A step's place as its completion needs it: its key, its parent's, its join and those above. */
    private static JsonNode placeOf(String run, int record, String key, ArrayNode above) {
        ObjectNode place = JSON.createObjectNode();
        place.put("run", run).put("record", record).put("key", key);
        int dot = key.lastIndexOf('.');
        if (dot < 0) {
            place.putNull("parent"); // the record's top node
        } else {
            place.put("parent", key.substring(0, dot));
            place.set("join", above.get(0));
            ArrayNode rest = place.putArray("above");
            for (int i = 1; i < above.size(); i++) {
                rest.add(above.get(i));
            }
        }
        return place;
    }

    private void send(Run run, JsonNode parent, StepInput parentInput, List<ChildStep> children, int index) {
        dispatch(List.of(child(run, parent, parentInput, children, index, ListAction.Mode.SEQUENCE)));
    }

    /**
     * Sends step messages, but handles control ones here: they only name their children, so a queue
     * round trip would cost far more than the step. Of the others, one whose kind this process can
     * run ({@code handledHere}) is kept too. The rest are sent first, so they start while the kept
     * ones are handled, after the step in hand, by the same delivery. A failure fails that
     * delivery, whose redelivery repeats this without effect.
     */
    private void dispatch(List<byte[]> messages) {
        List<byte[]> sent = new ArrayList<>();
        List<byte[]> here = new ArrayList<>();
        boolean kept = false;
        for (byte[] m : messages) {
            String kind = kind(m);
            if (CONTROL.equals(kind)) {
                here.add(m);
            } else if (!kept && handledHere.contains(kind)) {
                // this worker would only wait for the others: it takes one of them on itself
                here.add(m);
                kept = true;
            } else {
                sent.add(m);
            }
        }
        if (!sent.isEmpty()) {
            queue.sendAll(sent);
        }
        here.forEach(this::handle);
    }

    /** The message of a step's child. */
    private byte[] child(Run run, JsonNode parent, StepInput parentInput, List<ChildStep> children, int index,
                         ListAction.Mode mode) {
        ChildStep child = children.get(index);
        int record = parent.path("record").asInt();
        JsonPointer scope = JsonPointer.compile(parent.path("scope").asText()).append(child.scope());
        ObjectNode snapshot = JSON.createObjectNode();
        if (!Steps.reads(child.action()).isEmpty()) {
            // a sequence's later step may read what earlier ones wrote: the record as it stands
            JsonNode at = assemble(run, record, new ArrayList<>()).at(scope);
            snapshot = pick(at instanceof ObjectNode o ? o : JSON.createObjectNode(), Steps.reads(child.action()));
        }
        byte[] step = StepCodec.request(new StepInput(child.action(), snapshot, child.image(), child.frame(),
                parentInput.original()), run.context());
        String charges = Steps.chargePrefix(parent.path("charges").asText(), parentInput.action());
        ObjectNode m = (ObjectNode) tree(message(run.id(), record, parent.path("key").asText() + "." + index,
                parent.path("key").asText(), scope, charges, child.action(), step));
        // what the child's completion needs of its parent's join, so a parallel one reads no parent
        m.putObject("join").put("size", children.size()).put("mode", mode == ListAction.Mode.SEQUENCE ? "sequence" : "parallel");
        // the joins of its parent and of every step above, so completing a parallel join needs no read
        ArrayNode above = m.putArray("above");
        if (parent.has("join")) {
            above.add(parent.get("join"));
            parent.path("above").forEach(above::add);
        }
        return bytes(m);
    }

    /** Ends a record once: with its assembled answer, or with {@code failure} and what was done before it (first wins). */
    private void endRecord(Run run, int record, StepFailure failure) {
        // no read of an earlier end first: the end is stored first-wins and counted once, so a
        // repeated end only assembles again, and finishes a run whose last record's worker died
        // between ending the record and finishing the run
        List<Charge> charges = new ArrayList<>();
        ObjectNode answer = assemble(run, record, charges);
        ObjectNode status = answer.putObject("_status");
        if (failure == null) {
            status.put("code", 200).put("text", "OK");
        } else {
            status.put("code", failure.status()).put("text", failure.getMessage());
        }
        ObjectNode result = JSON.createObjectNode();
        result.set("record", answer);
        ArrayNode list = result.putArray("charges");
        charges.forEach(c -> list.addObject().put("action", c.actionId()).put("item", c.item()).put("credits", c.credits()));
        int count = state.endRecord(run.id(), record, new AsyncState.RecordEnd(bytes(result)));
        if (count >= run.spec().records()) {
            finish(run);
        }
        // only now: were finishing to fail, the redelivery must reach the end again
        run.ended().add(record);
    }

    private void finish(Run run) {
        List<AsyncState.RecordEnd> ends = state.recordEnds(run.id(), run.spec().records()).orElseThrow(() ->
                new IllegalStateException("run " + run.id() + " was counted whole, but a record's end is missing"));
        host.finished(run.id(), run.spec(), ends);
    }

    /** The records and credits of a run's ends, in record order. */
    public static RunResult result(List<AsyncState.RecordEnd> ends, Duration elapsed) {
        List<ObjectNode> records = new ArrayList<>();
        List<Charge> charges = new ArrayList<>();
        for (AsyncState.RecordEnd end : ends) {
            JsonNode result = tree(end.result());
            records.add((ObjectNode) result.get("record"));
            for (JsonNode c : result.path("charges")) {
                charges.add(new Charge(c.path("action").asText(), c.path("item").asText(), c.path("credits").asInt()));
            }
        }
        return new RunResult(records, charges, elapsed);
    }

    /** The record as its stored outcomes make it, in the order the in-process driver would apply them. */
    private ObjectNode assemble(Run run, int record, List<Charge> charges) {
        ObjectNode answer = echo(run, record).deepCopy();
        List<Map.Entry<String, AsyncState.Step>> steps = new ArrayList<>(state.steps(run.id(), record).entrySet());
        steps.sort(Map.Entry.comparingByKey(KEY_ORDER));
        for (Map.Entry<String, AsyncState.Step> e : steps) {
            JsonNode outcome = tree(e.getValue().outcome());
            if (outcome.has("failure")) {
                continue;
            }
            JsonNode message = tree(e.getValue().message());
            if (answer.at(message.path("scope").asText()) instanceof ObjectNode target
                    && outcome.get("writes") instanceof ObjectNode writes) {
                target.setAll(writes);
            }
            String prefix = message.path("charges").asText();
            for (JsonNode c : outcome.path("charges")) {
                charges.add(new Charge(prefix + c.path("action").asText(), c.path("item").asText(), c.path("credits").asInt()));
            }
        }
        return answer;
    }

    /** Keys by their numbers, parents before children: "2" < "2.0" < "2.0.1" < "2.1" < "2.10". */
    static final Comparator<String> KEY_ORDER = (a, b) -> {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    };

    private static StepInput input(JsonNode message) {
        try {
            return StepCodec.readRequest(message.get("step")).input();
        } catch (StepFailure e) {
            throw new IllegalStateException("a stored step message does not parse: " + e.getMessage(), e);
        }
    }

    private static ObjectNode pick(ObjectNode scope, Set<String> fields) {
        ObjectNode out = JSON.createObjectNode();
        for (String f : fields) {
            JsonNode v = scope.get(f);
            if (v != null) {
                out.set(f, v.deepCopy());
            }
        }
        return out;
    }

    private static byte[] message(String run, int record, String key, String parent, JsonPointer scope, String charges,
                                  Action action, byte[] step) {
        ObjectNode m = JSON.createObjectNode();
        m.put("run", run).put("record", record).put("key", key);
        if (parent == null) {
            m.putNull("parent");
        } else {
            m.put("parent", parent);
        }
        m.put("scope", scope.toString()).put("charges", charges);
        m.put("kind", WorkerKind.of(action).map(AsyncSteps::kind).orElse(CONTROL));
        m.set("step", tree(step));
        return bytes(m);
    }

    /**
     * Who should handle a message: {@code "model"} (a step that calls a model), {@code "service"}
     * (a built-in service) or {@code "control"} (lists, nested flows, starting records), so a queue
     * can send each to the function that holds what it needs.
     */
    public static String kind(byte[] message) {
        return tree(message).path("kind").asText(CONTROL);
    }

    /** The kind of the messages of a worker's steps: its name in lower case. */
    public static String kind(WorkerKind worker) {
        return worker.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The message as a tree, when it is one of ours at all: a JSON object naming a run and a record.
     * Anything else can never be handled, by any delivery.
     */
    private static JsonNode message(byte[] bytes) {
        JsonNode message;
        try {
            message = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new NotAStepMessage("it is not JSON");
        }
        if (message == null || !message.isObject()) {
            throw new NotAStepMessage("it is not a JSON object");
        }
        JsonNode run = message.get("run");
        JsonNode record = message.get("record");
        if (run == null || !run.isTextual() || run.asText().isEmpty()) {
            throw new NotAStepMessage("it names no run");
        }
        if (record == null || !record.canConvertToExactIntegral() || !record.canConvertToInt() || record.asInt() < 0) {
            throw new NotAStepMessage("it names no record");
        }
        return message;
    }

    /**
     * Bytes that are not a step message at all (not JSON, or no run and record): no delivery can
     * handle them, so a consumer drops them instead of having them delivered again.
     */
    public static final class NotAStepMessage extends IllegalArgumentException {
        public NotAStepMessage(String why) {
            super("not a step message: " + why);
        }
    }

    private static JsonNode tree(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a step message: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
