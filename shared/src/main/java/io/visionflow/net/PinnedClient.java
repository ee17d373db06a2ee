package io.visionflow.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * An {@link HttpClient} whose connections can only reach one address, checked by an
 * {@link OutboundPolicy}: the name is resolved once, by the policy, and the client never resolves
 * it again, so there is no DNS rebinding window between the check and the connection.
 *
 * <p>The JDK client has no per-client resolver (JEP 418's resolver is JVM-wide and sits behind the
 * JVM's own DNS cache) and refuses a {@code Host} header of our choosing, so it cannot simply be
 * given an IP-literal URL. Instead it is given a proxy, which it connects to without resolving the
 * target:
 * <ul>
 * <li><b>https</b>: a {@link ConnectTunnel} on loopback that only opens {@code CONNECT host:port}
 *     to the checked address. TLS runs end to end inside the tunnel, with SNI and certificate
 *     hostname verification against the URL's host as usual (and HTTP/2 still negotiated);</li>
 * <li><b>http</b>: the checked server itself, as an HTTP proxy. The request then goes out in
 *     absolute form ({@code GET http://host/path}, with {@code Host: host}), which every HTTP/1.1
 *     server must accept (RFC 9112 section 3.2.2).</li>
 * </ul>
 * Requests for any other scheme, host or port fail instead of connecting anywhere else. The client
 * never follows redirects: callers check every hop with a new pinned client.
 */
public final class PinnedClient implements AutoCloseable {
    private final URI origin;
    private final InetAddress address;
    private final HttpClient client;
    private final ConnectTunnel tunnel;

    private PinnedClient(URI origin, InetAddress address, HttpClient client, ConnectTunnel tunnel) {
        this.origin = origin;
        this.address = address;
        this.client = client;
        this.tunnel = tunnel;
    }

    /** What {@link #open} needs besides the policy. */
    public record Options(Duration connectTimeout, HttpClient.Version version, SSLContext sslContext) {
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(version, "version");
        }

        public static Options of(Duration connectTimeout) {
            return new Options(connectTimeout, HttpClient.Version.HTTP_1_1, null);
        }

        public Options withVersion(HttpClient.Version v) {
            return new Options(connectTimeout, v, sslContext);
        }

        /** Trust other certificates than the JVM's (tests with their own certificate authority). */
        public Options withSslContext(SSLContext context) {
            return new Options(connectTimeout, version, context);
        }
    }

    /**
     * Checks {@code target} with {@code policy} and opens a client pinned to its address.
     *
     * @throws RefusedAddressException when the policy refuses the URL or the address
     * @throws UnknownHostException    when the host does not resolve
     * @throws IOException             when the loopback tunnel cannot be opened
     */
    public static PinnedClient open(URI target, OutboundPolicy policy, Options options) throws IOException,
            RefusedAddressException {
        InetAddress address = policy.resolve(target);
        boolean https = target.getScheme().equalsIgnoreCase("https");
        int port = port(target);
        URI origin = URI.create(target.getScheme().toLowerCase(Locale.ROOT) + "://" + target.getRawAuthority());
        ConnectTunnel tunnel = https
                ? new ConnectTunnel(target.getHost(), port, address, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()))
                : null;
        InetSocketAddress proxy = https ? tunnel.address() : new InetSocketAddress(address, port);
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(https ? options.version() : HttpClient.Version.HTTP_1_1)
                .proxy(new OneProxy(origin, port, new Proxy(Proxy.Type.HTTP, proxy)));
        if (options.sslContext() != null) {
            builder.sslContext(options.sslContext());
        }
        try {
            return new PinnedClient(origin, address, builder.build(), tunnel);
        } catch (RuntimeException e) {
            if (tunnel != null) {
                tunnel.close();
            }
            throw e;
        }
    }

    public HttpClient client() {
        return client;
    }

    /** The checked address every connection goes to. */
    public InetAddress address() {
        return address;
    }

    /** True when {@code uri} has this client's scheme, host and port, so that it can be sent here. */
    public boolean serves(URI uri) {
        return OneProxy.sameOrigin(origin, port(origin), uri);
    }

    /**
     * Why connecting through the tunnel failed, when a request failed with the client's generic
     * "tunnel failed" error; null otherwise (and always for http, where the client connects itself).
     */
    public IOException connectFailure() {
        return tunnel == null ? null : tunnel.connectFailure();
    }

    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /**
     * Stops taking requests but lets those in flight finish (up to {@code grace}), then closes: for
     * a client replaced while other threads may still be using it.
     */
    public void retire(Duration grace) {
        client.shutdown();
        Thread.ofVirtual().name("pinned-client-retire").start(() -> {
            try {
                client.awaitTermination(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                close();
            }
        });
    }

    @Override
    public void close() {
        client.shutdownNow();
        if (tunnel != null) {
            tunnel.close();
        }
    }

    /** Routes the one origin to its pinned proxy; anything else gets a proxy that cannot be reached. */
    private static final class OneProxy extends ProxySelector {
        private static final List<Proxy> NOWHERE =
                List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        private final URI origin;
        private final int port;
        private final List<Proxy> proxy;

        OneProxy(URI origin, int port, Proxy proxy) {
            this.origin = origin;
            this.port = port;
            this.proxy = List.of(proxy);
        }

        static boolean sameOrigin(URI origin, int port, URI uri) {
            return uri.getScheme() != null && uri.getHost() != null
                    && uri.getScheme().equalsIgnoreCase(origin.getScheme())
                    && uri.getHost().equalsIgnoreCase(origin.getHost())
                    && port(uri) == port;
        }

        @Override
        public List<Proxy> select(URI uri) {
            return sameOrigin(origin, port, uri) ? proxy : NOWHERE;
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            // nothing to fall back to
        }
    }
}
