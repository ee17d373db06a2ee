package io.visionflow.net;

/** An outbound URL that must not be requested: wrong scheme, no host, or a refused address. */
public final class RefusedAddressException extends Exception {
    public RefusedAddressException(String message) {
        super(message);
    }
}
