package io.visionflow.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An HTTP request as plain data, what every host translates its events into.
 *
 * @param path    the path without the query string, still URL-encoded
 * @param query   decoded query parameters
 * @param headers header values by lower-case name
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                         byte[] body) {
    public ApiRequest {
        query = query == null ? Map.of() : Map.copyOf(query);
        headers = headers == null ? Map.of() : headers.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue, (a, b) -> a));
        body = body == null ? new byte[0] : body;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public Optional<String> param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** A JSON request, for tests and clients written in Java. */
    public static ApiRequest json(String method, String path, String token, String body) {
        Map<String, String> headers = new java.util.HashMap<>();
        headers.put("content-type", "application/json");
        if (token != null) {
            headers.put("authorization", "Token " + token);
        }
        String p = path;
        Map<String, List<String>> query = new java.util.HashMap<>();
        int q = path.indexOf('?');
        if (q >= 0) {
            p = path.substring(0, q);
            for (String pair : path.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v);
            }
        }
        return new ApiRequest(method, p, query, headers,
                body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
