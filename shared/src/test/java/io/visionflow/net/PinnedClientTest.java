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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real servers on loopback, reached through names that only the test's resolver knows: if the
 * JDK client resolved a name itself, it would fail, so every success proves the connection went to
 * the address the policy checked.
 */
class PinnedClientTest {
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
        server.createContext("/", exchange -> {
            byte[] body = (answer + " " + exchange.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
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

    private static String get(PinnedClient client, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = client.client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    @Test
    void plainHttpGoesToTheCheckedAddressWithTheNameAsHost() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        int port = plain.getAddress().getPort();
        URI url = URI.create("http://images.invalid:" + port + "/a.png");
        try (PinnedClient client = PinnedClient.open(url, resolving("127.0.0.1", lookups), PinnedClient.Options.of(CONNECT))) {
            assertThat(get(client, url.toString())).isEqualTo("checked images.invalid:" + port);
            assertThat(get(client, url.toString())).isEqualTo("checked images.invalid:" + port);
            assertThat(client.serves(URI.create("http://images.invalid:" + port + "/b"))).isTrue();
            assertThat(client.serves(URI.create("http://elsewhere.invalid:" + port + "/b"))).isFalse();
            // another origin on the same client cannot be reached: it is not resolved, not connected
            assertThatThrownBy(() -> get(client, "http://127.0.0.2:" + port + "/")).isInstanceOf(IOException.class);
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void aNameTheJvmResolvesDifferentlyStillReachesOnlyTheCheckedAddress() throws Exception {
        // localhost is 127.0.0.1 to the JVM; the policy's resolver says 127.0.0.2, as a rebinding DNS
        // server would on its second answer. The connection must follow the checked answer.
        assumeTrue(other != null, "127.0.0.2 cannot be bound here");
        int port = plain.getAddress().getPort();
        URI url = URI.create("http://localhost:" + port + "/");
        try (PinnedClient client = PinnedClient.open(url, resolving("127.0.0.2", new AtomicInteger()),
                PinnedClient.Options.of(CONNECT))) {
            assertThat(get(client, url.toString())).startsWith("rebound ");
        }
    }

    @Test
    void httpsKeepsSniAndHostnameVerification() throws Exception {
        int port = tls.getAddress().getPort();
        URI url = URI.create("https://pinned.test:" + port + "/x");
        PinnedClient.Options options = PinnedClient.Options.of(CONNECT).withSslContext(trusting);
        try (PinnedClient client = PinnedClient.open(url, resolving("127.0.0.1", new AtomicInteger()), options)) {
            assertThat(get(client, url.toString())).isEqualTo("secure pinned.test:" + port);
        }
        assertThat(sniSeen).contains("pinned.test");
        // the same server under a name its certificate does not carry: the handshake must fail
        URI wrong = URI.create("https://wrong.test:" + port + "/x");
        try (PinnedClient client = PinnedClient.open(wrong, resolving("127.0.0.1", new AtomicInteger()), options)) {
            assertThatThrownBy(() -> get(client, wrong.toString())).isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aRefusedConnectionThroughTheTunnelIsReported() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        URI url = URI.create("https://pinned.test:" + closed + "/x");
        try (PinnedClient client = PinnedClient.open(url, resolving("127.0.0.1", new AtomicInteger()),
                PinnedClient.Options.of(CONNECT).withSslContext(trusting))) {
            assertThatThrownBy(() -> get(client, url.toString())).isInstanceOf(IOException.class);
            assertThat(client.connectFailure()).isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void refusedAddressesAreNeverOpened() {
        for (String url : List.of("http://127.0.0.1/", "http://localhost/", "https://[::1]/", "http://169.254.169.254/",
                "http://[fd00:ec2::254]/", "http://0.0.0.0:8080/", "http://[::ffff:10.0.0.1]/", "http://2130706433/")) {
            assertThatThrownBy(() -> PinnedClient.open(URI.create(url), OutboundPolicy.publicOnly(),
                    PinnedClient.Options.of(CONNECT)))
                    .as(url).isInstanceOfAny(RefusedAddressException.class, java.net.UnknownHostException.class);
        }
    }
}
