package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The local server over real HTTP: what the API answers reaches the client unchanged. */
class LocalServerTest {

    @Test
    void processesTheDemoFlowOnARealImage() throws Exception {
        TestServer.run(s -> {
            String body = "{\"flow\": \"faces-and-text\", \"records\": [{\"_id\": \"a\", \"_base64\": \""
                    + TestServer.base64("astronaut.jpg") + "\"}]}";
            HttpResponse<String> r = s.send(s.request("/flows/v2/process").POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode json = TestServer.json(r);
            assertThat(json.at("/status/code").asInt()).isEqualTo(200);
            assertThat(json.at("/records/0/_id").asText()).isEqualTo("a");
            assertThat(json.at("/records/0/faces")).hasSize(1);
            assertThat(json.at("/records/0/faces/0/bound_box/0").asInt()).isBetween(150, 210);
            assertThat(json.at("/records/0").has("_base64")).isFalse();
            assertThat(json.at("/statistics/credits").asInt()).isEqualTo(2);
            // the access log has the request id and neither the token nor image data
            String requestId = json.at("/status/request_id").asText();
            assertThat(r.headers().firstValue("x-request-id")).hasValue(requestId);
            assertThat(s.accessLog).anySatisfy(line -> {
                JsonNode access = TestServer.JSON.readTree(line);
                assertThat(access.get("message").asText()).isEqualTo("POST /flows/v2/process 200");
                assertThat(access.get("request_id").asText()).isEqualTo(requestId);
                assertThat(access.get("status").asInt()).isEqualTo(200);
                assertThat(access.get("in").asLong()).isPositive();
            });
            assertThat(String.join("\n", s.accessLog)).doesNotContain(TestServer.TOKEN).doesNotContain("/9j/");
        });
    }

    @Test
    void theServicesDemoFlowAndStoredImagesOverHttp() throws Exception {
        TestServer.run(s -> {
            String body = "{\"flow\": \"faces-and-text-services\", \"records\": [{\"_base64\": \""
                    + TestServer.base64("astronaut.jpg") + "\"}]}";
            JsonNode demo = TestServer.json(s.send(s.request("/flows/v2/process").POST(HttpRequest.BodyPublishers.ofString(body)).build()));
            assertThat(demo.at("/records/0/_status/code").asInt()).as(demo.toString()).isEqualTo(200);
            assertThat(demo.at("/records/0/faces/0/colours/colors")).hasSize(3);
            assertThat(demo.at("/records/0/text/lines").isArray()).isTrue();

            HttpResponse<String> created = s.send(s.request("/flows/v2/flow/").POST(HttpRequest.BodyPublishers.ofString("""
                    {"name": "bigger", "top_node": {"type": "service", "id": "up", "service": "upscale", "output_field": "up"}}""")).build());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String flow = TestServer.json(created).get("id").asText();
            BufferedImage small = new BufferedImage(10, 7, BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(small, "png", png);
            JsonNode stored = TestServer.json(s.send(s.request("/flows/v2/process").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"flow\": \"" + flow + "\", \"store_images\": true, \"records\": [{\"_base64\": \""
                            + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"}]}")).build()));
            String url = stored.at("/records/0/up/image").asText();
            // the URL the client can follow: this server's own address, from the Host header
            assertThat(url).startsWith(s.uri("/v2/image/").toString());
            HttpResponse<byte[]> image = s.http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Token " + TestServer.TOKEN).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.headers().firstValue("content-type")).hasValue("image/png");
            assertThat(ImageIO.read(new ByteArrayInputStream(image.body())).getWidth()).isEqualTo(20);
        });
    }

