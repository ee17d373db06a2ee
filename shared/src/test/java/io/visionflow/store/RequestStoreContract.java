package io.visionflow.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.visionflow.store.RequestStatus.CREATED;
import static io.visionflow.store.RequestStatus.DONE;
import static io.visionflow.store.RequestStatus.ERROR;
import static io.visionflow.store.RequestStatus.PROCESSING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link RequestStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class RequestStoreContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    protected static final String A = "acct-a";
    protected static final String B = "acct-b";

    protected RequestStore store;

    protected abstract RequestStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private static ObjectNode payload(String flow) {
        ObjectNode p = JSON.createObjectNode();
        p.put("flow", flow);
        p.put("flow_version", 3);
        p.putArray("records").addObject().put("_blob", A + "/images/abc").put("_id", "r1");
        p.putObject("webhook").put("endpoint", "https://hooks.example/x");
        return p;
    }

    private static ObjectNode response(int credits) {
        ObjectNode r = JSON.createObjectNode();
        r.putArray("records").addObject().put("_id", "r1").putObject("_status").put("code", 200);
        r.putObject("status").put("code", 200).put("text", "OK");
        r.putObject("statistics").put("credits", credits).put("processing time", 0.25);
        return r;
    }

    private static AsyncRequest request(String account, String id, String type, int secondsAfterT0) {
        Instant at = T0.plusSeconds(secondsAfterT0);
        return new AsyncRequest(id, account, type, CREATED, payload("f-" + id), null, null, at, at);
    }

    @Test
    void createdRequestsAreReadableWithStatusCreated() {
        AsyncRequest created = store.create(request(A, "r1", "flows", 0));

        assertThat(created.id()).isEqualTo("r1");
        assertThat(created.account()).isEqualTo(A);
        assertThat(created.type()).isEqualTo("flows");
        assertThat(created.status()).isEqualTo(CREATED);
        assertThat(created.payload()).isEqualTo(payload("f-r1"));
        assertThat(created.response()).isNull();
        assertThat(created.error()).isNull();
        assertThat(created.created()).isNotNull();
        assertThat(store.get(A, "r1")).contains(created);
        assertThat(store.get(A, "nope")).isEmpty();
    }

    @Test
    void createOfAnExistingIdConflictsAndKeepsTheRequest() {
        AsyncRequest first = store.create(request(A, "r1", "flows", 0));

        assertThatThrownBy(() -> store.create(request(A, "r1", "other", 5))).isInstanceOf(ConflictException.class);
        assertThat(store.get(A, "r1")).contains(first);
    }

    @Test
    void transitionsFollowTheLifeOfARequest() {
        AsyncRequest created = store.create(request(A, "r1", "flows", 0));

        assertThat(store.transition(A, "r1", CREATED, PROCESSING, null, null)).isTrue();
        assertThat(store.get(A, "r1")).get().satisfies(r -> {
            assertThat(r.status()).isEqualTo(PROCESSING);
            assertThat(r.response()).isNull();
            assertThat(r.updated()).isAfterOrEqualTo(created.updated());
        });

        assertThat(store.transition(A, "r1", PROCESSING, DONE, response(2), null)).isTrue();
        AsyncRequest done = store.get(A, "r1").orElseThrow();
        assertThat(done.status()).isEqualTo(DONE);
        assertThat(done.response()).isEqualTo(response(2));
        assertThat(done.error()).isNull();
        assertThat(done.payload()).isEqualTo(payload("f-r1"));
        assertThat(done.created()).isEqualTo(created.created());
    }

    @Test
    void aSecondFinishIsRefusedAndChangesNothing() {
        store.create(request(A, "r1", "flows", 0));
        store.transition(A, "r1", CREATED, PROCESSING, null, null);
        assertThat(store.transition(A, "r1", PROCESSING, DONE, response(2), null)).isTrue();
        AsyncRequest done = store.get(A, "r1").orElseThrow();

        assertThat(store.transition(A, "r1", PROCESSING, DONE, response(99), null)).isFalse();
        assertThat(store.transition(A, "r1", PROCESSING, ERROR, null, "late failure")).isFalse();
        assertThat(store.transition(A, "r1", CREATED, PROCESSING, null, null)).isFalse();
        assertThat(store.get(A, "r1")).contains(done);
    }

    @Test
    void errorsKeepTheirReason() {
        store.create(request(A, "r1", "flows", 0));

        assertThat(store.transition(A, "r1", CREATED, ERROR, null, "flow f-r1 was deleted")).isTrue();
        assertThat(store.get(A, "r1")).get().satisfies(r -> {
            assertThat(r.status()).isEqualTo(ERROR);
            assertThat(r.error()).isEqualTo("flow f-r1 was deleted");
            assertThat(r.response()).isNull();
        });
    }

    @Test
    void transitionsOfMissingRequestsAreRefused() {
        assertThat(store.transition(A, "nope", CREATED, PROCESSING, null, null)).isFalse();
        assertThat(store.get(A, "nope")).isEmpty();
    }

    @Test
    void concurrentFinishersOnlyOneWins() throws Exception {
        store.create(request(A, "r1", "flows", 0));
        store.transition(A, "r1", CREATED, PROCESSING, null, null);
        int workers = 8;
        CyclicBarrier start = new CyclicBarrier(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int credits = w;
                results.add(pool.submit(() -> {
                    start.await();
                    return store.transition(A, "r1", PROCESSING, DONE, response(credits), null);
                }));
            }
            int won = 0;
            for (Future<Boolean> r : results) {
                won += r.get() ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
            assertThat(store.get(A, "r1").orElseThrow().status()).isEqualTo(DONE);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherAccountNeitherSeesNorChangesTheRequest() {
        AsyncRequest mine = store.create(request(A, "r1", "flows", 0));

        assertThat(store.get(B, "r1")).isEmpty();
        assertThat(store.transition(B, "r1", CREATED, DONE, response(1), null)).isFalse();
        assertThat(store.list(B, null, null, 0, 10)).isEqualTo(new Page<AsyncRequest>(List.of(), 0));
        assertThat(store.get(A, "r1")).contains(mine);
    }

    @Test
    void listIsNewestFirstFilteredAndPaged() {
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String id = "req-" + (char) ('a' + (i * 5) % 9); // ids not in time order
            store.create(request(A, id, i % 3 == 2 ? "other" : "flows", i));
            newestFirst.addFirst(id);
        }
        store.create(request(B, "theirs", "flows", 100));
        // req-a (i=0), req-f (i=1), req-b (i=2, other), req-g (i=3)
        store.transition(A, "req-a", CREATED, PROCESSING, null, null);
        store.transition(A, "req-g", CREATED, PROCESSING, null, null);
        store.transition(A, "req-b", CREATED, PROCESSING, null, null);

        Page<AsyncRequest> all = store.list(A, null, null, 0, 4);
        assertThat(all.total()).isEqualTo(9);
        assertThat(all.items()).extracting(AsyncRequest::id).containsExactlyElementsOf(newestFirst.subList(0, 4));
        assertThat(store.list(A, null, null, 4, 4).items()).extracting(AsyncRequest::id)
                .containsExactlyElementsOf(newestFirst.subList(4, 8));
        assertThat(store.list(A, null, null, 8, 4).items()).extracting(AsyncRequest::id)
                .containsExactly(newestFirst.get(8));

        Page<AsyncRequest> flows = store.list(A, "flows", null, 0, 10);
        assertThat(flows.total()).isEqualTo(6);
        assertThat(flows.items()).allSatisfy(r -> assertThat(r.type()).isEqualTo("flows"));

        Page<AsyncRequest> processing = store.list(A, null, PROCESSING, 0, 10);
        assertThat(processing.total()).isEqualTo(3);
        assertThat(processing.items()).extracting(AsyncRequest::id).containsExactly("req-g", "req-b", "req-a");

        Page<AsyncRequest> both = store.list(A, "flows", PROCESSING, 0, 1);
        assertThat(both.total()).isEqualTo(2);
        assertThat(both.items()).extracting(AsyncRequest::id).containsExactly("req-g");
        assertThat(store.list(A, "flows", PROCESSING, 1, 1).items()).extracting(AsyncRequest::id).containsExactly("req-a");

        assertThat(store.list(A, "other", DONE, 0, 10)).isEqualTo(new Page<AsyncRequest>(List.of(), 0));
    }

    @Test
    void aRequestOfAThousandRecordsKeepsItsRecordsAndItsResults() {
        // the API takes async requests of up to 1000 records: over a megabyte of JSON each way,
        // more than one DynamoDB item holds
        ObjectNode payload = payload("f-big");
        ObjectNode response = response(3000);
        for (int i = 0; i < 1000; i++) {
            payload.withArray("records").addObject().put("_blob", A + "/image/" + "%064x".formatted(i))
                    .put("_id", "record-" + i).put("note", "x".repeat(400));
            ObjectNode record = response.withArray("records").addObject().put("_id", "record-" + i);
            record.putObject("_status").put("code", 200).put("text", "OK");
            record.putArray("labels").addObject().put("name", "label " + i).put("prob", 0.5).put("id", "y".repeat(600));
        }
        Instant at = T0.plusSeconds(5);
        store.create(new AsyncRequest("big", A, "flows", CREATED, payload, null, null, at, at));
        assertThat(store.get(A, "big").orElseThrow().payload()).isEqualTo(payload);
        assertThat(store.transition(A, "big", CREATED, PROCESSING, null, null)).isTrue();
        assertThat(store.transition(A, "big", PROCESSING, DONE, response, null)).isTrue();

        AsyncRequest done = store.get(A, "big").orElseThrow();
        assertThat(done.status()).isEqualTo(DONE);
        assertThat(done.payload()).isEqualTo(payload);
        assertThat(done.response()).isEqualTo(response);
        assertThat(store.list(A, null, DONE, 0, 10).items()).singleElement()
                .satisfies(r -> assertThat(r.response()).isEqualTo(response));
        // a second finish is refused as for any request, and leaves the results as they were
        assertThat(store.transition(A, "big", PROCESSING, ERROR, response(1), "late")).isFalse();
        assertThat(store.get(A, "big").orElseThrow().response()).isEqualTo(response);
        assertThat(store.get(B, "big")).isEmpty();
    }
}
