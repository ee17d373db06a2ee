package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.engine.FlowException;
import io.visionflow.flow.Problem;
import io.visionflow.image.ImageDecoder;
import io.visionflow.image.ImageException;
import io.visionflow.image.ImageInfo;
import io.visionflow.image.ImageLimits;
import io.visionflow.image.RecordImageSource;
import io.visionflow.request.AsyncRequests;
import io.visionflow.store.Account;
import io.visionflow.store.AsyncRequest;
import io.visionflow.store.RequestStatus;
import io.visionflow.store.StoredFlow;
import io.visionflow.webhook.WebhookSender;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /account/v2/request/}: async flow requests. Everything a request could be refused for is
 * checked here, before it is stored, so bad input is a 4xx now and never a failed request later.
 */
final class RequestsEndpoints {
    private static final int MAX_ENDPOINT_LENGTH = 2048;
    private static final int MAX_HEADERS = 32;
    private static final int MAX_HEADER_VALUE = 4096;
    private static final int MAX_PROBLEMS = 20;
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    // set by the HTTP client or by us; a user value would be ignored or would forge the signature
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "content-type",
            "connection", "expect", "upgrade", "transfer-encoding", "te", "trailer", "keep-alive", "user-agent");

    private final Api api;
    private final AsyncRequests requests;

    RequestsEndpoints(Api api, AsyncRequests requests) {
        this.api = api;
        this.requests = requests;
    }

    void register(Routes routes) {
        routes.addBillable("POST", "/account/v2/request", this::create)
                .add("GET", "/account/v2/request", this::list)
                .add("GET", "/account/v2/request/{id}", call -> call.ok(view(find(call), true)))
                .add("GET", "/account/v2/request/{id}/status", call -> call.ok(view(find(call), false)));
    }

    private ApiResponse create(Call call) {
        ObjectNode body = call.jsonObject();
        JsonNode type = body.get("type");
        if (type != null && !type.isNull() && !AsyncRequests.TYPE_FLOWS.equals(type.asText(null))) {
            throw ApiException.badRequest("type", "must be \"flows\", found " + (type.isTextual() ? "\"" + type.asText() + "\""
                    : Call.describe(type)));
        }
        String flowId = ProcessEndpoints.id(body, "flow", "flow_id");
        List<ObjectNode> records = records(body);
        AsyncRequests.WebhookTarget webhook = webhook(body.get("webhook"));
        StoredFlow flow = api.stores().flows().get(call.account(), flowId)
                .orElseThrow(() -> ApiException.notFound("flow \"" + flowId + "\""));
        call.flow(flow.id());
        if (!flow.valid()) {
            throw new ApiException(409, "flow \"" + flowId + "\" is not valid: " + flow.invalidReason());
        }
        Map<String, Integer> pins = requests.pin(call.account(), flow);
        try {
            requests.snapshot(call.account(), flowId, pins);
        } catch (FlowException e) {
            throw new ApiException(e.status(), e.getMessage(), e.problems());
        }
        if (webhook != null) {
            String secret = api.stores().accounts().get(call.account()).map(Account::webhookSecret).orElse(null);
            if (secret == null || secret.isEmpty()) {
                throw new ApiException(409, "this account has no webhook secret to sign webhooks with");
            }
        }
        List<byte[]> images = images(records);
        AsyncRequest created;
        try {
            created = requests.submit(call.account(), new AsyncRequests.Submission(flowId, pins, records, images, webhook));
        } catch (AsyncRequests.QueueFullException e) {
            throw new ApiException(503, e.getMessage() + "; retry later");
        }
        return call.created(view(created, false));
    }

    private ApiResponse list(Call call) {
        String type = call.request().param("type").filter(t -> !t.isEmpty()).orElse(null);
        RequestStatus status = call.request().param("status").filter(s -> !s.isEmpty()).map(RequestsEndpoints::status)
                .orElse(null);
        return call.ok(Pages.page(call, (offset, limit) -> api.stores().requests().list(call.account(), type, status, offset, limit),
                r -> view(r, false)));
    }

    private static RequestStatus status(String raw) {
        try {
            return RequestStatus.valueOf(raw.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("status", "must be one of " + Arrays.toString(RequestStatus.values())
                    + ", found \"" + raw + "\"");
        }
    }

    private AsyncRequest find(Call call) {
        return api.stores().requests().get(call.account(), call.param("id"))
                .orElseThrow(() -> ApiException.notFound("request \"" + call.param("id") + "\""));
    }

    static ObjectNode view(AsyncRequest r, boolean withResponse) {
        ObjectNode o = Call.JSON.createObjectNode();
        o.put("id", r.id());
        o.put("type", r.type());
        o.put("status", r.status().name());
        o.put("created", r.created().toString());
        o.put("updated", r.updated().toString());
        if (r.error() != null) {
            o.put("error", r.error());
        }
        if (withResponse && r.response() != null) {
            o.set("response", r.response());
        }
        return o;
    }

    // ---- validation ----

    private List<ObjectNode> records(ObjectNode body) {
        int max = api.config().maxAsyncRecords;
        JsonNode records = body.get("records");
        if (records == null || records.isNull()) {
            throw ApiException.badRequest("records", "is required (a list of 1 to " + max + " records)");
        }
        if (!records.isArray()) {
            throw ApiException.badRequest("records", "must be a list of records, found " + Call.describe(records));
        }
        if (records.isEmpty()) {
            throw ApiException.badRequest("records", "is empty; send 1 to " + max + " records");
        }
        if (records.size() > max) {
            throw ApiException.badRequest("records", "has " + records.size() + " records, over the limit of " + max
                    + " per async request");
        }
        List<ObjectNode> out = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            String path = "records[" + i + "]";
            if (!(records.get(i) instanceof ObjectNode o)) {
                problems.add(new Problem(path, "must be an object with _url or _base64, found " + Call.describe(records.get(i))));
                continue;
            }
            if (o.has("_blob")) {
                problems.add(new Problem(path + "._blob", "is a reserved field; send the image in _base64 or _url"));
            }
            JsonNode base64 = o.get(RecordImageSource.BASE64_FIELD);
            JsonNode url = o.get(RecordImageSource.URL_FIELD);
            if (base64 != null && !base64.isNull() && !base64.isTextual()) {
                problems.add(new Problem(path + "._base64", "must be a string, found " + Call.describe(base64)));
            } else if (!hasText(base64)) {
                if (url != null && !url.isNull() && !url.isTextual()) {
                    problems.add(new Problem(path + "._url", "must be a string, found " + Call.describe(url)));
                } else if (!hasText(url)) {
                    problems.add(new Problem(path, "has no image: give _url or _base64"));
                } else {
                    urlProblem(url.asText().strip()).ifPresent(m -> problems.add(new Problem(path + "._url", m)));
                }
            }
            out.add(o);
        }
        throwIfAny(400, problems);
        return out;
    }

    /** Decodes and probes each {@code _base64}: a corrupt or oversized image is refused now, with its path. */
    private List<byte[]> images(List<ObjectNode> records) {
        ImageLimits limits = api.config().imageLimits;
        List<byte[]> images = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        int status = 400;
        for (int i = 0; i < records.size(); i++) {
            JsonNode base64 = records.get(i).get(RecordImageSource.BASE64_FIELD);
            if (!hasText(base64)) {
                images.add(null);
                continue;
            }
            try {
                byte[] bytes = RecordImageSource.decodeBase64(base64.asText(), limits.maxBytes());
                ImageInfo info = ImageDecoder.probe(bytes);
                limits.checkDimensions(info.width(), info.height());
                images.add(bytes);
            } catch (ImageException e) {
                if (problems.isEmpty()) {
                    status = e.status();
                }
                problems.add(new Problem("records[" + i + "]._base64", e.getMessage()));
                images.add(null);
            }
        }
        throwIfAny(status, problems);
        return images;
    }

    private static Optional<String> urlProblem(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.of("must be an http or https URL");
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                return Optional.of("has no host");
            }
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URL: " + e.getReason());
        }
    }

    private AsyncRequests.WebhookTarget webhook(JsonNode webhook) {
        if (webhook == null || webhook.isNull()) {
            return null;
        }
        if (!webhook.isObject()) {
            throw ApiException.badRequest("webhook", "must be an object {\"endpoint\": url, \"headers\"?: {...}}, found "
                    + Call.describe(webhook));
        }
        JsonNode endpoint = webhook.get("endpoint");
        if (endpoint == null || endpoint.isNull()) {
            throw ApiException.badRequest("webhook.endpoint", "is required (the URL to POST the result to)");
        }
        if (!endpoint.isTextual() || endpoint.asText().isBlank()) {
            throw ApiException.badRequest("webhook.endpoint", "must be a URL (a string), found " + Call.describe(endpoint));
        }
        if (endpoint.asText().length() > MAX_ENDPOINT_LENGTH) {
            throw ApiException.badRequest("webhook.endpoint", "is over " + MAX_ENDPOINT_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(endpoint.asText().strip());
            WebhookSender.checkEndpoint(uri, api.config().outbound);
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("webhook.endpoint", "is not a valid URL: " + e.getReason());
        } catch (ImageException e) {
            throw ApiException.badRequest("webhook.endpoint", e.getMessage());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = webhook.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                throw ApiException.badRequest("webhook.headers", "must be an object of header names to values, found "
                        + Call.describe(h));
            }
            if (h.size() > MAX_HEADERS) {
                throw ApiException.badRequest("webhook.headers", "has " + h.size() + " headers, over the limit of " + MAX_HEADERS);
            }
            List<Problem> problems = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : h.properties()) {
                String name = e.getKey();
                String path = "webhook.headers." + name;
                String lower = name.toLowerCase(Locale.ROOT);
                if (!HEADER_NAME.matcher(name).matches()) {
                    problems.add(new Problem(path, "is not a valid header name"));
                } else if (RESERVED_HEADERS.contains(lower) || lower.startsWith("x-visionflow-") || lower.startsWith("proxy-")) {
                    problems.add(new Problem(path, "is set by Visionflow and cannot be given"));
                } else if (!e.getValue().isTextual()) {
                    problems.add(new Problem(path, "must be a string, found " + Call.describe(e.getValue())));
                } else if (e.getValue().asText().length() > MAX_HEADER_VALUE
                        || e.getValue().asText().chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                    problems.add(new Problem(path, "must be at most " + MAX_HEADER_VALUE
                            + " characters without line breaks or control characters"));
                } else {
                    headers.put(name, e.getValue().asText());
                }
            }
            throwIfAny(400, problems);
        }
        return new AsyncRequests.WebhookTarget(uri, headers);
    }

    private static boolean hasText(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank();
    }

    private static void throwIfAny(int status, List<Problem> problems) {
        if (problems.isEmpty()) {
            return;
        }
        List<Problem> shown = problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems;
        throw new ApiException(status, problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1)
                + " more)" : ""), shown);
    }
}
