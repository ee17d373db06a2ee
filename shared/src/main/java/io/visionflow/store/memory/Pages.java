package io.visionflow.store.memory;

import io.visionflow.store.Page;

import java.util.List;

final class Pages {
    private Pages() {
    }

    static <T> Page<T> of(List<T> all, int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative (got " + offset + ", " + limit + ")");
        }
        int from = Math.min(offset, all.size());
        int to = (int) Math.min((long) from + limit, all.size());
        return new Page<>(all.subList(from, to), all.size());
    }
}
