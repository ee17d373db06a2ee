package io.visionflow.functions;

import io.visionflow.json.Mappers;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.api.Api;
import io.visionflow.api.ApiRequest;
import io.visionflow.api.ApiResponse;
import io.visionflow.api.Envelope;
import io.visionflow.api.WebFiles;
import io.visionflow.telemetry.JsonLogFormatter;
import org.crac.Core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * The API function: an API Gateway HTTP API (payload 2.0) event in, the shared {@link Api}'s answer
 * out. It only translates; routing, auth and errors are the Api's. A stream handler reading the
 * event as a JSON tree: the runtime's reflective event mapping would load and run an object mapper
 * of its own on every cold start, for a dozen fields.
 */
public final class ApiHandler implements RequestStreamHandler {
    private static final WebFiles WEB = new WebFiles("/web/");
    private final Supplier<Api> api;
    private final ObjectMapper json;
    // org.crac holds resources weakly: the handler keeps its own alive
    Priming.ApiResource priming;

    /**
     * For Lambda: the Api is built from the environment during init ({@link Warmup}), or at
     * SnapStart's checkpoint by the priming hook, or else on the first event; and kept for warm ones.
     */
    public ApiHandler() {
        this(Lazy.of(() -> ApiEnvironment.create(System.getenv())), true);
    }

    /** For tests and other hosts: a ready Api. */
    public ApiHandler(Api api) {
        this(() -> api, false);
        Objects.requireNonNull(api, "api");
    }

    private ApiHandler(Supplier<Api> api, boolean lambda) {
        this.api = api;
        if (lambda) {
            JsonLogFormatter.install();
            priming = new Priming.ApiResource(api);
            Core.getGlobalContext().register(priming);
            Warmup.warm(System.getenv(), priming.parts());
        }
        this.json = Mappers.create();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        // Lambda's id for the invocation: its START/END/REPORT lines and ours share it
        json.writeValue(output, handle(json.readTree(input), context == null ? null : context.getAwsRequestId()));
    }

    /**
     * One event, as its JSON, to the response's JSON; {@code requestId} is Lambda's for the
     * invocation, if any. A GET of a flow builder file on a path no route has gets the file, when
     * the jar holds the page.
     */
    ObjectNode handle(JsonNode event, String requestId) {
        ApiRequest request = toRequest(event);
        try {
            Optional<ApiResponse> page = WEB.respond(api.get(), request.method(), request.path());
            if (page.isPresent()) {
                return toEvent(page.get(), acceptsGzip(request.header("accept-encoding").orElse("")));
            }
        } catch (IOException e) {
            // a file that cannot be read is no file: the API answers the path
        }
        ApiResponse response = api.get().handle(request, requestId);
        return toEvent(response, acceptsGzip(request.header("accept-encoding").orElse("")));
    }

    /** Lambda returns at most 6 MB to API Gateway; the margin is for the event's own fields. */
    static final int MAX_EVENT_BODY = 6 * 1024 * 1024 - 64 * 1024;
    /** Below this, compressing costs more time than the bytes it saves. */
    static final int GZIP_ABOVE = 256 * 1024;

    /** Whether {@code Accept-Encoding} takes gzip (named with no {@code q=0}). */
    static boolean acceptsGzip(String acceptEncoding) {
        for (String coding : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
            String[] parts = coding.trim().split(";");
            if (parts[0].trim().equals("gzip")) {
                return parts.length < 2 || !parts[1].replace(" ", "").matches("q=0(\\.0*)?");
            }
        }
        return false;
    }

    /**
     * The response as an event: gzipped when it is large and the client takes gzip (a request of
     * 1000 records answers megabytes of JSON, a tenth of it compressed), and an error that says what
     * to do when it is still over what Lambda can return.
     */
    static ObjectNode toEvent(ApiResponse response, boolean gzip) {
        boolean encoded = response.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("content-encoding"));
        if (gzip && !encoded && response.body().length > GZIP_ABOVE) {
            Map<String, String> headers = new LinkedHashMap<>(response.headers());
            headers.put("Content-Encoding", "gzip");
            headers.put("Vary", "Accept-Encoding");
            response = new ApiResponse(response.status(), headers, gzip(response.body()));
        }
        ObjectNode event = toEvent(response);
        if (event.path("body").asText().length() <= MAX_EVENT_BODY) {
            return event;
        }
        String requestId = response.headers().get("X-Request-Id");
        return toEvent(ApiResponse.json(500, Envelope.error(500, "the answer is " + response.body().length + " bytes"
                + (gzip ? " compressed" : "") + ", more than a Lambda function can return (6 MB)"
                + (gzip ? "; ask for fewer records at a time, or take the results from the request's webhook"
                : "; send Accept-Encoding: gzip to get it compressed, or take the results from the request's webhook"),
                requestId, List.of()), requestId));
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 8);
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("compressing in memory", e);
        }
        return out.toByteArray();
    }

    static ApiRequest toRequest(JsonNode event) {
        JsonNode http = event.path("requestContext").path("http");
        String method = text(http, "method", "GET");
        // rawPath keeps the client's encoding and trailing slash, which the Api's routes expect
        String path = text(event, "rawPath", text(http, "path", "/"));
        Map<String, String> headers = new HashMap<>();
        // HTTP API already joins repeated headers with commas; cookies travel apart and are not used
        event.path("headers").properties().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
        return new ApiRequest(method, path, query(event), headers, body(event));
    }

    /**
     * From rawQueryString, not queryStringParameters: the latter joins repeated keys with commas,
     * which cannot be told apart from a comma inside one value.
     */
    static Map<String, List<String>> query(JsonNode event) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        String raw = text(event, "rawQueryString", "");
        if (!raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        } else {
            // hand-written events may carry only the parsed map
            event.path("queryStringParameters").properties().forEach(e -> query.put(e.getKey(), List.of(e.getValue().asText())));
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

    private static byte[] body(JsonNode event) {
        JsonNode body = event.get("body");
        if (body == null || body.isNull()) {
            return new byte[0];
        }
        String text = body.asText();
        if (event.path("isBase64Encoded").asBoolean(false)) {
            try {
                return Base64.getMimeDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // API Gateway never sends this; a hand-made event that does gets the bytes as they are
                return text.getBytes(StandardCharsets.UTF_8);
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The HTTP API's response shape: statusCode, headers, body (base64 unless text), isBase64Encoded. */
    static ObjectNode toEvent(ApiResponse response) {
        String type = response.headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("content-type"))
                .map(Map.Entry::getValue).findFirst().orElse("application/json");
        // an encoded body (gzip) is bytes, whatever its type
        boolean text = isText(type) && response.headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("content-encoding"));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("statusCode", response.status());
        ObjectNode headers = out.putObject("headers");
        response.headers().forEach(headers::put);
        out.put("body", text ? new String(response.body(), StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(response.body()));
        out.put("isBase64Encoded", !text);
        return out;
    }

    private static boolean isText(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("text/") || t.contains("json") || t.contains("xml")
                || t.startsWith("application/x-www-form-urlencoded");
    }

    private static String text(JsonNode node, String field, String otherwise) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : otherwise;
    }
}
