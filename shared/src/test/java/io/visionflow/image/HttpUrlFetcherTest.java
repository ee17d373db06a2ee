package io.visionflow.image;

import io.visionflow.net.OriginFormOnly;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.visionflow.net.AddressClassifier;
import io.visionflow.net.OutboundPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static io.visionflow.image.TestImages.encode;
import static io.visionflow.image.TestImages.quadrants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs against a real HTTP server on loopback; nothing leaves the machine. */
class HttpUrlFetcherTest {
    private static final byte[] PNG = encode(quadrants(BufferedImage.TYPE_INT_RGB), "png");
    private static final long MiB = 1024 * 1024;

    private HttpServer server;
    private ExecutorService executor;
    private String base;
    private final List<String> requested = new CopyOnWriteArrayList<>();
    private final AtomicLong endlessBytesWritten = new AtomicLong();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        OriginFormOnly.context(server, "/", exchange -> {
            requested.add(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        handle("/image.png", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, PNG.length);
            exchange.getResponseBody().write(PNG);
        });
        handle("/endless", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked, no length announced
            byte[] chunk = new byte[64 * 1024];
            OutputStream body = exchange.getResponseBody();
            while (endlessBytesWritten.get() < 2048 * MiB) { // stops on the client hanging up
                body.write(chunk);
                endlessBytesWritten.addAndGet(chunk.length);
            }
        });
        handle("/declared-huge", exchange -> {
            exchange.sendResponseHeaders(200, 500 * MiB);
            exchange.getResponseBody().write(new byte[1024]);
            exchange.getResponseBody().flush();
            sleep(5_000); // the fetcher must give up on the header alone, not wait for the body
        });
        // /hop/N redirects N more times, then to the image; the first hop uses a relative Location.
        handle("/hop/", exchange -> {
            int n = Integer.parseInt(exchange.getRequestURI().getPath().substring(5));
            String next = n <= 1 ? base + "/image.png" : (n % 2 == 0 ? "/hop/" + (n - 1) : base + "/hop/" + (n - 1));
            exchange.getResponseHeaders().set("Location", next);
            exchange.sendResponseHeaders(n % 2 == 0 ? 302 : 301, -1);
        });
        handle("/to-ftp", exchange -> {
            exchange.getResponseHeaders().set("Location", "ftp://example.com/a.png");
            exchange.sendResponseHeaders(307, -1);
        });
        handle("/to/", exchange -> { // /to/<url> redirects to <url>
            exchange.getResponseHeaders().set("Location", exchange.getRequestURI().getPath().substring(4));
            exchange.sendResponseHeaders(302, -1);
        });
        handle("/page.html", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write("<html>not an image</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        handle("/slow-headers", exchange -> {
            sleep(10_000);
            exchange.sendResponseHeaders(200, PNG.length);
            exchange.getResponseBody().write(PNG);
        });
        handle("/slow-body", exchange -> {
            exchange.sendResponseHeaders(200, PNG.length);
            OutputStream body = exchange.getResponseBody();
            for (byte b : PNG) {
                body.write(b);
                body.flush();
                sleep(100);
            }
        });
        handle("/error", exchange -> {
            exchange.sendResponseHeaders(503, -1);
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(String path, HttpHandler handler) {
        OriginFormOnly.context(server, path, exchange -> {
            requested.add(exchange.getRequestURI().getPath());
            try (exchange) {
                handler.handle(exchange);
            } catch (IOException e) {
                // the fetcher hung up on purpose (size cap, timeout)
            }
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The development setting: the test server is on loopback. */
    private static HttpUrlFetcher fetcher() {
        return new HttpUrlFetcher(HttpUrlFetcher.Options.defaults(), OutboundPolicy.allowingPrivate());
    }

    /** Loopback allowed (for the test server), private networks not; names resolved by {@code dns}. */
    private static HttpUrlFetcher loopbackOnly(Map<String, String> dns) {
        return new HttpUrlFetcher(OutboundPolicy.publicAnd(AddressClassifier.Kind.LOOPBACK).withResolver(host -> {
            String address = dns.get(host);
            return new InetAddress[] {InetAddress.getByName(address != null ? address : host)};
        }));
    }

    private static void assertFails(ThrowingFetch fetch, int status, String message) {
        assertThatThrownBy(fetch::run).isInstanceOfSatisfying(ImageException.class, e -> {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.getMessage()).contains(message);
        });
    }

    interface ThrowingFetch {
        void run() throws Exception;
    }

    @Test
    void fetchesImage() throws Exception {
        assertThat(fetcher().fetch(base + "/image.png", 20 * MiB)).isEqualTo(PNG);
    }

    @Test
    void fetchedImageDecodesThroughRecordSource() throws Exception {
        var record = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("_url", base + "/image.png");
        TestImages.assertQuadrants(new RecordImageSource(fetcher()).image(record, ImageLimits.defaults()), 0);
    }

    @Test
    void notFoundIs400NamingTheStatus() {
        assertFails(() -> fetcher().fetch(base + "/missing.png", MiB), 400, base + "/missing.png answered HTTP 404");
        assertFails(() -> fetcher().fetch(base + "/error", MiB), 400, "answered HTTP 503");
    }

    @Test
    void endlessBodyIs413WithoutReadingItAll() {
        long start = System.nanoTime();
        assertFails(() -> fetcher().fetch(base + "/endless", MiB), 413, "over the limit of 1 MiB");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        sleep(200); // let the server notice the closed connection
        assertThat(endlessBytesWritten.get()).as("bytes the server managed to send").isLessThan(64 * MiB);
    }

    @Test
    void declaredOversizedBodyIs413() {
        long start = System.nanoTime();
        assertFails(() -> fetcher().fetch(base + "/declared-huge", MiB), 413, "over the limit of 1 MiB");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void followsUpToThreeRedirects() throws Exception {
        assertThat(fetcher().fetch(base + "/hop/3", MiB)).isEqualTo(PNG);
        assertThat(requested).containsExactly("/hop/3", "/hop/2", "/hop/1", "/image.png");
    }

    @Test
    void moreThanThreeRedirectsIs400() {
        assertFails(() -> fetcher().fetch(base + "/hop/4", MiB), 400, "too many redirects (more than 3)");
        assertThat(requested).containsExactly("/hop/4", "/hop/3", "/hop/2", "/hop/1");
    }

    @Test
    void redirectToOtherSchemeIs400() {
        assertFails(() -> fetcher().fetch(base + "/to-ftp", MiB), 400, "_url must be an http or https URL, not ftp:");
    }

    @Test
    void productionRuleRefusesLoopbackInEverySpellingWithoutConnecting() {
        HttpUrlFetcher production = new HttpUrlFetcher(OutboundPolicy.publicOnly());
        int port = server.getAddress().getPort();
        for (String host : List.of("127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]",
                "127.1", "0.0.0.0")) {
            String url = "http://" + host + ":" + port + "/image.png";
            assertThatThrownBy(() -> production.fetch(url, MiB)).as(url).isInstanceOfSatisfying(ImageException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.getMessage()).containsAnyOf("address not allowed", "unknown host", "has no host");
            });
        }
        assertThat(requested).isEmpty();
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefused() {
        HttpUrlFetcher production = new HttpUrlFetcher(OutboundPolicy.publicOnly()
                .withResolver(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")}));
        assertFails(() -> production.fetch("http://innocent.example:" + server.getAddress().getPort() + "/image.png", MiB),
                400, "address not allowed: innocent.example resolves to 127.0.0.1, a loopback address");
        assertThat(requested).isEmpty();
    }

    @Test
    void metadataAddressesAreRefusedEvenInDevelopment() {
        for (String url : List.of("http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/",
                "http://[::ffff:a9fe:a9fe]/", "http://metadata.google.internal.invalid/")) {
            HttpUrlFetcher dev = new HttpUrlFetcher(OutboundPolicy.allowingPrivate().withResolver(host ->
                    new InetAddress[] {InetAddress.getByName(host.endsWith(".invalid") ? "169.254.169.254" : host)}));
            assertFails(() -> dev.fetch(url, MiB), 400, "cloud metadata service address");
        }
    }

    @Test
    void everyRedirectIsCheckedBeforeConnecting() throws Exception {
        Map<String, String> dns = Map.of("images.test", "127.0.0.1", "intranet.test", "10.0.0.5");
        String start = "http://images.test:" + server.getAddress().getPort();
        assertFails(() -> loopbackOnly(dns).fetch(start + "/to/http://intranet.test/a.png", MiB), 400,
                "refused to fetch http://intranet.test/a.png: address not allowed: intranet.test resolves to 10.0.0.5,"
                        + " a private network address");
        assertFails(() -> loopbackOnly(dns).fetch(start + "/to/http://169.254.169.254/latest/meta-data/", MiB), 400,
                "cloud metadata service");
        assertFails(() -> loopbackOnly(dns).fetch(start + "/to/http://%5Bfc00::1%5D/", MiB), 400, "private network");
        assertThat(requested).containsOnly("/to/http://intranet.test/a.png", "/to/http://169.254.169.254/latest/meta-data/",
                "/to/http://[fc00::1]/");
        // and a redirect that stays on allowed ground is followed, through a name only our resolver knows
        assertThat(loopbackOnly(dns).fetch(start + "/to/" + start + "/image.png", MiB)).isEqualTo(PNG);
    }

    @Test
    void aBodyThatIsNotAnImageIsRefusedUnread() {
        assertFails(() -> fetcher().fetch(base + "/page.html", MiB), 400, "answered Content-Type \"text/html; charset=utf-8\", not an image");
        assertThat(HttpUrlFetcher.isImageType("image/jpeg")).isTrue();
        assertThat(HttpUrlFetcher.isImageType("binary/octet-stream")).isTrue();
        assertThat(HttpUrlFetcher.isImageType("")).isTrue();
        assertThat(HttpUrlFetcher.isImageType("application/json")).isFalse();
    }

    @Test
    void slowServerTimesOut() {
        HttpUrlFetcher fetcher = new HttpUrlFetcher(
                HttpUrlFetcher.Options.defaults().withTotalTimeout(Duration.ofMillis(500)), OutboundPolicy.allowingPrivate());
        long start = System.nanoTime();
        assertFails(() -> fetcher.fetch(base + "/slow-headers", MiB), 400, "timed out after 0.5 s");
        assertFails(() -> fetcher.fetch(base + "/slow-body", MiB), 400, "timed out after 0.5 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void refusesOtherSchemesWithoutConnecting() {
        for (String url : List.of("ftp://example.com/a.png", "file:///etc/passwd", "javascript:alert(1)",
                "gopher://127.0.0.1:70/", "/relative/path.png")) {
            assertFails(() -> fetcher().fetch(url, MiB), 400, "_url must be an http or https URL");
        }
        assertFails(() -> fetcher().fetch("http://", MiB), 400, "_url");
        assertFails(() -> fetcher().fetch("http://exa mple.com:99999999/", MiB), 400, "_url");
        assertFails(() -> fetcher().fetch("", MiB), 400, "_url is empty");
        assertThat(requested).isEmpty();
    }

    @Test
    void connectionRefusedIs400() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        assertFails(() -> fetcher().fetch("http://127.0.0.1:" + closedPort + "/a.png", MiB), 400, "could not connect to 127.0.0.1");
    }
}
