package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays, over real HTTP, the exchanges of the public Python {@code ximilar-client}
 * ({@code ximilar/client/client.py}, {@code flows.py}, {@code constants.py}): the same URLs built
 * by its {@code urljoin}, the same headers, the same bodies, and asserts that each answer has what
 * that client reads. Its endpoint must contain "localhost": otherwise the client first authorizes
 * against api.ximilar.com itself.
 */
class XimilarClientReplayTest {

    /** RestClient, as far as FlowsClient uses it. */
    static final class PyClient {
        final TestServer s;
        final String endpoint;
        final String token;
        final List<String> urls = new ArrayList<>();

        PyClient(TestServer s, String token) {
            this.s = s;
            this.endpoint = "http://localhost:" + s.server.port() + "/";
            this.token = token;
        }

        /** RestClient.urljoin: every part stripped of leading and trailing slashes, joined with "/". */
        static String urljoin(String... parts) {
            return Arrays.stream(parts).map(p -> p.replaceAll("/+$", "").replaceAll("^/+", "")).collect(Collectors.joining("/"));
        }

        HttpRequest.Builder request(String apiEndpoint) {
            String url = urljoin(endpoint, apiEndpoint);
            urls.add(url);
            // self.headers, plus what python-requests adds by itself
            return HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/json")
                    .header("Authorization", (token.length() < 70 ? "Token " : "JWT ") + token)
                    .header("User-Agent", "Ximilar Client/Python")
                    .header("Accept-Encoding", "gzip, deflate")
                    .header("Accept", "*/*");
        }

        /** RestClient.get: result.json(), whatever the status. */
        JsonNode get(String apiEndpoint) throws Exception {
            return TestServer.json(s.send(request(apiEndpoint).GET().build()));
        }

        /** RestClient.post with json.dumps(data) as the body. */
        HttpResponse<String> post(String apiEndpoint, String jsonDumps) throws Exception {
            return s.send(request(apiEndpoint).POST(HttpRequest.BodyPublishers.ofString(jsonDumps)).build());
        }

        /** RestClient.get_all_paginated_items, following "next" with its string replacements. */
        List<JsonNode> allPaginated(String url) throws Exception {
            List<JsonNode> items = new ArrayList<>();
            while (true) {
                JsonNode result = get(url);
                assertThat(result.has("results")).as(result.toString()).isTrue();
                result.get("results").forEach(items::add);
                if (result.get("next").isNull()) {
                    return items;
                }
                url = result.get("next").asText().replace(endpoint, "").replace(endpoint.replace("https", "http"), "")
                        .replace("http://localhost/api/", "");
            }
        }

        /** FlowsClient.process_flow: {"flow": id, "records": preprocess_records(records)}, as json.dumps writes it. */
        HttpResponse<String> processFlow(String flow, List<String[]> fileAndBase64) throws Exception {
            String records = fileAndBase64.stream()
                    .map(r -> "{\"_file\": \"" + r[0] + "\", \"_base64\": \"" + r[1] + "\"}")
                    .collect(Collectors.joining(", "));
            return post("/flows/v2/process", "{\"flow\": \"" + flow + "\", \"records\": [" + records + "]}");
        }

        /** RestClient.load_base64_file: plain base64 under 0.1 MB, else OpenCV's JPEG (quality 96, at most 512 px) as a data URI. */
        static String loadBase64File(Path path) throws IOException {
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length / (1024.0 * 1024.0) < 0.1) {
                return Base64.getEncoder().encodeToString(bytes);
            }
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            int w = image.getWidth();
            int h = image.getHeight();
            if (w > 512 && h > 512) {
                // get_aspect_ratio_dim: the shorter side becomes 512
                double r = 512.0 / Math.min(w, h);
                BufferedImage small = new BufferedImage((int) (w * r), (int) (h * r), BufferedImage.TYPE_INT_RGB);
                Graphics2D g = small.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(image, 0, 0, small.getWidth(), small.getHeight(), null);
                g.dispose();
                image = small;
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
    }

    /** Flow.__init__ indexes these keys directly; get_flow treats a "detail" key as an error. */
    private static void assertReadableAsFlow(JsonNode flow) {
        for (String key : List.of("id", "name", "description", "workspace", "top_node", "valid")) {
            assertThat(flow.has(key)).as(key + " in " + flow).isTrue();
        }
        assertThat(flow.has("detail")).isFalse();
    }

    /** RestClient.check_json_status: a status whose code is not 200 raises (code, text). */
    private static void assertClientRaises(JsonNode result, int code) {
        assertThat(result.at("/status/code").asInt()).isEqualTo(code);
        assertThat(result.at("/status/text").asText()).isNotBlank();
        assertThat(result.path("detail").asText()).isNotBlank();
    }

