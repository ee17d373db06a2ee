package io.visionflow.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the public Python {@code ximilar-client} (GitHub {@code pdhbo/ximilar-client},
 * {@code ximilar/client/client.py} and the clients built on its {@code RestClient}) sends, replayed:
 * the URLs its {@code urljoin} builds, its headers, its {@code json.dumps} bodies, the workspace its
 * {@code RecognitionClient} adds, and the way it follows {@code next}. Described from its source,
 * not copied. It talks to a {@link Transport}, so that one suite runs against every host.
 */
public final class XimilarPyClient {
    /** constants.py DEFAULT_WORKSPACE: a client with it adds no workspace. */
    public static final String DEFAULT_WORKSPACE = "Default";
    static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP exchange with a host: the request as python-requests sends it, the raw answer. */
    @FunctionalInterface
    public interface Transport {
        Reply send(String method, URI url, Map<String, String> headers, byte[] body) throws Exception;
    }

    /** An answer; header names lower-case. */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        /** {@code result.json()}: the body decoded as python-requests does (gzip) and parsed; a test failure when it is not JSON. */
        public JsonNode json() {
            String text = text();
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON (the client's result.json() raises): HTTP " + status + " " + text, e);
            }
        }

        public String text() {
            byte[] bytes = body;
            if ("gzip".equalsIgnoreCase(headers.getOrDefault("content-encoding", ""))) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    bytes = in.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private final Transport transport;
    final String endpoint;
    private final String token;
    private final String workspace;
    /** Every URL requested, in order. */
    public final List<String> urls;

    public XimilarPyClient(Transport transport, String endpoint, String token) {
        this(transport, endpoint, token, DEFAULT_WORKSPACE, new CopyOnWriteArrayList<>());
    }

    private XimilarPyClient(Transport transport, String endpoint, String token, String workspace, List<String> urls) {
        this.transport = transport;
        this.endpoint = endpoint;
        this.token = token;
        this.workspace = workspace;
        this.urls = urls;
    }

    /** The same client with another token (RestClient.__init__'s token). */
    public XimilarPyClient withToken(String other) {
        return new XimilarPyClient(transport, endpoint, other, workspace, urls);
    }

    /**
     * A RecognitionClient (DetectionClient, AsyncRClient) given {@code workspace=}, or an entity
     * (Task, ...) that took its "workspace" from the JSON it was built from: recognition.py's
     * {@code get/post/put/delete} pass their params and data through client.py's
     * {@code add_workspace}, which adds {@code workspace} unless it is DEFAULT_WORKSPACE.
     */
    public XimilarPyClient withWorkspace(String ws) {
        return new XimilarPyClient(transport, endpoint, token, ws, urls);
    }

    public String endpoint() {
        return endpoint;
    }

    /** client.py RestClient.urljoin: every part stripped of leading and trailing slashes, joined with "/". */
    public static String urljoin(String... parts) {
        return Arrays.stream(parts).map(p -> p.replaceAll("/+$", "").replaceAll("^/+", "")).collect(Collectors.joining("/"));
    }

    /** client.py self.headers (a token under 70 characters is "Token", else "JWT"), and what python-requests adds itself. */
    Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("Authorization", (token.length() < 70 ? "Token " : "JWT ") + token);
        h.put("User-Agent", "Ximilar Client/Python");
        h.put("Accept-Encoding", "gzip, deflate");
        h.put("Accept", "*/*");
        return h;
    }

