package io.visionflow.async;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.StepContext;
import io.visionflow.engine.StepFailure;

import java.awt.image.BufferedImage;
import java.util.List;

/** What the process handling a run's messages provides: its contexts, its record images, and who is told of the end. */
public interface RunHost {

    /**
     * The context the run's steps use here (built once per run and process), or null when this host
     * cannot continue the run (its waiter has gone): its messages are then dropped.
     */
    StepContext context(String run, RunSpec spec);

    /** The image of a record that a start message names; a failure ends that record. */
    BufferedImage load(RunSpec spec, ObjectNode record) throws StepFailure;

    /** A record of the run is starting here; called for every record, at least once. */
    default void started(String run, RunSpec spec) {
    }

    /**
     * Every record has ended. Called at least once per run, again when a worker died while it ran,
     * so what it does must be idempotent; throwing makes the message that ended the run come again.
     */
    void finished(String run, RunSpec spec, List<AsyncState.RecordEnd> ends);
}
