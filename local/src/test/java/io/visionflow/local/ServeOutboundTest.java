package io.visionflow.local;

import io.visionflow.net.OriginFormOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.visionflow.net.OutboundPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local server fetches {@code _url} images like the cloud does: public addresses only, unless
 * started with the development setting, which it then announces.
 */
class ServeOutboundTest {
    private static HttpServer images;

    @BeforeAll
    static void start() throws Exception {
        byte[] jpeg = TestServer.sample("astronaut.jpg");
        images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OriginFormOnly.context(images, "/astronaut.jpg", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
            exchange.sendResponseHeaders(200, jpeg.length);
            exchange.getResponseBody().write(jpeg);
            exchange.close();
        });
        images.start();
    }

    @AfterAll
    static void stop() {
        images.stop(0);
    }

    private static JsonNode processUrl(Path data, OutboundPolicy outbound, ByteArrayOutputStream banner) throws Exception {
        try (ServeCommand.Running running = ServeCommand.start(data, "127.0.0.1", 0, true, TestServer.TOKEN, outbound,
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            String url = "http://127.0.0.1:" + images.getAddress().getPort() + "/astronaut.jpg";
            HttpRequest request = HttpRequest.newBuilder(running.server().uri().resolve("flows/v2/process"))
                    .header("Authorization", "Token " + TestServer.TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"flow\": \"faces-and-text\", \"records\": [{\"_url\": \""
                            + url + "\"}]}")).build();
            try (HttpClient client = HttpClient.newHttpClient()) {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                return TestServer.json(r).at("/records/0");
            }
        }
    }

    @Test
    void byDefaultALoopbackUrlFailsItsRecord(@TempDir Path data) throws Exception {
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        JsonNode record = processUrl(data, OutboundPolicy.publicOnly(), banner);
        assertThat(record.at("/_status/code").asInt()).isEqualTo(400);
        assertThat(record.at("/_status/text").asText()).contains("address not allowed: 127.0.0.1, a loopback address");
        assertThat(banner.toString(StandardCharsets.UTF_8)).doesNotContain("WARNING");
    }

    @Test
    void theDevelopmentSettingReachesLoopbackAndSaysSo(@TempDir Path data) throws Exception {
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        JsonNode record = processUrl(data, OutboundPolicy.allowingPrivate(), banner);
        assertThat(record.at("/_status/code").asInt()).as(record.toString()).isEqualTo(200);
        assertThat(record.at("/faces")).hasSize(1);
        assertThat(banner.toString(StandardCharsets.UTF_8))
                .contains("WARNING: outbound requests may reach loopback and private addresses");
    }
}
