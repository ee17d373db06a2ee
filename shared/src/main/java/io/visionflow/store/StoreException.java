package io.visionflow.store;

/** A store operation that cannot be done as asked; the cause of an adapter fault is kept. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
