package io.visionflow.async;

import java.util.Map;
import java.util.Optional;

/**
 * What an async run keeps between messages. Every write is idempotent or first-wins, so a message
 * delivered twice, or again after its worker died, changes nothing the first delivery did.
 */
public interface AsyncState {

    /** A step's message and its outcome (the JSON of {@code StepCodec}: writes, children, charges, or a failure). */
    record Step(byte[] message, byte[] outcome) {
    }

    /** How a record ended: the record as answered and the credits of its steps, as JSON. */
    record RecordEnd(byte[] result) {
    }

    /**
     * Stores what any worker needs to continue a run (a {@link RunSpec} as JSON) unless stored;
     * written before the run's first message is sent.
     */
    void putRun(String run, byte[] spec);

    Optional<byte[]> run(String run);

    /** Stores a record's echo as the run answers it (its fields and image size) unless stored; returns the stored one. */
    byte[] putRecord(String run, int record, byte[] echo);

    Optional<byte[]> record(String run, int record);

    /** Stores a step's outcome unless one is stored; returns the stored one (the first). */
    Step putStep(String run, String key, byte[] message, byte[] outcome);

    Optional<Step> step(String run, String key);

    /** The stored steps of one record, by key. */
    Map<String, Step> steps(String run, int record);

    /** Counts {@code child} as finished under {@code parent}, once; returns how many distinct children have finished. */
    int childDone(String run, String parent, String child);

    /**
     * Ends a record with {@code end} unless it has ended (null: only count it); returns how many
     * records of the run have ended, each counted once.
     */
    int endRecord(String run, int record, RecordEnd end);

    Optional<RecordEnd> recordEnd(String run, int record);

    /** The ends of records {@code 0 … records - 1}, in order; empty when one of them has not ended. */
    default Optional<java.util.List<RecordEnd>> recordEnds(String run, int records) {
        java.util.List<RecordEnd> ends = new java.util.ArrayList<>();
        for (int i = 0; i < records; i++) {
            Optional<RecordEnd> end = recordEnd(run, i);
            if (end.isEmpty()) {
                return Optional.empty();
            }
            ends.add(end.get());
        }
        return Optional.of(ends);
    }
}