    @Test
    void getFlowAndGetAllFlowsWithPagination() throws Exception {
        TestServer.run(s -> {
            for (int i = 0; i < 11; i++) {
                HttpResponse<String> created = s.send(s.request("/flows/v2/flow/").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\": \"faces " + i + "\", \"top_node\": {\"type\": \"detection\", \"task\": \"face-detector\","
                                + " \"output_field\": \"faces\"}}")).build());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            }
            PyClient client = new PyClient(s, TestServer.TOKEN);

            JsonNode flow = client.get("/flows/v2/flow/" + "faces-and-text");
            assertReadableAsFlow(flow);
            assertThat(flow.get("id").asText()).isEqualTo("faces-and-text");
            assertThat(flow.at("/top_node/type").asText()).isEqualTo("list");
            assertThat(client.urls).containsExactly(client.endpoint + "flows/v2/flow/faces-and-text");
            // Flow.to_json
            assertThat(client.get("/flows/v2/flow/faces-and-text/json").at("/top_node/actions/0/id").asText()).isEqualTo("faces");

            JsonNode missing = client.get("/flows/v2/flow/" + "no-such-flow");
            assertThat(missing.has("detail")).isTrue();

            client.urls.clear();
            List<JsonNode> flows = client.allPaginated("/flows/v2/flow/");
            assertThat(flows).hasSize(11 + DemoSetup.FLOWS.size());
            flows.forEach(XimilarClientReplayTest::assertReadableAsFlow);
            assertThat(new HashSet<>(flows.stream().map(f -> f.get("id").asText()).toList())).hasSize(11 + DemoSetup.FLOWS.size());
            assertThat(client.urls).containsExactly(client.endpoint + "flows/v2/flow", client.endpoint + "flows/v2/flow?page=2");

            // a bad token: get_all_paginated_items returns the "detail" as its error
            JsonNode denied = new PyClient(s, "not-a-token").get("/flows/v2/flow/");
            assertThat(denied.has("results")).isFalse();
            assertThat(denied.path("detail").asText()).isEqualTo("invalid token");
        });
    }

    @Test
    void processWithFileAndPlainOrDataUriBase64(@TempDir Path dir) throws Exception {
        TestServer.run(s -> {
            Path small = dir.resolve("astronaut.jpg");
            Files.write(small, TestServer.sample("astronaut.jpg"));
            // over 0.1 MB, so the client re-encodes it as a JPEG data URI, 512 px on its shorter side
            Path large = dir.resolve("astronaut-large.png");
            BufferedImage photo = ImageIO.read(small.toFile());
            BufferedImage doubled = new BufferedImage(1024, 1024, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = doubled.createGraphics();
            g.drawImage(photo, 0, 0, 1024, 1024, null);
            g.dispose();
            ImageIO.write(doubled, "png", large.toFile());
            assertThat(Files.size(large)).isGreaterThan(105_000);
            String plain = PyClient.loadBase64File(small);
            String dataUri = PyClient.loadBase64File(large);
            assertThat(plain).doesNotStartWith("data:");
            assertThat(dataUri).startsWith("data:image/jpeg;base64,");

            PyClient client = new PyClient(s, TestServer.TOKEN);
            HttpResponse<String> r = client.processFlow("faces-and-text",
                    List.of(new String[]{small.toString(), plain}, new String[]{large.toString(), dataUri}));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode result = TestServer.json(r);
            assertThat(result.at("/status/code").asInt()).isEqualTo(200);
            assertThat(result.at("/status/text").asText()).isEqualTo("OK");
            assertThat(result.path("records")).hasSize(2);
            for (JsonNode record : result.path("records")) {
                assertThat(record.at("/_status/code").asInt()).isEqualTo(200);
                assertThat(record.has("_file")).isFalse();
                assertThat(record.has("_base64")).isFalse();
                assertThat(record.path("faces")).hasSize(1);
                assertThat(record.at("/faces/0/bound_box/0").asInt()).isBetween(150, 210);
                assertThat(record.at("/faces/0/name").asText()).isEqualTo("face");
                assertThat(record.path("text_lines").isArray()).isTrue();
            }
            assertThat(result.at("/statistics/credits").asInt()).isEqualTo(4);
        });
    }

    @Test
    void errorsAreReadFromStatusCodeAndText() throws Exception {
        TestServer.run(s -> {
            PyClient client = new PyClient(s, TestServer.TOKEN);
            String b64 = TestServer.base64("astronaut.jpg");

            HttpResponse<String> unknownFlow = client.processFlow("no-such-flow", List.<String[]>of(new String[]{"/tmp/a.jpg", b64}));
            assertThat(unknownFlow.statusCode()).isEqualTo(404);
            assertClientRaises(TestServer.json(unknownFlow), 404);

            HttpResponse<String> badToken = new PyClient(s, "not-a-token").processFlow("faces-and-text",
                    List.<String[]>of(new String[]{"/tmp/a.jpg", b64}));
            assertThat(badToken.statusCode()).isEqualTo(401);
            assertClientRaises(TestServer.json(badToken), 401);

            List<String[]> eleven = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                eleven.add(new String[]{"/tmp/" + i + ".jpg", b64});
            }
            HttpResponse<String> tooMany = client.processFlow("faces-and-text", eleven);
            assertThat(tooMany.statusCode()).isEqualTo(400);
            assertClientRaises(TestServer.json(tooMany), 400);
            assertThat(TestServer.json(tooMany).path("detail").asText()).contains("records");

            // a corrupt image fails alone: the request is a 200 and that record carries its _status
            HttpResponse<String> oneBad = client.processFlow("faces-and-text",
                    List.of(new String[]{"/tmp/a.jpg", b64}, new String[]{"/tmp/b.jpg", "bm90IGFuIGltYWdl"}));
            assertThat(oneBad.statusCode()).isEqualTo(200);
            JsonNode result = TestServer.json(oneBad);
            assertThat(result.at("/status/code").asInt()).isEqualTo(200);
            assertThat(result.at("/records/0/_status/code").asInt()).isEqualTo(200);
            assertThat(result.at("/records/1/_status/code").asInt()).isEqualTo(400);
            assertThat(result.at("/records/1/_status/text").asText()).isNotBlank();
        });
    }
}
