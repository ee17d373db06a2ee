package io.visionflow.json;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Object mappers whose parsers and generators share their buffers across threads. Jackson's
 * default pool keeps them per thread, and every request here runs on a new virtual thread, so each
 * parse and each write allocated and zeroed fresh 8,000-char and 8 KB buffers: a quarter of a
 * flow's {@code GET} in the profile. A shared concurrent pool hands them back.
 */
public final class Mappers {
    private Mappers() {
    }

    /** A factory builder with the shared buffer pool, for mappers with settings of their own. */
    public static JsonFactoryBuilder factory() {
        return new JsonFactoryBuilder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool());
    }

    /** A plain mapper, as {@code new ObjectMapper()} but with the shared buffer pool. */
    public static ObjectMapper create() {
        return JsonMapper.builder(factory().build()).build();
    }
}
