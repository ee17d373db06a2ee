package io.visionflow.store.memory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.ConflictException;
import io.visionflow.store.FlowStore;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoredFlow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Versioned flows in memory; one lock makes every conditional update atomic. */
public final class MemoryFlowStore implements FlowStore {
    private record Key(String account, String id) {
    }

    // insertion order is creation order, which list() promises
    private final Map<Key, List<StoredFlow>> flows = new LinkedHashMap<>();

    @Override
    public synchronized StoredFlow create(String account, String id, ObjectNode definition, boolean valid,
                                          String invalidReason) {
        Key key = new Key(account, id);
        if (flows.containsKey(key)) {
            throw new ConflictException("flow " + id + " exists");
        }
        Instant now = Instant.now();
        StoredFlow v1 = new StoredFlow(id, account, 1, definition, valid, invalidReason, now, now);
        flows.put(key, new ArrayList<>(List.of(v1)));
        return v1;
    }

    @Override
    public synchronized Optional<StoredFlow> get(String account, String id) {
        List<StoredFlow> versions = flows.get(new Key(account, id));
        return versions == null ? Optional.empty() : Optional.of(versions.getLast());
    }

    @Override
    public synchronized Optional<StoredFlow> version(String account, String id, int version) {
        List<StoredFlow> versions = flows.get(new Key(account, id));
        if (versions == null || version < 1 || version > versions.size()) {
            return Optional.empty();
        }
        return Optional.of(versions.get(version - 1));
    }

    @Override
    public synchronized StoredFlow update(String account, String id, int expectedVersion, ObjectNode definition,
                                          boolean valid, String invalidReason) {
        List<StoredFlow> versions = flows.get(new Key(account, id));
        if (versions == null) {
            throw new NotFoundException("no flow " + id);
        }
        StoredFlow latest = versions.getLast();
        if (latest.version() != expectedVersion) {
            throw new ConflictException("flow " + id + " is at version " + latest.version() + ", not " + expectedVersion);
        }
        StoredFlow next = new StoredFlow(id, account, expectedVersion + 1, definition, valid, invalidReason,
                latest.created(), Instant.now());
        versions.add(next);
        return next;
    }

    @Override
    public synchronized void setValidity(String account, String id, boolean valid, String invalidReason) {
        List<StoredFlow> versions = flows.get(new Key(account, id));
        if (versions == null) {
            throw new NotFoundException("no flow " + id);
        }
        StoredFlow l = versions.getLast();
        versions.set(versions.size() - 1, new StoredFlow(l.id(), l.account(), l.version(), l.definition(), valid,
                invalidReason, l.created(), l.updated()));
    }

    @Override
    public synchronized boolean delete(String account, String id) {
        return flows.remove(new Key(account, id)) != null;
    }

    @Override
    public synchronized Page<StoredFlow> list(String account, int offset, int limit) {
        List<StoredFlow> latest = new ArrayList<>();
        flows.forEach((k, versions) -> {
            if (k.account().equals(account)) {
                latest.add(versions.getLast());
            }
        });
        return Pages.of(latest, offset, limit);
    }
}
