package io.visionflow.store;

/** Life of an async request: {@code CREATED → PROCESSING → DONE}, or {@code ERROR}. */
public enum RequestStatus {
    CREATED, PROCESSING, DONE, ERROR
}
