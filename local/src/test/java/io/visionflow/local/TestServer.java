package io.visionflow.local;

import io.visionflow.service.BuiltinServices;
import io.visionflow.store.BlobModelSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.api.Api;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.store.Stores;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.http.HttpTaskRunner;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A real local server on a free port with the demo registered on in-memory stores:
 * {@code TestServer.run(server -> ...)}, or {@link #start} for a server a test class keeps.
 */
final class TestServer implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface Body {
        void run(TestServer server) throws Exception;
    }

    final LocalServer server;
    final Stores stores;
    final List<String> accessLog;
    final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> owned;

    private TestServer(LocalServer server, Stores stores, List<String> accessLog, List<AutoCloseable> owned) {
        this.server = server;
        this.stores = stores;
        this.accessLog = accessLog;
        this.owned = owned;
    }

    static void run(Body body) throws Exception {
        run(c -> { }, body);
    }

    static void run(Consumer<LocalServer.Config> configure, Body body) throws Exception {
        try (TestServer s = start(configure, OutboundPolicy.fromEnvironment())) {
            body.run(s);
        }
    }

    /**
     * A started server whose images, webhooks and http tasks may reach what {@code outbound} allows,
     * as {@code serve --allow-loopback} sets it; closing it stops the server and closes the API and
     * the model runners.
     */
    static TestServer start(Consumer<LocalServer.Config> configure, OutboundPolicy outbound) throws Exception {
        Stores stores = MemoryStores.create();
        LocalAccount account = LocalAccount.open(stores, Files.createTempDirectory("vf-test"), TOKEN);
        DemoSetup.register(stores, account.id(), PretrainedModels.modelsDir());
        List<String> log = new CopyOnWriteArrayList<>();
        // closed in reverse order of opening
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            BackendRunners runners = new BackendRunners(new BlobModelSource(stores.blobs(), account.id()), 1,
                    HttpTaskRunner.Settings.DEFAULTS.withPolicy(outbound));
            owned.add(0, runners);
            BuiltinServices services = BuiltinServices.open(PretrainedModels.modelSource());
            owned.add(0, services);
            Api api = Api.create(c -> {
                c.stores = stores;
                c.runners = runners;
                c.services = services.catalog();
                c.outbound = outbound;
            });
            owned.add(0, api);
            LocalServer server = LocalServer.start(c -> {
                c.api = api;
                c.port = 0;
                c.accessLog = log::add;
                configure.accept(c);
            });
            owned.add(0, server);
            return new TestServer(server, stores, log, owned);
        } catch (Exception | Error e) {
            closeAll(owned, e);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void closeAll(List<AutoCloseable> owned, Throwable cause) {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
    }

    URI uri(String path) {
        return server.uri().resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Token " + TOKEN)
                .header("Content-Type", "application/json");
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    static byte[] sample(String name) throws IOException {
        try (InputStream in = TestServer.class.getResourceAsStream("/samples/" + name)) {
            return in.readAllBytes();
        }
    }

    static String base64(String sample) throws IOException {
        return Base64.getEncoder().encodeToString(sample(sample));
    }
}
