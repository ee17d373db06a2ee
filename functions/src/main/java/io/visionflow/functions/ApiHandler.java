package io.visionflow.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.telemetry.JsonLogFormatter;
import org.crac.Core;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The API function: an API Gateway HTTP API (payload 2.0) event in, the shared {@link Api}'s answer
 * out. It only translates; routing, auth and errors are the Api's.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Supplier<Api> api;
    // org.crac holds resources weakly: the handler keeps its own alive
    private Priming.ApiResource priming;

    /**
     * For Lambda: the Api is built from the environment on the first event, or at SnapStart's
     * checkpoint by the priming hook, and kept for warm ones.
     */
    public ApiHandler() {
        this(Lazy.of(() -> ApiEnvironment.create(System.getenv())));
        JsonLogFormatter.install();
        priming = new Priming.ApiResource(api);
        Core.getGlobalContext().register(priming);
    }

    /** For tests and other hosts: a ready Api. */
    public ApiHandler(Api api) {
        this(() -> api);
        Objects.requireNonNull(api, "api");
    }

    private ApiHandler(Supplier<Api> api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        // Lambda's id for the invocation: its START/END/REPORT lines and ours share it
        return toEvent(api.get().handle(toRequest(event), context == null ? null : context.getAwsRequestId()));
    }

    static ApiRequest toRequest(APIGatewayV2HTTPEvent event) {
        var http = event.getRequestContext() == null ? null : event.getRequestContext().getHttp();
        String method = http != null && http.getMethod() != null ? http.getMethod() : "GET";
        // rawPath keeps the client's encoding and trailing slash, which the Api's routes expect
        String path = event.getRawPath() != null ? event.getRawPath() : http != null ? http.getPath() : "/";
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            // HTTP API already joins repeated headers with commas; cookies travel apart and are not used
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        return new ApiRequest(method, path, query(event), headers, body(event));
    }

    /**
     * From rawQueryString, not queryStringParameters: the latter joins repeated keys with commas,
     * which cannot be told apart from a comma inside one value.
     */
    static Map<String, List<String>> query(APIGatewayV2HTTPEvent event) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        String raw = event.getRawQueryString();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        } else if (event.getQueryStringParameters() != null) {
            // hand-written events may carry only the parsed map
            event.getQueryStringParameters().forEach((k, v) -> query.put(k, List.of(v)));
        }
        return query;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a stray '%': keep it as sent rather than fail the request here
        }
    }

    private static byte[] body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                // API Gateway never sends this; a hand-made event that does gets the bytes as they are
                return body.getBytes(StandardCharsets.UTF_8);
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    static APIGatewayV2HTTPResponse toEvent(ApiResponse response) {
        String type = response.headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("content-type"))
                .map(Map.Entry::getValue).findFirst().orElse("application/json");
        boolean text = isText(type);
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(new LinkedHashMap<>(response.headers()))
                .withBody(text ? new String(response.body(), StandardCharsets.UTF_8)
                        : Base64.getEncoder().encodeToString(response.body()))
                .withIsBase64Encoded(!text)
                .build();
    }

    private static boolean isText(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("text/") || t.contains("json") || t.contains("xml")
                || t.startsWith("application/x-www-form-urlencoded");
    }
}
