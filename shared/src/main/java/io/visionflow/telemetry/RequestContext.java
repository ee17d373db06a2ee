package io.visionflow.telemetry;

/**
 * The id of the request the current thread works for, so that every log line of a request carries
 * it. Inheritable: the virtual threads a request starts (records, parallel branches) carry it too.
 */
public final class RequestContext {
    private static final InheritableThreadLocal<String> ID = new InheritableThreadLocal<>();

    private RequestContext() {
    }

    /** The current request's id, or null outside a request. */
    public static String id() {
        return ID.get();
    }

    /** Marks the current thread as working for {@code requestId} until the scope is closed. */
    public static Scope open(String requestId) {
        String previous = ID.get();
        ID.set(requestId);
        return () -> {
            if (previous == null) {
                ID.remove();
            } else {
                ID.set(previous);
            }
        };
    }

    /** A scope that restores what was there before. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
