package io.visionflow.async;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The async state of one process: for local runs and tests. */
public final class MemoryAsyncState implements AsyncState {
    private final Map<String, Step> steps = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> joins = new ConcurrentHashMap<>();
    private final Map<String, RecordEnd> ends = new ConcurrentHashMap<>();
    private final Map<String, Set<Integer>> ended = new ConcurrentHashMap<>();
    private final Map<String, byte[]> runs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> records = new ConcurrentHashMap<>();

    @Override
    public void putRun(String run, byte[] spec) {
        runs.putIfAbsent(run, spec);
    }

    @Override
    public Optional<byte[]> run(String run) {
        return Optional.ofNullable(runs.get(run));
    }

    @Override
    public byte[] putRecord(String run, int record, byte[] echo) {
        return records.computeIfAbsent(run + "/" + record, k -> echo);
    }

    @Override
    public Optional<byte[]> record(String run, int record) {
        return Optional.ofNullable(records.get(run + "/" + record));
    }

    @Override
    public Step putStep(String run, String key, byte[] message, byte[] outcome) {
        return steps.computeIfAbsent(run + "/" + key, k -> new Step(message, outcome));
    }

    @Override
    public Optional<Step> step(String run, String key) {
        return Optional.ofNullable(steps.get(run + "/" + key));
    }

    @Override
    public Map<String, Step> steps(String run, int record) {
        Map<String, Step> out = new TreeMap<>();
        String root = run + "/" + record;
        steps.forEach((k, v) -> {
            if (k.equals(root) || k.startsWith(root + ".")) {
                out.put(k.substring(run.length() + 1), v);
            }
        });
        return out;
    }

    @Override
    public int childDone(String run, String parent, String child) {
        Set<String> done = joins.computeIfAbsent(run + "/" + parent, k -> ConcurrentHashMap.newKeySet());
        done.add(child);
        return done.size();
    }

    @Override
    public int endRecord(String run, int record, RecordEnd end) {
        if (end != null) {
            ends.putIfAbsent(run + "/" + record, end);
        }
        Set<Integer> records = ended.computeIfAbsent(run, k -> ConcurrentHashMap.newKeySet());
        records.add(record);
        return records.size();
    }

    @Override
    public Optional<RecordEnd> recordEnd(String run, int record) {
        return Optional.ofNullable(ends.get(run + "/" + record));
    }
}
