package io.visionflow.engine;

/** A step that cannot complete: fails its record with {@code _status: {code: status, text: message}}. */
public class StepFailure extends Exception {
    private final int status;

    public StepFailure(int status, String message) {
        this(status, message, null);
    }

    public StepFailure(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
