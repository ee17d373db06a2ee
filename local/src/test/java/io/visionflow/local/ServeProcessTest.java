package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.task.onnx.PretrainedModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code visionflow serve} as a real child process: the demo answers, and after a {@code kill -9}
 * a restart on the same data directory keeps the flows and the token.
 */
class ServeProcessTest {

    /** A started child and what its banner said. */
    record Child(Process process, URI url, List<String> banner) {
    }

    static Child serve(Path data, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-D" + PretrainedModels.MODELS_DIR_PROPERTY + "=" + PretrainedModels.modelsDir().toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--port", "0", "--data", data.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove(LocalAccount.TOKEN_ENV);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> banner = new ArrayList<>();
        URI url = null;
        for (String line; (line = out.readLine()) != null; ) {
            banner.add(line);
            if (line.startsWith("Visionflow listening on ")) {
                url = URI.create(line.substring("Visionflow listening on ".length()).split(" ")[0]);
            }
            if (line.equals("ready")) {
                return new Child(p, url, banner);
            }
        }
        p.destroyForcibly();
        throw new IOException("serve ended before it was ready: " + banner);
    }

    @Test
    void survivesKillMinus9WithItsFlowsAndToken(@TempDir Path data) throws Exception {
        Child first = serve(data, "--demo");
        String token;
        String asyncRequestId;
        try {
            assertThat(first.banner()).anyMatch(l -> l.startsWith("demo flow  faces-and-text "))
                    .anyMatch(l -> l.startsWith("demo flow  faces-and-text-nested "))
                    .anyMatch(l -> l.startsWith("demo flow  faces-and-text-services "))
                    .anyMatch(l -> l.startsWith("try:  curl -s " + first.url() + "flows/v2/process"));
            String tokenLine = first.banner().stream().filter(l -> l.startsWith("token (new")).findFirst().orElseThrow();
            token = tokenLine.substring(tokenLine.lastIndexOf(' ') + 1);
            assertThat(Files.readString(data.resolve("token")).trim()).isEqualTo(token);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("token")))).isEqualTo("rw-------");
            assertFacesFound(new ApiClient(first.url(), token), "faces-and-text");
            assertFacesFound(new ApiClient(first.url(), token), "faces-and-text-nested");
            // an async request the kill interrupts: 40 text images keep the worker busy for seconds
            asyncRequestId = submitAsync(new ApiClient(first.url(), token), 40);
        } finally {
            first.process().destroyForcibly();  // SIGKILL: no shutdown hook runs
            first.process().waitFor(30, TimeUnit.SECONDS);
        }

        Child second = serve(data);
        try {
            assertThat(second.banner()).noneMatch(l -> l.startsWith("token (new")).contains("token: in " + data.resolve("token"));
            assertThat(second.banner()).contains("re-enqueued 1 unfinished async request(s)");
            JsonNode finished = awaitAsync(new ApiClient(second.url(), token), asyncRequestId);
            assertThat(finished.path("status").asText()).isEqualTo("DONE");
            assertThat(finished.at("/response/records")).hasSize(40);
            assertThat(finished.at("/response/records/39/text_lines")).hasSize(3);
            assertThat(String.join("\n", second.banner())).doesNotContain(token);
            ApiClient client = new ApiClient(second.url(), token);
            assertFacesFound(client, "faces-and-text");
            assertThat(client.get("flows/v2/flow/").body().path("count").asInt()).isEqualTo(DemoSetup.FLOWS.size());
            assertThat(new ApiClient(second.url(), "wrong").get("flows/v2/flow/").status()).isEqualTo(401);

            // the scripting commands, against the same server
            Path photo = data.resolve("astronaut.jpg");
            Files.write(photo, TestServer.sample("astronaut.jpg"));
            Path notice = data.resolve("notice.png");
            Files.write(notice, TestServer.sample("notice.png"));
            List<String> args = new ArrayList<>(List.of("process", "--flow", "faces-and-text", "--url", second.url().toString(),
                    "--data", data.toString()));
            for (int i = 0; i < 12; i++) {
                args.add(i % 2 == 0 ? photo.toString() : notice.toString());
            }
            Cli cli = Cli.run(args.toArray(String[]::new));
            assertThat(cli.code()).as(cli.err()).isZero();
            JsonNode merged = new ObjectMapper().readTree(cli.out());
            assertThat(merged.path("records")).hasSize(12);
            assertThat(merged.at("/records/0/faces")).hasSize(1);
            assertThat(merged.at("/records/11/text_lines")).hasSize(3);
            assertThat(merged.at("/records/11/_id").asText()).isEqualTo(notice.toString());
            assertThat(merged.at("/statistics/credits").asInt()).isEqualTo(12 * 2 + 6 * 3);
            assertThat(cli.err()).contains("processed 10/12 images", "processed 12/12 images");

            Cli flows = Cli.run("flows", "--url", second.url().toString(), "--token", token);
            assertThat(flows.code()).isZero();
            assertThat(flows.out().lines().toList()).containsExactly(
                    "faces-and-text\tvalid\tv1\tFaces and text",
                    "faces-and-text-nested\tvalid\tv1\tFaces and text, then close-ups",
                    "faces-and-text-services\tvalid\tv1\tFaces, colours and text");

            Cli unknown = Cli.run("process", "--flow", "nope", "--url", second.url().toString(), "--token", token, photo.toString());
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(new ObjectMapper().readTree(unknown.out()).at("/status/code").asInt()).isEqualTo(404);
        } finally {
            second.process().destroyForcibly();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
        Cli offline = Cli.run("tasks", "--url", second.url().toString(), "--token", token);
        assertThat(offline.code()).isZero();
        assertThat(offline.err()).contains("no server answers");
        assertThat(offline.out()).contains("face-detector\tdetection\tface");
    }

    private static String submitAsync(ApiClient client, int images) throws IOException {
        String record = "{\"_base64\": \"" + Base64.getEncoder().encodeToString(TestServer.sample("notice.png")) + "\"}";
        String body = "{\"type\": \"flows\", \"flow\": \"faces-and-text\", \"records\": ["
                + String.join(",", java.util.Collections.nCopies(images, record)) + "]}";
        ApiClient.Reply r = client.post("account/v2/request/", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
        return r.body().path("id").asText();
    }

    private static JsonNode awaitAsync(ApiClient client, String id) throws IOException, InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            JsonNode r = client.get("account/v2/request/" + id).body();
            String status = r.path("status").asText();
            if (status.equals("DONE") || status.equals("ERROR") || System.nanoTime() > giveUp) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    private static void assertFacesFound(ApiClient client, String flow) throws IOException {
        byte[] body = ("{\"flow\": \"" + flow + "\", \"records\": [{\"_base64\": \""
                + Base64.getEncoder().encodeToString(TestServer.sample("astronaut.jpg")) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        ApiClient.Reply r = client.post("flows/v2/process", body);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        assertThat(r.body().at("/records/0/faces")).hasSize(1);
    }

    record Cli(int code, String out, String err) {
        static Cli run(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
