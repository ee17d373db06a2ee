package io.visionflow.net;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Makes a test server answer as small origin servers do (Python's {@code http.server} among them):
 * a request in absolute form ({@code POST http://host/path}, as sent to a proxy) reaches no route
 * and gets a 404. The JDK's server would otherwise accept it, and a client that sends it would pass
 * every test and fail against real model servers.
 */
public final class OriginFormOnly extends Filter {
    private static final OriginFormOnly INSTANCE = new OriginFormOnly();

    private OriginFormOnly() {
    }

    /** {@code server.createContext(path, handler)}, behind this filter. */
    public static HttpContext context(HttpServer server, String path, HttpHandler handler) {
        HttpContext context = server.createContext(path, handler);
        context.getFilters().add(INSTANCE);
        return context;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (exchange.getRequestURI().isAbsolute() || exchange.getRequestURI().getRawAuthority() != null) {
            byte[] body = ("absolute-form request target " + exchange.getRequestURI() + ": not a proxy")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
        }
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "answers 404 to absolute-form request targets";
    }
}