    @Test
    void metricsArePrometheusTextForTheToken() throws Exception {
        TestServer.run(s -> {
            String body = "{\"flow\": \"faces-and-text\", \"records\": [{\"_base64\": \"" + TestServer.base64("notice.png") + "\"}]}";
            assertThat(s.send(s.request("/flows/v2/process").POST(HttpRequest.BodyPublishers.ofString(body)).build()).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> noToken = s.send(HttpRequest.newBuilder(s.uri("/metrics")).GET().build());
            assertThat(noToken.statusCode()).isEqualTo(401);
            HttpResponse<String> r = s.send(s.request("/metrics").GET().build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(r.body()).contains(
                    "visionflow_requests_total{route=\"POST /flows/v2/process\",flow=\"faces-and-text\",code=\"200\"} 1\n",
                    "visionflow_credits_total{flow=\"faces-and-text\"} 5\n",
                    "# TYPE visionflow_request_duration_seconds histogram\n");
        });
    }

    @Test
    void unauthorizedUnknownPathAndTrailingSlashes() throws Exception {
        TestServer.run(s -> {
            HttpResponse<String> noToken = s.send(java.net.http.HttpRequest.newBuilder(s.uri("/flows/v2/flow/")).GET().build());
            assertThat(noToken.statusCode()).isEqualTo(401);
            assertThat(TestServer.json(noToken).at("/status/code").asInt()).isEqualTo(401);
            assertThat(TestServer.json(noToken).at("/status/text").asText()).isEqualTo("Unauthorized");
            assertThat(TestServer.json(noToken).path("detail").asText()).contains("Authorization: Token");

            HttpResponse<String> badToken = s.send(java.net.http.HttpRequest.newBuilder(s.uri("/flows/v2/flow"))
                    .header("Authorization", "Token nope").GET().build());
            assertThat(badToken.statusCode()).isEqualTo(401);

            HttpResponse<String> unknown = s.send(s.request("/no/such/endpoint").GET().build());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(TestServer.json(unknown).at("/status/code").asInt()).isEqualTo(404);

            for (String path : new String[]{"/flows/v2/flow", "/flows/v2/flow/", "/flows/v2/flow/faces-and-text",
                    "/flows/v2/flow/faces-and-text/", "/flows/v2/flow/faces-and-text/json/"}) {
                HttpResponse<String> r = s.send(s.request(path).GET().build());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
            HttpResponse<String> slash = s.send(s.request("/flows/v2/process/").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"flow\": \"faces-and-text\", \"records\": [{\"_base64\": \"" + TestServer.base64("notice.png") + "\"}]}")).build());
            assertThat(slash.statusCode()).isEqualTo(200);
            assertThat(TestServer.json(slash).at("/records/0/text_lines")).hasSize(3);
        });
    }

    @Test
    void tasksCommandListsTheServersTasks() throws Exception {
        TestServer.run(s -> {
            ServeProcessTest.Cli cli = ServeProcessTest.Cli.run("tasks", "--url", s.server.uri().toString(), "--token", TestServer.TOKEN);
            assertThat(cli.code()).as(cli.err()).isZero();
            assertThat(cli.out().lines().toList()).containsExactly(
                    "text-orientation\tclassification\t0, 180",
                    "face-detector\tdetection\tface",
                    "text-line-detector\tdetection\ttext");
            // the demo task shows the uploaded model's id, as model upload answered it
            HttpResponse<String> task = s.send(s.request("/detection/v2/task/face-detector").GET().build());
            assertThat(TestServer.json(task).at("/backend/model").asText()).matches("[0-9a-f]{64}");
        });
    }

    @Test
    void queryParametersAreDecoded() throws Exception {
        TestServer.run(s -> {
            // page%5Fsize is page_size, percent-encoded
            HttpResponse<String> r = s.send(s.request("/flows/v2/flow/?page%5Fsize=1&page=" + DemoSetup.FLOWS.size()).GET().build());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode page = TestServer.json(r);
            assertThat(page.path("count").asInt()).isEqualTo(DemoSetup.FLOWS.size());
            assertThat(page.path("results")).hasSize(1);
            assertThat(page.path("next").isNull()).isTrue();
            assertThat(page.path("previous").asText())
                    .isEqualTo("/flows/v2/flow/?page=" + (DemoSetup.FLOWS.size() - 1) + "&page_size=1");
            HttpResponse<String> bad = s.send(s.request("/flows/v2/flow/?page=zero").GET().build());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("page");
        });
    }

    @Test
    void aHugeBodyIsRefusedBeforeItIsRead() throws Exception {
        TestServer.run(s -> {
            // declares 10 GB and sends none of it: the answer comes from the header alone
            try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /flows/v2/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Token " + TestServer.TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                socket.setSoTimeout(10_000);
                InputStream in = socket.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(head).isEqualTo("HTTP/1.1 413");
                // the connection stays open (the server may still drain), so read up to the end of the JSON
                StringBuilder rest = new StringBuilder();
                byte[] buf = new byte[4096];
                while (!rest.toString().endsWith("}")) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    rest.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
                assertThat(rest).contains("\"code\":413", "\"text\":\"Payload Too Large\"", "over the limit");
            }
        });
        // a body that does come, chunked (no length), past a small cap
        TestServer.run(c -> c.maxBodyBytes = 100_000, s -> {
            byte[] big = new byte[300_000];
            java.util.Arrays.fill(big, (byte) ' ');
            HttpResponse<String> r = s.send(s.request("/flows/v2/process").POST(HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(big))).build());
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(TestServer.json(r).at("/status/code").asInt()).isEqualTo(413);
            assertThat(TestServer.json(r).path("detail").asText()).contains("over the limit of 100000 bytes");
            // refused before the API saw it, and still measured, for the token's account
            HttpResponse<String> metrics = s.send(s.request("/metrics").GET().build());
            assertThat(metrics.body()).contains("visionflow_requests_total{route=\"POST /flows/v2/process\",flow=\"\",code=\"413\"} 1\n");
        });
    }
}
