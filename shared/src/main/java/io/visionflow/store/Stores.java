package io.visionflow.store;

/** Every store a host provides to the API. */
public record Stores(AccountStore accounts, FlowStore flows, TaskStore tasks, BlobStore blobs,
                     RequestStore requests, UsageStore usage) {
}
