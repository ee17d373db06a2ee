package io.visionflow.local;

import io.visionflow.service.BuiltinServices;
import io.visionflow.store.BlobModelSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.api.Api;
import io.visionflow.store.Stores;
import io.visionflow.store.memory.MemoryStores;
import io.visionflow.task.BackendRunners;
import io.visionflow.task.onnx.PretrainedModels;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A real local server on a free port with the demo registered on in-memory stores:
 * {@code TestServer.run(server -> ...)}.
 */
final class TestServer {
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

    private TestServer(LocalServer server, Stores stores, List<String> accessLog) {
        this.server = server;
        this.stores = stores;
        this.accessLog = accessLog;
    }

    static void run(Body body) throws Exception {
        run(c -> { }, body);
    }

    static void run(Consumer<LocalServer.Config> configure, Body body) throws Exception {
        Stores stores = MemoryStores.create();
        LocalAccount account = LocalAccount.open(stores, Files.createTempDirectory("vf-test"), TOKEN);
        DemoSetup.register(stores, account.id(), PretrainedModels.modelsDir());
        List<String> log = new CopyOnWriteArrayList<>();
        try (BackendRunners runners = new BackendRunners(new BlobModelSource(stores.blobs(), account.id()));
             BuiltinServices services = BuiltinServices.open(PretrainedModels.modelSource());
             Api api = Api.create(c -> {
                 c.stores = stores;
                 c.runners = runners;
                 c.services = services.catalog();
             });
             LocalServer server = LocalServer.start(c -> {
                 c.api = api;
                 c.port = 0;
                 c.accessLog = log::add;
                 configure.accept(c);
             })) {
            body.run(new TestServer(server, stores, log));
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
