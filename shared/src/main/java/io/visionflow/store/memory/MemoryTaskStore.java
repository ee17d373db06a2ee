package io.visionflow.store.memory;

import io.visionflow.store.ConflictException;
import io.visionflow.store.NotFoundException;
import io.visionflow.store.Page;
import io.visionflow.store.StoredTask;
import io.visionflow.store.TaskStore;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tasks in memory (tasks are immutable records, so they are kept as they are). */
public final class MemoryTaskStore implements TaskStore {
    private record Key(String account, String id) {
    }

    private final Map<Key, StoredTask> tasks = new LinkedHashMap<>();

    @Override
    public synchronized StoredTask create(String account, Task task) {
        Key key = new Key(account, task.id());
        if (tasks.containsKey(key)) {
            throw new ConflictException("task " + task.id() + " exists");
        }
        Instant now = Instant.now();
        StoredTask stored = new StoredTask(task, account, 1, now, now);
        tasks.put(key, stored);
        return stored;
    }

    @Override
    public synchronized Optional<StoredTask> get(String account, String id) {
        return Optional.ofNullable(tasks.get(new Key(account, id)));
    }

    @Override
    public synchronized StoredTask update(String account, int expectedVersion, Task task) {
        Key key = new Key(account, task.id());
        StoredTask current = tasks.get(key);
        if (current == null) {
            throw new NotFoundException("no task " + task.id());
        }
        if (current.version() != expectedVersion) {
            throw new ConflictException("task " + task.id() + " is at version " + current.version() + ", not " + expectedVersion);
        }
        StoredTask next = new StoredTask(task, account, expectedVersion + 1, current.created(), Instant.now());
        tasks.put(key, next); // replacing a value keeps the key's place in the order
        return next;
    }

    @Override
    public synchronized boolean delete(String account, String id) {
        return tasks.remove(new Key(account, id)) != null;
    }

    @Override
    public synchronized Page<StoredTask> list(String account, TaskKind kind, int offset, int limit) {
        List<StoredTask> matching = tasks.values().stream()
                .filter(t -> t.account().equals(account) && (kind == null || t.task().kind() == kind))
                .toList();
        return Pages.of(matching, offset, limit);
    }
}
