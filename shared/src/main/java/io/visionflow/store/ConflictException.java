package io.visionflow.store;

/**
 * A conditional write lost: the item changed since it was read (its version or status is no
 * longer the expected one). The caller reads again and decides; nothing was written.
 */
public class ConflictException extends StoreException {
    public ConflictException(String message) {
        super(message);
    }
}
