package io.visionflow.store.memory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.ConflictException;
import io.visionflow.store.Page;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.RequestStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Async requests in memory; payloads and responses are copied in and out because ObjectNode is mutable. */
public final class MemoryRequestStore implements RequestStore {
    private record Key(String account, String id) {
    }

    private record Entry(long seq, AsyncRequest request) {
    }

    private final Map<Key, Entry> requests = new HashMap<>();
    private long nextSeq;

    @Override
    public synchronized AsyncRequest create(AsyncRequest r) {
        Key key = new Key(r.account(), r.id());
        if (requests.containsKey(key)) {
            throw new ConflictException("request " + r.id() + " exists");
        }
        Instant now = Instant.now();
        Instant created = r.created() == null ? now : r.created();
        AsyncRequest stored = new AsyncRequest(r.id(), r.account(), r.type(), RequestStatus.CREATED, copy(r.payload()),
                copy(r.response()), r.error(), created, r.updated() == null ? created : r.updated());
        requests.put(key, new Entry(nextSeq++, stored));
        return copy(stored);
    }

    @Override
    public synchronized Optional<AsyncRequest> get(String account, String id) {
        Entry e = requests.get(new Key(account, id));
        return e == null ? Optional.empty() : Optional.of(copy(e.request()));
    }

    @Override
    public synchronized boolean transition(String account, String id, RequestStatus from, RequestStatus to,
                                           ObjectNode response, String error) {
        Key key = new Key(account, id);
        Entry e = requests.get(key);
        if (e == null || e.request().status() != from) {
            return false;
        }
        AsyncRequest r = e.request();
        requests.put(key, new Entry(e.seq(), new AsyncRequest(r.id(), r.account(), r.type(), to, r.payload(),
                response == null ? r.response() : response.deepCopy(), error == null ? r.error() : error,
                r.created(), Instant.now())));
        return true;
    }

    @Override
    public synchronized Page<AsyncRequest> list(String account, String type, RequestStatus status, int offset, int limit) {
        List<Entry> matching = new ArrayList<>();
        for (Entry e : requests.values()) {
            AsyncRequest r = e.request();
            if (r.account().equals(account) && (type == null || type.equals(r.type()))
                    && (status == null || status == r.status())) {
                matching.add(e);
            }
        }
        matching.sort(Comparator.comparing((Entry e) -> e.request().created()).thenComparingLong(Entry::seq).reversed());
        return Pages.of(matching.stream().map(e -> copy(e.request())).toList(), offset, limit);
    }

    private static ObjectNode copy(ObjectNode n) {
        return n == null ? null : n.deepCopy();
    }

    private static AsyncRequest copy(AsyncRequest r) {
        return new AsyncRequest(r.id(), r.account(), r.type(), r.status(), copy(r.payload()), copy(r.response()),
                r.error(), r.created(), r.updated());
    }
}
