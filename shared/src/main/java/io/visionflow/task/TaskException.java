package io.visionflow.task;

/**
 * A task call that did not produce a result: the model failed, the remote server answered an
 * error or timed out. Fails the record it was called for, never the whole request.
 */
public class TaskException extends Exception {
    private final int status;

    public TaskException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public TaskException(int status, String message) {
        this(status, message, null);
    }

    /** HTTP-style status for the record: 502 for a remote failure, 504 for a timeout, 500 for a model fault. */
    public int status() {
        return status;
    }
}
