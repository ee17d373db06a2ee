package io.visionflow.store;

import java.util.List;

/** One page of a listing and the size of the whole listing. */
public record Page<T>(List<T> items, long total) {
    public Page {
        items = List.copyOf(items);
    }
}
