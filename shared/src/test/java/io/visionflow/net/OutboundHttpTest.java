package io.visionflow.net;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import javax.net.ssl.SNIMatcher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real servers on loopback, reached through names that only the test's resolver knows: if the
 * client resolved a name itself, it would fail, so every success proves the connection went to
 * the address the policy checked.
 */
class OutboundHttpTest {
    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;
    static HttpServer plain;
    static HttpServer other;
    static HttpsServer tls;
    static SSLContext trusting;
    static final List<String> sniSeen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        plain = server(HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0), "checked");
        // the same port on another loopback address: where a second DNS answer would have led
        // (Linux routes all of 127/8 to loopback; elsewhere the test that needs it is skipped)
        try {
            other = server(HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"),
                    plain.getAddress().getPort()), 0), "rebound");
        } catch (IOException e) {
            other = null;
        }
        KeyStore keys = certificate("pinned.test");
        KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        km.init(keys, PASSWORD);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(km.getKeyManagers(), null, null);
        tls = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        tls.setHttpsConfigurator(new HttpsConfigurator(serverContext) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = serverContext.getDefaultSSLParameters();
                p.setSNIMatchers(List.of(new SNIMatcher(0) {
                    @Override
                    public boolean matches(javax.net.ssl.SNIServerName name) {
                        sniSeen.add(new String(name.getEncoded(), StandardCharsets.US_ASCII));
                        return true;
                    }
                }));
                params.setSSLParameters(p);
            }
        });
        server(tls, "secure");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", keys.getCertificate("t"));
        TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tm.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tm.getTrustManagers(), null);
    }

    private static <S extends HttpServer> S server(S server, String answer) {
        OriginFormOnly.context(server, "/", exchange -> {
            // the request target as it came: origin form, never a proxy's absolute form
            byte[] body = (answer + " " + exchange.getRequestHeaders().getFirst("Host") + " "
                    + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** A self-signed certificate for {@code name}, made by the JDK's keytool. */
    private static KeyStore certificate(String name) throws Exception {
        Path store = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "t", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=dns:" + name, "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    @AfterAll
    static void stop() {
        plain.stop(0);
        if (other != null) {
            other.stop(0);
        }
        tls.stop(0);
    }

    private static OutboundPolicy resolving(String address, AtomicInteger lookups) {
        return OutboundPolicy.allowingPrivate().withResolver(host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {InetAddress.getByName(address)};
        });
    }

    private static OutboundHttp client(OutboundPolicy policy) {
        return new OutboundHttp(OutboundHttp.Settings.of(policy).withSslContext(trusting));
    }

    private static String get(OutboundHttp client, String url) throws IOException {
        OutboundHttp.Response r = client.send(OutboundHttp.Request.get(URI.create(url), Map.of()), CONNECT,
                Duration.ofSeconds(5), OutboundHttp.BodyLimit.upTo(1 << 20));
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static OutboundHttp.FailureKind failure(OutboundHttp client, String url) {
        try {
            get(client, url);
        } catch (OutboundHttp.Failure f) {
            return f.kind();
        } catch (IOException e) {
            throw new AssertionError("not sorted: " + e, e);
        }
        throw new AssertionError(url + " answered");
    }

    @Test
    void plainHttpGoesToTheCheckedAddressInOriginFormWithTheNameAsHost() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        int port = plain.getAddress().getPort();
        String url = "http://images.invalid:" + port + "/a.png?size=2";
        try (OutboundHttp client = client(resolving("127.0.0.1", lookups))) {
            assertThat(get(client, url)).isEqualTo("checked images.invalid:" + port + " /a.png?size=2");
            assertThat(get(client, url)).isEqualTo("checked images.invalid:" + port + " /a.png?size=2");
            // one connection, kept alive: resolved and checked once
            assertThat(client.openConnections()).isEqualTo(1);
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void aNameTheJvmResolvesDifferentlyStillReachesOnlyTheCheckedAddress() throws Exception {
        // localhost is 127.0.0.1 to the JVM; the policy's resolver says 127.0.0.2, as a rebinding DNS
        // server would on its second answer. The connection must follow the checked answer.
        assumeTrue(other != null, "127.0.0.2 cannot be bound here");
        int port = plain.getAddress().getPort();
        try (OutboundHttp client = client(resolving("127.0.0.2", new AtomicInteger()))) {
            assertThat(get(client, "http://localhost:" + port + "/")).startsWith("rebound ");
        }
    }

    @Test
    void everyNewConnectionResolvesAndChecksTheNameAgain() throws Exception {
        // the first answer passes; once the kept connection is gone, the name answers a metadata address
        AtomicInteger lookups = new AtomicInteger();
        OutboundPolicy rebinding = OutboundPolicy.allowingPrivate().withResolver(host -> new InetAddress[] {
                InetAddress.getByName(lookups.incrementAndGet() == 1 ? "127.0.0.1" : "169.254.169.254")});
        int port = plain.getAddress().getPort();
        try (OutboundHttp client = new OutboundHttp(OutboundHttp.Settings.of(rebinding).withIdle(Duration.ofMillis(50)))) {
            assertThat(get(client, "http://rebind.invalid:" + port + "/")).startsWith("checked ");
            Thread.sleep(300); // idle past its limit: the connection is closed
            assertThat(client.openConnections()).isZero();
            assertThat(failure(client, "http://rebind.invalid:" + port + "/")).isEqualTo(OutboundHttp.FailureKind.REFUSED);
        }
        assertThat(lookups).hasValue(2);
    }

    @Test
    void httpsKeepsSniAndHostnameVerification() throws Exception {
        int port = tls.getAddress().getPort();
        try (OutboundHttp client = client(resolving("127.0.0.1", new AtomicInteger()))) {
            assertThat(get(client, "https://pinned.test:" + port + "/x")).isEqualTo("secure pinned.test:" + port + " /x");
            assertThat(sniSeen).contains("pinned.test");
            // the same server under a name its certificate does not carry: the handshake must fail
            assertThat(failure(client, "https://wrong.test:" + port + "/x")).isEqualTo(OutboundHttp.FailureKind.TLS);
        }
    }

    @Test
    void aRefusedConnectionIsReportedAsSuch() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        try (OutboundHttp client = client(resolving("127.0.0.1", new AtomicInteger()))) {
            assertThat(failure(client, "https://pinned.test:" + closed + "/x")).isEqualTo(OutboundHttp.FailureKind.CONNECT_REFUSED);
            assertThat(failure(client, "http://pinned.test:" + closed + "/x")).isEqualTo(OutboundHttp.FailureKind.CONNECT_REFUSED);
        }
    }

    @Test
    void refusedAddressesAreNeverOpened() {
        try (OutboundHttp client = OutboundHttp.create(OutboundPolicy.publicOnly())) {
            for (String url : List.of("http://127.0.0.1/", "http://localhost/", "https://[::1]/", "http://169.254.169.254/",
                    "http://[fd00:ec2::254]/", "http://0.0.0.0:8080/", "http://[::ffff:10.0.0.1]/", "http://2130706433/",
                    "ftp://example.com/", "file:///etc/passwd")) {
                assertThat(failure(client, url)).as(url).isIn(OutboundHttp.FailureKind.REFUSED, OutboundHttp.FailureKind.UNKNOWN_HOST);
            }
            assertThat(client.openConnections()).isZero();
        }
    }

    @Test
    void aKeptConnectionTheServerClosedIsReplacedWithoutFailingTheCall() throws Exception {
        // a server that answers with keep-alive and then closes every connection, as servers with a short idle timeout do
        try (RawServer server = new RawServer(in -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)) {
            try (OutboundHttp client = client(resolving("127.0.0.1", new AtomicInteger()))) {
                for (int i = 0; i < 3; i++) {
                    assertThat(get(client, "http://closing.invalid:" + server.port() + "/")).isEqualTo("ok");
                    Thread.sleep(20); // let the close arrive
                }
            }
            assertThat(server.connections()).hasValue(3);
        }
    }

    @Test
    void anAnswerThatTricklesPastTheDeadlineIsCutOff() throws Exception {
        try (RawServer server = new RawServer(in -> {
            Thread.sleep(30_000);
            return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        }, false); OutboundHttp client = client(resolving("127.0.0.1", new AtomicInteger()))) {
            assertThatThrownBy(() -> client.send(OutboundHttp.Request.get(URI.create("http://slow.invalid:" + server.port() + "/"),
                    Map.of()), CONNECT, Duration.ofMillis(300), OutboundHttp.BodyLimit.upTo(100)))
                    .isInstanceOfSatisfying(OutboundHttp.Failure.class,
                            f -> assertThat(f.kind()).isEqualTo(OutboundHttp.FailureKind.TIMEOUT));
        }
    }

    @Test
    void anAnswerOverTheCapIsAbandonedUnreadAndItsConnectionDropped() throws Exception {
        try (RawServer server = new RawServer(in -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "400\r\n" + "x".repeat(1024) + "\r\n".repeat(1) + "400\r\n" + "y".repeat(1024) + "\r\n0\r\n\r\n", false);
             OutboundHttp client = client(resolving("127.0.0.1", new AtomicInteger()))) {
            OutboundHttp.Response r = client.send(OutboundHttp.Request.get(URI.create("http://big.invalid:" + server.port() + "/"),
                    Map.of()), CONNECT, Duration.ofSeconds(5), OutboundHttp.BodyLimit.upTo(1500));
            assertThat(r.tooLarge()).isTrue();
            assertThat(r.body()).isEmpty();
            assertThat(client.openConnections()).isZero();
            OutboundHttp.Response whole = client.send(OutboundHttp.Request.get(URI.create("http://big.invalid:" + server.port() + "/"),
                    Map.of()), CONNECT, Duration.ofSeconds(5), OutboundHttp.BodyLimit.upTo(4096));
            assertThat(whole.body()).hasSize(2048);
            assertThat(client.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void connectionsToOneOriginAreBounded() throws Exception {
        AtomicInteger open = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (RawServer server = new RawServer(in -> {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            Thread.sleep(50);
            open.decrementAndGet();
            return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        }, false); OutboundHttp client = new OutboundHttp(OutboundHttp.Settings.of(resolving("127.0.0.1", new AtomicInteger()))
                .withMaxPerOrigin(2))) {
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<String>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    calls.add(pool.submit(() -> get(client, "http://bounded.invalid:" + server.port() + "/")));
                }
                for (var c : calls) {
                    assertThat(c.get()).isEqualTo("ok");
                }
            }
            assertThat(most.get()).isEqualTo(2);
            assertThat(server.connections()).hasValue(2);
        }
    }

    @Test
    void headersThatFrameOrSplitTheMessageAreRefused() {
        for (Map<String, String> headers : List.of(Map.of("Host", "elsewhere"), Map.of("Content-Length", "1"),
                Map.of("Transfer-Encoding", "chunked"), Map.of("X-Key", "a\r\nInjected: yes"), Map.of("Bad Name", "x"))) {
            assertThatThrownBy(() -> OutboundHttp.Request.get(URI.create("http://x.invalid/"), headers))
                    .as(headers.toString()).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * A server on raw sockets: reads each request head (and a Content-Length body), answers what
     * {@code answer} gives, and keeps the connection unless {@code closeAfter}.
     */
    static final class RawServer implements AutoCloseable {
        interface Answer {
            String answer(String head) throws Exception;
        }

        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final AtomicInteger connections = new AtomicInteger();

        RawServer(Answer answer, boolean closeAfter) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    java.net.Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            while (true) {
                                String head = head(in);
                                if (head == null) {
                                    return;
                                }
                                s.getOutputStream().write(answer.answer(head).getBytes(StandardCharsets.ISO_8859_1));
                                s.getOutputStream().flush();
                                if (closeAfter) {
                                    return;
                                }
                            }
                        } catch (Exception e) {
                            // the client went away
                        }
                    });
                }
            });
        }

        private static String head(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.append((char) c);
                matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
            }
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).strip()));
                }
            }
            return head.toString();
        }

        int port() {
            return server.getLocalPort();
        }

        AtomicInteger connections() {
            return connections;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
