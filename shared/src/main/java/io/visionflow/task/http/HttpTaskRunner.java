package io.visionflow.task.http;

import io.visionflow.json.Mappers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.image.Png;
import io.visionflow.net.OutboundHttp;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.net.RefusedAddressException;
import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs a task whose backend is a remote model server ({@link HttpBackend}) speaking the
 * classify/detect wire format of DESIGN sections 1 and 3: {@code POST url} with
 * {@code {"records": [{"_base64": <image>}], "task_id"?: <remote task id>}} (detection also sends
 * {@code keep_prob}) and the backend's headers; the answer is read from the first record's
 * {@code best_label}/{@code labels} or {@code _objects}.
 *
 * <p>Every failure is a {@link TaskException}: 504 when the call times out (connect or whole call),
 * 502 for everything the remote side got wrong (unreachable, non-2xx, redirect, oversized or
 * malformed answer, a record {@code _status} of 400 or more). Label names are mapped to the local
 * task's label ids; a name the local task does not know keeps its name and gets a {@code null} id.
 *
 * <p>The server's address must pass the {@link OutboundPolicy} of the settings: it is checked when the
 * runner is made and for every new connection, which goes only to the checked address
 * ({@link OutboundHttp}). The runner keeps a pool of keep-alive connections to its server. Redirects
 * are not followed. Thread-safe; {@link #close()} releases the connections.
 */
public final class HttpTaskRunner implements TaskRunner {

    /** How the image travels in {@code _base64}. */
    public enum ImageFormat {
        /** Lossy but small; transparent pixels are flattened on white. */
        JPEG,
        /** Lossless: for servers (or tests) that must see exact pixel values. */
        PNG
    }

    /**
     * @param connectTimeout   time to open the TCP/TLS connection
     * @param callTimeout      time for the whole call, from sending to the last byte of the answer
     * @param maxResponseBytes larger answers are refused (a remote server must not exhaust memory)
     * @param imageFormat      encoding of the image sent
     * @param jpegQuality      0..1, for {@link ImageFormat#JPEG}
     * @param policy           which addresses model servers may have
     */
    public record Settings(Duration connectTimeout, Duration callTimeout, long maxResponseBytes,
                           ImageFormat imageFormat, float jpegQuality, OutboundPolicy policy) {
        /** Public addresses only, unless {@code VISIONFLOW_ALLOW_LOOPBACK=true} (see {@link OutboundPolicy}). */
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 8L << 20,
                ImageFormat.JPEG, 0.92f, OutboundPolicy.fromEnvironment());

        public Settings {
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(callTimeout, "callTimeout");
            if (maxResponseBytes <= 0 || maxResponseBytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxResponseBytes must be between 1 and 2^31 - 9");
            }
            Objects.requireNonNull(imageFormat, "imageFormat");
            if (!(jpegQuality > 0 && jpegQuality <= 1)) {
                throw new IllegalArgumentException("jpegQuality must be in (0, 1]");
            }
            Objects.requireNonNull(policy, "policy");
        }

        public Settings withConnectTimeout(Duration d) {
            return new Settings(d, callTimeout, maxResponseBytes, imageFormat, jpegQuality, policy);
        }

        public Settings withCallTimeout(Duration d) {
            return new Settings(connectTimeout, d, maxResponseBytes, imageFormat, jpegQuality, policy);
        }

        public Settings withMaxResponseBytes(long n) {
            return new Settings(connectTimeout, callTimeout, n, imageFormat, jpegQuality, policy);
        }

        public Settings withPolicy(OutboundPolicy p) {
            return new Settings(connectTimeout, callTimeout, maxResponseBytes, imageFormat, jpegQuality, p);
        }

        public Settings withImageFormat(ImageFormat f) {
            return new Settings(connectTimeout, callTimeout, maxResponseBytes, f, jpegQuality, policy);
        }

        private static void requirePositive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }

    private static final ObjectMapper JSON = Mappers.create();
    private static final int SNIPPET = 200;

    private final Task task;
    private final HttpBackend backend;
    private final URI uri;
    private final Settings settings;
    private final OutboundHttp http;

    /** A runner with {@link Settings#DEFAULTS}. */
    public HttpTaskRunner(Task task) {
        this(task, Settings.DEFAULTS);
    }

    /**
     * @throws IllegalArgumentException when the task's backend is not http, its URL is not an
     *                                  absolute http(s) URL, its address is refused by the policy or a
     *                                  header cannot be sent (a name that does not resolve yet passes)
     */
    public HttpTaskRunner(Task task, Settings settings) {
        this.task = Objects.requireNonNull(task, "task");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (!(task.backend() instanceof HttpBackend http)) {
            throw new IllegalArgumentException("task " + task.id() + " does not have an http backend");
        }
        this.backend = http;
        this.uri = parseUrl(http.url());
        try {
            settings.policy().resolve(uri);
        } catch (RefusedAddressException e) {
            throw new IllegalArgumentException("http backend url " + where() + " is refused: " + e.getMessage(), e);
        } catch (UnknownHostException e) {
            // checked again for every new connection
        }
        // Fail at registration, not on every call: framing headers and control characters are refused.
        http.headers().forEach((name, value) -> {
            try {
                OutboundHttp.checkHeader(name, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("header \"" + name + "\" cannot be set on an http backend: "
                        + e.getMessage(), e);
            }
        });
        this.http = new OutboundHttp(OutboundHttp.Settings.of(settings.policy()));
    }

    @Override
    public void close() {
        http.close();
    }

    public Task task() {
        return task;
    }

    @Override
    public Classification classify(BufferedImage image) throws TaskException {
        requireKind(TaskKind.CLASSIFICATION);
        JsonNode record = call(image, null);
        JsonNode labels = record.get("labels");
        List<LabelProb> result = new ArrayList<>();
        if (labels != null && !labels.isNull()) {
            if (!labels.isArray()) {
                throw malformed("\"labels\" is not a list");
            }
            for (int i = 0; i < labels.size(); i++) {
                result.add(labelProb(labels.get(i), "labels[" + i + "]"));
            }
        } else if (record.hasNonNull("best_label")) {
            result.add(labelProb(record.get("best_label"), "best_label"));
        } else {
            throw malformed("the record has neither \"labels\" nor \"best_label\"");
        }
        if (result.isEmpty()) {
            throw malformed("\"labels\" is empty");
        }
        // The runner contract is "every label of the task": labels the server left out (a top-k
        // answer) are listed with probability 0 rather than silently missing.
        Set<String> seen = new HashSet<>();
        result.forEach(l -> seen.add(l.name()));
        for (Label local : task.labels()) {
            if (!seen.contains(local.name())) {
                result.add(new LabelProb(local.id(), local.name(), 0));
            }
        }
        return new Classification(result);
    }

    @Override
    public List<DetectedObject> detect(BufferedImage image, double minProb) throws TaskException {
        requireKind(TaskKind.DETECTION);
        JsonNode record = call(image, minProb);
        JsonNode objects = record.get("_objects");
        if (objects == null || !objects.isArray()) {
            throw malformed(objects == null ? "the record has no \"_objects\"" : "\"_objects\" is not a list");
        }
        List<DetectedObject> result = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            String where = "_objects[" + i + "]";
            JsonNode o = objects.get(i);
            if (!o.isObject()) {
                throw malformed(where + " is not an object");
            }
            String name = text(o, "name", where);
            double prob = prob(o, where);
            JsonNode bb = o.get("bound_box");
            if (bb == null || !bb.isArray() || bb.size() != 4) {
                throw malformed(where + ".bound_box is not a list of 4 numbers");
            }
            double[] c = new double[4];
            for (int k = 0; k < 4; k++) {
                if (!bb.get(k).isNumber() || !Double.isFinite(bb.get(k).asDouble())) {
                    throw malformed(where + ".bound_box[" + k + "] is not a number");
                }
                c[k] = bb.get(k).asDouble();
            }
            if (prob < minProb) {
                continue;
            }
            Box box = new Box(Math.min(c[0], c[2]), Math.min(c[1], c[3]), Math.max(c[0], c[2]), Math.max(c[1], c[3]))
                    .clip(image.getWidth(), image.getHeight());
            result.add(new DetectedObject(localId(name), name, prob, box));
        }
        result.sort(Comparator.comparingDouble(DetectedObject::prob).reversed());
        return result;
    }

    private void requireKind(TaskKind kind) throws TaskException {
        if (task.kind() != kind) {
            throw new TaskException(500, "task " + task.id() + " is a " + task.kind().wire() + " task");
        }
    }

    /** Sends one record and returns the first record of the answer, after every transport and status check. */
    private JsonNode call(BufferedImage image, Double keepProb) throws TaskException {
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        headers.putAll(backend.headers());
        OutboundHttp.Response response = send(OutboundHttp.Request.post(uri, headers, requestBody(image, keepProb)));
        int status = response.status();
        if (status < 200 || status > 299) {
            throw new TaskException(502, "remote model server " + where() + " answered HTTP " + status
                    + remoteDetail(response.body()));
        }
        JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new TaskException(502, "remote model server " + where() + " answered invalid JSON: "
                    + snippet(response.body()), e);
        }
        if (root == null || !root.isObject()) {
            throw malformed("the answer is not a JSON object");
        }
        // Some servers report a failed request in the envelope with HTTP 200.
        int envelopeCode = root.path("status").path("code").asInt(200);
        if (envelopeCode >= 400) {
            throw new TaskException(502, "remote model server " + where() + " answered status " + envelopeCode
                    + remoteDetail(response.body()));
        }
        JsonNode records = root.get("records");
        if (records == null || !records.isArray() || records.isEmpty()) {
            throw malformed("the answer has no \"records\" list with a record");
        }
        JsonNode record = records.get(0);
        if (!record.isObject()) {
            throw malformed("records[0] is not an object");
        }
        JsonNode recordStatus = record.get("_status");
        if (recordStatus != null && recordStatus.isObject()) {
            int code = recordStatus.path("code").asInt(200);
            if (code >= 400) {
                String text = recordStatus.path("text").asText("");
                throw new TaskException(502, "remote model server " + where() + " failed the record: " + code
                        + (text.isEmpty() ? "" : " " + text));
            }
        }
        return record;
    }

    private OutboundHttp.Response send(OutboundHttp.Request request) throws TaskException {
        OutboundHttp.Response response;
        try {
            response = http.send(request, settings.connectTimeout(), settings.callTimeout(),
                    OutboundHttp.BodyLimit.upTo(settings.maxResponseBytes()));
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new TaskException(504, "call to remote model server " + where() + " was interrupted", e);
        } catch (OutboundHttp.Failure f) {
            throw switch (f.kind()) {
                case REFUSED -> new TaskException(502, "remote model server " + where() + " is refused: " + f.getMessage(), f);
                case UNKNOWN_HOST -> new TaskException(502, "cannot reach remote model server " + where()
                        + ": unknown host " + uri.getHost(), f);
                case CONNECT_TIMEOUT -> new TaskException(504, "connecting to remote model server " + where()
                        + " timed out after " + settings.connectTimeout().toMillis() + " ms", f);
                case CONNECT_REFUSED -> new TaskException(502, "cannot reach remote model server " + where()
                        + ": connection refused", f);
                case TIMEOUT -> timeout(f);
                case TLS, FAILED -> new TaskException(502, "cannot reach remote model server " + where() + ": "
                        + f.getMessage(), f);
            };
        }
        if (response.tooLarge()) {
            throw new TaskException(502, "remote model server " + where() + " answered more than "
                    + settings.maxResponseBytes() + " bytes");
        }
        return response;
    }

    private TaskException timeout(Throwable cause) {
        return new TaskException(504, "remote model server " + where() + " did not answer within "
                + settings.callTimeout().toMillis() + " ms", cause);
    }

    private byte[] requestBody(BufferedImage image, Double keepProb) throws TaskException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode records = body.putArray("records");
        records.addObject().put("_base64", Base64.getEncoder().encodeToString(encode(image)));
        if (backend.task() != null) {
            body.put("task_id", backend.task()); // Ximilar's name; Visionflow takes both
        }
        if (keepProb != null) {
            body.put("keep_prob", keepProb);
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new TaskException(500, "cannot write the request to " + where(), e);
        }
    }

    private byte[] encode(BufferedImage image) throws TaskException {
        try {
            return settings.imageFormat() == ImageFormat.PNG ? Png.encode(image) : Png.jpeg(image, settings.jpegQuality());
        } catch (IOException | RuntimeException e) {
            throw new TaskException(500, "cannot encode the image for " + where() + ": " + e.getMessage(), e);
        }
    }

    private LabelProb labelProb(JsonNode node, String where) throws TaskException {
        if (node == null || !node.isObject()) {
            throw malformed(where + " is not an object");
        }
        String name = text(node, "name", where);
        return new LabelProb(localId(name), name, prob(node, where));
    }

    private String localId(String name) {
        return task.label(name).map(Label::id).orElse(null);
    }

    private String text(JsonNode node, String field, String where) throws TaskException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw malformed(where + "." + field + " is missing or not a string");
        }
        return v.asText();
    }

    private double prob(JsonNode node, String where) throws TaskException {
        JsonNode v = node.get("prob");
        if (v == null || !v.isNumber()) {
            throw malformed(where + ".prob is missing or not a number");
        }
        double p = v.asDouble();
        if (!(p >= 0 && p <= 1)) {
            throw malformed(where + ".prob " + v + " is not between 0 and 1");
        }
        return p;
    }

    private TaskException malformed(String why) {
        return new TaskException(502, "remote model server " + where() + " answered an unexpected result: " + why);
    }

    /** Host and path only: the query string may carry a key. */
    private String where() {
        return uri.getScheme() + "://" + uri.getAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** The error text of a Visionflow-style error body ({@code detail} or {@code status.text}), else a snippet. */
    private static String remoteDetail(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (root != null && root.isObject()) {
                String detail = root.path("detail").asText("");
                if (detail.isEmpty()) {
                    detail = root.path("status").path("text").asText("");
                }
                if (!detail.isEmpty()) {
                    return ": " + truncate(detail);
                }
            }
        } catch (IOException ignored) {
            // not JSON: fall back to the raw text
        }
        return ": " + snippet(body);
    }

    private static String snippet(byte[] body) {
        return truncate(new String(body, 0, Math.min(body.length, SNIPPET * 4), StandardCharsets.UTF_8).strip());
    }

    private static String truncate(String s) {
        return s.length() <= SNIPPET ? s : s.substring(0, SNIPPET) + "...";
    }

    private static URI parseUrl(String url) {
        URI u;
        try {
            u = URI.create(Objects.requireNonNull(url, "url"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("http backend url is not a valid URL: " + url, e);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("http backend url must be an absolute http or https URL: " + url);
        }
        return u;
    }
}
