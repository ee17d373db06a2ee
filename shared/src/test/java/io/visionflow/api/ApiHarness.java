package io.visionflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.store.Account;
import io.visionflow.store.BlobStore;
import io.visionflow.store.Page;
import io.visionflow.store.StoredFlow;
import io.visionflow.store.StoredTask;
import io.visionflow.store.Stores;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.http.HttpTaskRunner;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@link Api} on in-memory stores and real ONNX runners over the blob store, with two accounts
 * ({@link #A}, {@link #B}) and helpers that send real requests through {@link Api#handle}.
 */
final class ApiHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String A = "acct-a";
    static final String B = "acct-b";
    static final String TOKEN_A = "token-of-a-0123456789";
    static final String TOKEN_B = "token-of-b-0123456789";

    final Stores stores;
    final AtomicInteger blobPuts = new AtomicInteger();
    final BackendRunners runners;
    final Api api;

    ApiHarness() {
        this(cfg -> {
        });
    }

    ApiHarness(Consumer<Api.Config> more) {
        Stores m = MemoryStores.create();
        BlobStore blobs = m.blobs();
        // counts writes, so tests can tell that a rejected request stored nothing
        BlobStore counting = new BlobStore() {
            @Override
            public String put(String account, String kind, byte[] bytes) {
                blobPuts.incrementAndGet();
                return blobs.put(account, kind, bytes);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return blobs.get(key);
            }

            @Override
            public Path localFile(String key) throws IOException {
                return blobs.localFile(key);
            }

            @Override
            public boolean delete(String key) {
                return blobs.delete(key);
            }
        };
        stores = new Stores(m.accounts(), m.flows(), m.tasks(), counting, m.requests(), m.usage());
        for (String[] a : new String[][] {{A, TOKEN_A}, {B, TOKEN_B}}) {
            stores.accounts().create(new Account(a[0], a[0], "secret-" + a[0], Instant.now()));
            stores.accounts().addToken(a[0], Tokens.hash(a[1]));
        }
        // as hosts do: model ids in stored tasks are blob keys, resolved through the blob store;
        // the development setting on, since model servers, images and webhook receivers run on loopback
        runners = new BackendRunners(key -> stores.blobs().localFile(key), 1,
                HttpTaskRunner.Settings.DEFAULTS.withPolicy(OutboundPolicy.allowingPrivate()));
        api = Api.create(cfg -> {
            cfg.stores = stores;
            cfg.runners = runners;
            cfg.outbound = OutboundPolicy.allowingPrivate();
            more.accept(cfg);
        });
    }

    @Override
    public void close() {
        api.close();
        runners.close();
    }

    // ---- requests ----

    ApiResponse call(String method, String path, String token, String body) {
        return api.handle(ApiRequest.json(method, path, token, body));
    }

    /** A request answered with {@code status}; its JSON body. */
    JsonNode expect(int status, String method, String path, String token, String body) {
        ApiResponse r = call(method, path, token, body);
        assertThat(r.status()).as(method + " " + path + " answered " + r.bodyText()).isEqualTo(status);
        return r.body().length == 0 ? JSON.nullNode() : r.bodyJson();
    }

    JsonNode ok(String method, String path, String token, String body) {
        return expect(200, method, path, token, body);
    }

    ApiResponse upload(String token, byte[] model, String contentType) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", contentType);
        if (token != null) {
            headers.put("authorization", "Token " + token);
        }
        return api.handle(new ApiRequest("POST", "/models/v2/model/", Map.of(), headers, model));
    }

    /** Uploads a model as the raw body; its id. */
    String uploadModel(String token, byte[] model) {
        ApiResponse r = upload(token, model, "application/octet-stream");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(201);
        return r.bodyJson().get("id").asText();
    }

    static byte[] multipart(String boundary, String partName, String filename, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("preamble to ignore\r\n--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + partName + "\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    // ---- tasks, flows ----

    /** A classification task over a hand-set 32×32 test model; its id. */
    String classifier(String token, String modelId, String name, String... labels) {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name);
        var l = body.putArray("labels");
        for (String s : labels) {
            l.add(s);
        }
        body.putObject("backend").put("kind", "onnx").put("model", modelId)
                .<ObjectNode>set("preprocessing", JSON.createObjectNode().put("width", 32).put("height", 32))
                .putObject("output").put("decoder", "classifier").put("activation", "softmax");
        return expect(201, "POST", "/recognition/v2/task/", token, body.toString()).get("id").asText();
    }

    String flow(String token, String json) {
        return expect(201, "POST", "/flows/v2/flow/", token, json).get("id").asText();
    }

    static String fashion(String garment, String sleeve, String colour) {
        return """
                {"name": "fashion", "description": "garment, then its details", "top_node": {"type": "branch_selector",
                 "id": "category", "task": "%s", "field": "fashion_category", "branches": [
                   {"label": "Shirt", "action": {"type": "recognition", "id": "sleeve", "task": "%s", "output_field": "sleeve_length"}},
                   {"label": "Pants", "action": {"type": "recognition", "id": "pants", "task": "%s", "output_field": "pants_colour"}}]}}"""
                .formatted(garment, sleeve, colour);
    }

    // ---- images and models ----

    static byte[] testModel(String name) {
        try (InputStream in = ApiHarness.class.getResourceAsStream("/models/" + name)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing test model " + name, e);
        }
    }

    static BufferedImage plain(Color colour, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    static BufferedImage topAndBottom(Color top, Color bottom, int w, int h) {
        BufferedImage img = plain(bottom, w, h);
        Graphics2D g = img.createGraphics();
        g.setColor(top);
        g.fillRect(0, 0, w, h / 2);
        g.dispose();
        return img;
    }

    static String png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    static String record(BufferedImage image) {
        return "{\"_base64\": \"" + png(image) + "\"}";
    }

    /** Waits until every async request of the account is DONE or ERROR (60 s at most: a loaded machine may be slow). */
    void awaitRequestsFinished(String account) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (stores.requests().list(account, null, null, 0, 1000).items().stream()
                .anyMatch(r -> r.status() != io.visionflow.store.RequestStatus.DONE && r.status() != io.visionflow.store.RequestStatus.ERROR)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("async requests of " + account + " still unfinished after 60 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    // ---- what is stored, to compare before and after a rejected request ----

    record Snapshot(List<String> flows, List<String> tasks, List<String> usage, int blobPuts) {
    }

    Snapshot snapshot() {
        List<String> flows = new ArrayList<>();
        List<String> tasks = new ArrayList<>();
        List<String> usage = new ArrayList<>();
        for (String account : List.of(A, B)) {
            Page<StoredFlow> f = stores.flows().list(account, 0, 1000);
            f.items().forEach(x -> flows.add(x.id() + "@" + x.version() + " " + x.valid() + " " + x.invalidReason() + " " + x.definition()));
            Page<StoredTask> t = stores.tasks().list(account, null, 0, 1000);
            t.items().forEach(x -> tasks.add(x.task() + "@" + x.version()));
            stores.usage().usage(account, LocalDate.now().minusDays(2), LocalDate.now().plusDays(2))
                    .forEach(u -> usage.add(account + " " + u));
        }
        return new Snapshot(flows, tasks, usage, blobPuts.get());
    }
}