    private Reply send(String method, String url, byte[] body) {
        urls.add(url);
        try {
            return transport.send(method, URI.create(url), headers(), body);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + url + ": " + e, e);
        }
    }

    // ---- RestClient ----

    /**
     * RestClient.get (through RecognitionClient.get: {@code add_workspace(params, api_endpoint)}
     * adds the workspace unless the URL already holds it), {@code requests.get(urljoin(endpoint,
     * api_endpoint), params=...)}: requests appends the params to a query the URL already has.
     */
    public Reply get(String apiEndpoint) {
        String url = urljoin(endpoint, apiEndpoint);
        if (!DEFAULT_WORKSPACE.equals(workspace) && !apiEndpoint.contains(workspace)) {
            url += (url.contains("?") ? "&" : "?") + "workspace=" + URLEncoder.encode(workspace, StandardCharsets.UTF_8);
        }
        return send("GET", url, null);
    }

    /** RestClient.post: {@code json.dumps(add_workspace(data))} to {@code urljoin(endpoint, api_endpoint)}. */
    public Reply post(String apiEndpoint, ObjectNode data) {
        ObjectNode body = data.deepCopy();
        if (!DEFAULT_WORKSPACE.equals(workspace)) {
            body.put("workspace", workspace);
        }
        return send("POST", urljoin(endpoint, apiEndpoint), body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** RestClient.delete: {@code urllib.parse.urljoin(endpoint, api_endpoint)}, a 204 returned as is, else result.json(). */
    public Reply delete(String apiEndpoint) {
        return send("DELETE", URI.create(endpoint).resolve(apiEndpoint).toString(), null);
    }

    /**
     * RestClient.get_all_paginated_items: GET the url; "results" in the answer → collect them and stop
     * when {@code result["next"] is None}, else follow {@code next} with the client's endpoint (and
     * its http variant, and "http://localhost/api/") replaced by "" and the rest joined to the
     * endpoint again; no "results" → the error branch. Checks each page's keys and types on the way:
     * a missing "next" is a KeyError, and a next that does not lead to the following page loops or fails.
     *
     * @param eachPage called with every page, for the caller's own checks
     */
    public List<JsonNode> allPaginated(String url, java.util.function.Consumer<JsonNode> eachPage) {
        List<JsonNode> items = new ArrayList<>();
        for (int pages = 1; ; pages++) {
            Reply r = get(url);
            JsonNode result = r.json();
            assertThat(result.has("results")).as("\"results\" in the page of " + url + ": " + result).isTrue();
            assertThat(r.status()).as(url).isEqualTo(200);
            eachPage.accept(result);
            result.get("results").forEach(items::add);
            assertThat(result.has("next")).as("\"next\" in " + result).isTrue();
            JsonNode next = result.get("next");
            if (next.isNull()) {
                return items;
            }
            assertThat(next.isTextual()).as("next is a string: " + next).isTrue();
            assertThat(pages).as("pages followed from " + url).isLessThan(1000);
            url = next.asText().replace(endpoint, "").replace(endpoint.replace("https", "http"), "")
                    .replace("http://localhost/api/", "");
        }
    }

    // ---- bodies ----

    /** A record after client.py preprocess_records: the client keeps "_file" and adds "_base64". */
    public static ObjectNode record(Path file) {
        ObjectNode r = JSON.createObjectNode();
        r.put("_file", file.toString());
        r.put("_base64", loadBase64File(file));
        return r;
    }

    /**
     * client.py load_base64_file: the file's bytes in plain base64 under 0.1 MB; else OpenCV's JPEG
     * (quality 96, the shorter side 512 px when both are larger) as a {@code data:image/jpeg;base64,} URI.
     */
    public static String loadBase64File(Path path) {
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length / (1024.0 * 1024.0) < 0.1) {
                return Base64.getEncoder().encodeToString(bytes);
            }
            return dataUri(ImageIO.read(new ByteArrayInputStream(bytes)), 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** client.py cv2img_to_base64: resize_image_data (get_aspect_ratio_dim) then a JPEG of quality 96 as a data URI. */
    public static String dataUri(BufferedImage image, int maxImageSize) throws IOException {
        int w = image.getWidth();
        int h = image.getHeight();
        if (w > maxImageSize && h > maxImageSize) {
            double r = (double) maxImageSize / Math.min(w, h);
            BufferedImage small = new BufferedImage((int) (w * r), (int) (h * r), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = small.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, small.getWidth(), small.getHeight(), null);
            g.dispose();
            image = small;
        } else if (image.getType() != BufferedImage.TYPE_INT_RGB) {
            BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            rgb.createGraphics().drawImage(image, 0, 0, null);
            image = rgb;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.96f);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        }
        writer.dispose();
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** Header names lower-cased, as {@link Reply} holds them. */
    public static Map<String, String> lowerCase(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }
}
