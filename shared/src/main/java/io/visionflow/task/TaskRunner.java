package io.visionflow.task;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Runs one task on one image. Implementations are shared by every thread of a process (a model
 * session is created once per model), so they must be thread-safe.
 */
public interface TaskRunner extends AutoCloseable {

    /** Classifies the whole image; every label of the task, most probable first. */
    default Classification classify(BufferedImage image) throws TaskException {
        throw new TaskException(500, "this task does not classify images");
    }

    /**
     * Finds objects with a probability of at least {@code minProb}; boxes are in pixels of
     * {@code image}.
     */
    default List<DetectedObject> detect(BufferedImage image, double minProb) throws TaskException {
        throw new TaskException(500, "this task does not detect objects");
    }

    @Override
    default void close() {
    }
}
