package io.visionflow.store;

/** No such item for this account (another account's items are not found either). */
public class NotFoundException extends StoreException {
    public NotFoundException(String message) {
        super(message);
    }
}
