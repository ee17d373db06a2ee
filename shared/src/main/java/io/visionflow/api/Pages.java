package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.Page;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Listings as DRF answers them: {@code count, next, previous, results}, from {@code ?page=&page_size=}. */
final class Pages {
    static final int DEFAULT_PAGE_SIZE = 10;
    static final int MAX_PAGE_SIZE = 100;

    private Pages() {
    }

    /** One page of a listing; {@code fetch} takes an offset and a limit. A page past the last is a 404, as in DRF. */
    static <T> ObjectNode page(Call call, BiFunction<Integer, Integer, Page<T>> fetch, Function<T, JsonNode> entity) {
        int pageSize = intParam(call, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        int page = intParam(call, "page", 1, 1, Integer.MAX_VALUE);
        // long: a huge page number must not overflow into a negative offset
        long offset = (page - 1L) * pageSize;
        Page<T> items = fetch.apply((int) Math.min(offset, Integer.MAX_VALUE), pageSize);
        long pages = Math.max(1, (items.total() + pageSize - 1) / pageSize);
        if (page > pages) {
            throw new ApiException(404, "Invalid page.");
        }
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("count", items.total());
        out.put("next", page < pages ? url(call, page + 1, pageSize) : null);
        out.put("previous", page > 1 ? url(call, page - 1, pageSize) : null);
        ArrayNode results = out.putArray("results");
        items.items().forEach(i -> results.add(entity.apply(i)));
        return out;
    }

    /** One page of a listing held in memory. */
    static <T> Page<T> slice(List<T> all, int offset, int limit) {
        int from = Math.min(offset, all.size());
        return new Page<>(all.subList(from, Math.min(all.size(), from + limit)), all.size());
    }

    static int intParam(Call call, String name, int fallback, int min, int max) {
        Optional<String> raw = call.request().param(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v < min || v > max) {
                throw ApiException.badRequest(name, "must be between " + min + " and " + max + ", found " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, "must be a whole number, found \"" + raw.get() + "\"");
        }
    }

    /**
     * {@code next} and {@code previous}: the path as requested with the listing's filters kept, as a
     * path rather than an absolute URL. Ximilar's Python client joins what it is given to its own
     * endpoint ({@code AsyncRClient.get_requests} passes {@code next} as is to its {@code urljoin};
     * {@code get_all_paginated_items} first strips its endpoint from an absolute one, which only works
     * when the Host this server saw is the one the client called, not behind a proxy), and a path
     * joins right in both. Visionflow's own clients resolve it against their base address.
     */
    static String url(Call call, int page, int pageSize) {
        StringBuilder query = new StringBuilder("?page=").append(page);
        if (pageSize != DEFAULT_PAGE_SIZE) {
            query.append("&page_size=").append(pageSize);
        }
        // the filters (type, status, task, search, workspace, ...) in a stable order
        for (Map.Entry<String, List<String>> p : new TreeMap<>(call.request().query()).entrySet()) {
            if (p.getKey().equals("page") || p.getKey().equals("page_size")) {
                continue;
            }
            for (String v : p.getValue()) {
                query.append('&').append(encode(p.getKey())).append('=').append(encode(v));
            }
        }
        return call.request().path() + query;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
