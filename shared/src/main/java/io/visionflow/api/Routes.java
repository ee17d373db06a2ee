package io.visionflow.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The explicit route table: method + path pattern ({@code /flows/v2/flow/{id}/json}) → handler.
 * Paths match with or without a trailing slash.
 */
public final class Routes {
    /** Answers one call. */
    @FunctionalInterface
    public interface Handler {
        ApiResponse handle(Call call);
    }

    /**
     * @param maxBody  the body limit of this route, or null for the API's
     * @param billable true when the route runs models: the account's credit limit is checked first
     */
    record Route(String method, List<String> segments, Handler handler, boolean authenticated, LongSupplier maxBody,
                 boolean billable) {
        /** {@code POST /flows/v2/flow/{id}}: the route's name in logs and metrics, never a caller's ids. */
        String name() {
            return method + " /" + String.join("/", segments);
        }
    }

    record Match(Route route, Map<String, String> params) {
    }

    private final List<Route> routes = new ArrayList<>();

    /** A route that needs a valid token. */
    public Routes add(String method, String pattern, Handler handler) {
        routes.add(new Route(method, segments(pattern), handler, true, null, false));
        return this;
    }

    /** A route that needs a valid token and costs credits: refused (402) once the account's monthly credits are used. */
    public Routes addBillable(String method, String pattern, Handler handler) {
        routes.add(new Route(method, segments(pattern), handler, true, null, true));
        return this;
    }

    /** A route that needs a valid token and takes bodies up to its own limit (uploads). */
    public Routes add(String method, String pattern, LongSupplier maxBody, Handler handler) {
        routes.add(new Route(method, segments(pattern), handler, true, maxBody, false));
        return this;
    }

    /** A route anyone may call. */
    public Routes addPublic(String method, String pattern, Handler handler) {
        routes.add(new Route(method, segments(pattern), handler, false, null, false));
        return this;
    }

    /** Whether any route, of any method, has this path: what a host must never shadow. */
    boolean has(String path) {
        List<String> parts = segments(path);
        for (Route r : routes) {
            if (bind(r.segments(), parts) != null) {
                return true;
            }
        }
        return false;
    }

    /** Every registered route, in registration order. */
    List<Route> all() {
        return List.copyOf(routes);
    }

    Match match(String method, String path) {
        List<String> parts = segments(path);
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r.segments(), parts);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method)) {
                return new Match(r, params);
            }
            allowed.add(r.method());
        }
        if (!allowed.isEmpty()) {
            throw new ApiException(405, "method " + method + " is not allowed here (allowed: " + String.join(", ", allowed) + ")");
        }
        throw new ApiException(404, "no endpoint " + path);
    }

    private static Map<String, String> bind(List<String> pattern, List<String> parts) {
        if (pattern.size() != parts.size()) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), decode(parts.get(i)));
            } else if (!p.equals(parts.get(i))) {
                return null;
            }
        }
        return params;
    }

    // a malformed escape (%zz) is the caller's mistake, not a server fault; '+' stays '+' in a path
    private static String decode(String segment) {
        try {
            return java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "the path segment \"" + segment + "\" is not valid URL encoding");
        }
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
