package io.visionflow.task.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.visionflow.task.TaskException;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An ONNX Runtime session that is only closed once no call is running in it: ONNX Runtime does
 * not count running calls, so closing under a running {@code run} would free memory still in use.
 * Calls share the read lock; closing takes the write lock.
 */
final class ModelSession {
    private final OrtSession session;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    ModelSession(OrtSession session) {
        this.session = session;
    }

    @FunctionalInterface
    interface Work<T> {
        T run(OrtSession session) throws OrtException, TaskException;
    }

    <T> T use(Work<T> work) throws OrtException, TaskException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new TaskException(503, "the model was unloaded; try again");
            }
            return work.run(session);
        } finally {
            lock.readLock().unlock();
        }
    }

    void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                OnnxTaskRunner.closeQuietly(session);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
