package io.visionflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.compat.XimilarClientContract;
import io.visionflow.compat.XimilarPyClient;
import io.visionflow.net.OutboundPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public Python {@code ximilar-client}'s exchanges ({@link XimilarClientContract}) against the
 * local server over real HTTP. Its endpoint contains "localhost", as a user's must: otherwise the
 * client first authorizes against api.ximilar.com itself (client.py check_resource).
 */
class XimilarClientReplayTest extends XimilarClientContract {

    private TestServer server;

    @Override
    protected Host open() throws Exception {
        // the suite's http tasks are served on loopback, as with serve --allow-loopback
        server = TestServer.start(c -> { }, OutboundPolicy.allowingPrivate());
        HttpClient http = HttpClient.newHttpClient();
        return new Host() {
            @Override
            public String endpoint() {
                return "http://localhost:" + server.server.port() + "/";
            }

            @Override
            public String token() {
                return TestServer.TOKEN;
            }

            @Override
            public XimilarPyClient.Reply send(String method, URI url, Map<String, String> headers, byte[] body) throws Exception {
                HttpRequest.Builder request = HttpRequest.newBuilder(url).method(method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
                headers.forEach(request::header);
                HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                Map<String, String> answered = new LinkedHashMap<>();
                r.headers().map().forEach((k, v) -> answered.put(k, String.join(", ", v)));
                return new XimilarPyClient.Reply(r.statusCode(), XimilarPyClient.lowerCase(answered), r.body());
            }

            @Override
            public void close() throws Exception {
                http.close();
                server.close();
            }
        };
    }

    /** The demo's ONNX flow with what FlowsClient.process_flow makes of a small and a large file. */
    @Test
    void processWithFileAndPlainOrDataUriBase64(@TempDir Path dir) throws Exception {
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
        ObjectNode plain = XimilarPyClient.record(small);
        ObjectNode dataUri = XimilarPyClient.record(large);
        assertThat(plain.get("_base64").asText()).doesNotStartWith("data:");
        assertThat(dataUri.get("_base64").asText()).startsWith("data:image/jpeg;base64,");

        ObjectNode data = TestServer.JSON.createObjectNode().put("flow", "faces-and-text");
        ArrayNode records = data.putArray("records").add(plain).add(dataUri);
        XimilarPyClient.Reply r = client.post("/flows/v2/process", data);
        assertThat(r.status()).isEqualTo(200);
        JsonNode result = r.json();
        assertThat(result.at("/status/code").asInt()).isEqualTo(200);
        assertThat(result.at("/status/text").asText()).isEqualTo("OK");
        assertThat(result.path("records")).hasSize(records.size());
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
    }
}
