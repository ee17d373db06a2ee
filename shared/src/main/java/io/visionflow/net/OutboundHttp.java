package io.visionflow.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.lang.ref.WeakReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import jdk.net.ExtendedSocketOptions;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.protocol.DefaultHttpProcessor;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http.protocol.HttpProcessor;
import org.apache.hc.core5.http.protocol.RequestConnControl;
import org.apache.hc.core5.http.protocol.RequestContent;
import org.apache.hc.core5.http.protocol.RequestTargetHost;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.URIAuthority;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The one HTTP/1.1 client of every outbound request ({@code _url} images, remote model servers,
 * webhooks), on Apache HttpCore 5's classic connections (message parsing, chunked coding, reuse
 * rules) and its connection pool. It exists for what the JDK's client cannot do: choose the address
 * it connects to. Every new connection resolves the URL's host through the {@link OutboundPolicy},
 * which checks every address the name has, and connects to a checked address only, so DNS cannot
 * answer differently between the check and the connection (no rebinding window). Requests go out in
 * origin form ({@code POST /path HTTP/1.1} with {@code Host}), as to any origin server; TLS sends the
 * host name as SNI and verifies the certificate against it.
 *
 * <p>Keep-alive connections are pooled per origin (scheme, host, port), bounded per origin and in
 * all, closed after {@link Settings#idle()} without use and after {@link Settings#timeToLive()} in
 * any case (so a changed DNS answer is picked up), and checked before reuse when idle for more than
 * a second. A request that fails on a reused connection before any answer (the server had closed it)
 * is sent once more on a new one. Redirects are never followed: callers check every hop.
 *
 * <p>A call has one deadline, connection and answer included: a server that trickles its answer is
 * cut off there, and an answer over the caller's size cap is abandoned unread. Thread-safe.
 */
public final class OutboundHttp implements AutoCloseable {
    /** Where every failure of a call is sorted, so that callers can word it for their users. */
    public enum FailureKind {
        /** The policy refused the URL or an address its name has. */
        REFUSED,
        UNKNOWN_HOST,
        CONNECT_TIMEOUT,
        CONNECT_REFUSED,
        TLS,
        /** The deadline passed before the answer was read. */
        TIMEOUT,
        /** Anything else: the connection dropped, the answer was not HTTP. */
        FAILED
    }

    /** Why a call has no answer; {@link #kind()} says in which way. */
    public static final class Failure extends IOException {
        private final FailureKind kind;

        Failure(FailureKind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }

        public FailureKind kind() {
            return kind;
        }
    }

    /**
     * @param policy        which addresses may be reached
     * @param sslContext    null for the JVM's trust store (tests bring their own authority)
     * @param maxPerOrigin  connections open to one origin at a time; more callers wait
     * @param maxTotal      connections open in all
     * @param idle          an unused connection is closed after this
     * @param timeToLive    any connection is closed after this, and the name resolved anew
     */
    public record Settings(OutboundPolicy policy, SSLContext sslContext, int maxPerOrigin, int maxTotal,
                           Duration idle, Duration timeToLive) {
        public Settings {
            Objects.requireNonNull(policy, "policy");
            if (maxPerOrigin < 1 || maxTotal < maxPerOrigin || !idle.isPositive() || !timeToLive.isPositive()) {
                throw new IllegalArgumentException("pool bounds must be positive, maxTotal >= maxPerOrigin");
            }
        }

        /** 32 connections per origin, 128 in all, closed after 30 s idle or 5 min. */
        public static Settings of(OutboundPolicy policy) {
            return new Settings(policy, null, 32, 128, Duration.ofSeconds(30), Duration.ofMinutes(5));
        }

        public Settings withSslContext(SSLContext context) {
            return new Settings(policy, context, maxPerOrigin, maxTotal, idle, timeToLive);
        }

        public Settings withIdle(Duration d) {
            return new Settings(policy, sslContext, maxPerOrigin, maxTotal, d, timeToLive);
        }

        public Settings withMaxPerOrigin(int n) {
            return new Settings(policy, sslContext, n, Math.max(maxTotal, n), idle, timeToLive);
        }
    }

    /**
     * One request. {@code headers} keep their order; {@code Host}, {@code Content-Length} and
     * {@code Connection} are the client's.
     */
    public record Request(String method, URI uri, Map<String, String> headers, byte[] body) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            headers.forEach(OutboundHttp::checkHeader);
        }

        public static Request get(URI uri, Map<String, String> headers) {
            return new Request("GET", uri, headers, null);
        }

        public static Request post(URI uri, Map<String, String> headers, byte[] body) {
            return new Request("POST", uri, headers, body);
        }
    }

    /** How much of an answer's body to read, decided from its status and headers. */
    @FunctionalInterface
    public interface BodyLimit {
        /** The most bytes to read; a negative number reads none (the body is dropped). */
        long maxBytes(int status, Headers headers);

        static BodyLimit upTo(long maxBytes) {
            return (status, headers) -> maxBytes;
        }

        static BodyLimit none() {
            return (status, headers) -> -1;
        }
    }

    /** An answer's headers, names compared without case. */
    public record Headers(Map<String, String> values) {
        public java.util.Optional<String> first(String name) {
            return java.util.Optional.ofNullable(values.get(name.toLowerCase(Locale.ROOT)));
        }

        public long contentLength() {
            try {
                return first("content-length").map(v -> Long.parseLong(v.strip())).orElse(-1L);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /**
     * An answer. {@code body} is empty when the limit said to drop it ({@code dropped}) or when it
     * was larger than allowed ({@code tooLarge}).
     */
    public record Response(int status, Headers headers, byte[] body, boolean tooLarge, boolean dropped) {
    }

    /** Validate a pooled connection before reuse when it has not been used for this long. */
    private static final long VALIDATE_AFTER_MILLIS = 1000;
    /** A dropped body this small is read to keep the connection; a larger one closes it. */
    private static final long DRAIN_MAX = 16 * 1024;

    private static final HttpProcessor PROCESSOR =
            new DefaultHttpProcessor(new RequestContent(), new RequestTargetHost(), new RequestConnControl());
    private static final HttpRequestExecutor EXECUTOR = new HttpRequestExecutor();

    private final Settings settings;
    private final StrictConnPool<HttpHost, Connection> pool;
    private final SSLSocketFactory tls;
    private final ScheduledFuture<?> evictor;

    public OutboundHttp(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.pool = new StrictConnPool<>(settings.maxPerOrigin(), settings.maxTotal(),
                TimeValue.of(settings.timeToLive()), PoolReusePolicy.LIFO, null);
        this.tls = settings.sslContext() == null ? null : settings.sslContext().getSocketFactory();
        // the task holds the pool weakly: a client dropped without close() is still collected
        WeakReference<StrictConnPool<HttpHost, Connection>> ref = new WeakReference<>(pool);
        long every = Math.max(1, settings.idle().toMillis() / 2);
        this.evictor = Timers.INSTANCE.scheduleWithFixedDelay(() -> {
            var p = ref.get();
            if (p == null || p.isShutdown()) {
                throw new IllegalStateException("pool gone"); // ends the schedule
            }
            p.closeIdle(TimeValue.of(settings.idle()));
            p.closeExpired();
        }, every, every, TimeUnit.MILLISECONDS);
    }

    public static OutboundHttp create(OutboundPolicy policy) {
        return new OutboundHttp(Settings.of(policy));
    }

    public OutboundPolicy policy() {
        return settings.policy();
    }

    /**
     * Sends {@code request} and reads its answer, all within {@code timeout}; connecting alone
     * within {@code connectTimeout}.
     *
     * @throws Failure              when there is no answer, sorted by {@link FailureKind}
     * @throws InterruptedIOException when the calling thread is interrupted
     */
    public Response send(Request request, Duration connectTimeout, Duration timeout, BodyLimit limit)
            throws Failure, InterruptedIOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpHost origin = origin(request.uri());
        for (int attempt = 1; ; attempt++) {
            PoolEntry<HttpHost, Connection> entry = lease(origin, deadline, timeout);
            boolean reused = entry.hasConnection();
            boolean reusable = false;
            Watchdog watchdog = null;
            try {
                if (!reused) {
                    entry.assignConnection(connect(request.uri(), origin, connectTimeout, deadline, timeout));
                }
                Connection conn = entry.getConnection();
                watchdog = Watchdog.start(conn, deadline);
                Exchange exchange = exchange(conn, request, limit);
                reusable = exchange.reusable();
                return exchange.response();
            } catch (Failure f) {
                throw f;
            } catch (IOException | HttpException e) {
                if (e instanceof SocketTimeoutException && watchdog == null) {
                    // the TLS handshake, which runs under the connect timeout
                    throw new Failure(FailureKind.CONNECT_TIMEOUT, "could not connect within "
                            + connectTimeout.toMillis() + " ms", e);
                }
                // reads wait at most until the deadline, so a read that timed out is the deadline too
                boolean late = watchdog != null && watchdog.fired() || e instanceof SocketTimeoutException
                        || System.nanoTime() - deadline >= 0;
                if (late) {
                    throw new Failure(FailureKind.TIMEOUT, "no answer within " + timeout.toMillis() + " ms", e);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw (InterruptedIOException) new InterruptedIOException("interrupted").initCause(e);
                }
                // a kept connection the server had closed: the request never reached it, send it anew
                if (reused && attempt == 1 && (e instanceof NoHttpResponseException
                        || e instanceof ConnectionClosedException || e instanceof java.net.SocketException)) {
                    continue;
                }
                throw new Failure(e instanceof SSLException ? FailureKind.TLS : FailureKind.FAILED,
                        e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
            } finally {
                if (watchdog != null && !watchdog.cancel()) {
                    reusable = false; // it closed the connection as the call ended
                }
                if (reusable) {
                    entry.updateExpiry(TimeValue.of(settings.idle()));
                }
                pool.release(entry, reusable);
            }
        }
    }

    private record Exchange(Response response, boolean reusable) {
    }

    private static Exchange exchange(Connection conn, Request request, BodyLimit limit)
            throws IOException, HttpException {
        BasicClassicHttpRequest message = new BasicClassicHttpRequest(request.method(), target(request.uri()));
        message.setScheme(request.uri().getScheme().toLowerCase(Locale.ROOT));
        message.setAuthority(new URIAuthority(request.uri().getHost(), request.uri().getPort()));
        request.headers().forEach(message::addHeader);
        if (request.body() != null) {
            // no type on the entity: the caller's Content-Type header is sent as given
            message.setEntity(new ByteArrayEntity(request.body(), null));
        }
        HttpCoreContext context = HttpCoreContext.create();
        EXECUTOR.preProcess(message, PROCESSOR, context);
        ClassicHttpResponse response = EXECUTOR.execute(message, conn, context);
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : response.getHeaders()) {
            headers.putIfAbsent(h.getName().toLowerCase(Locale.ROOT), h.getValue());
        }
        Headers answer = new Headers(java.util.Collections.unmodifiableMap(headers));
        boolean keepAlive = DefaultConnectionReuseStrategy.INSTANCE.keepAlive(message, response, context);
        HttpEntity entity = response.getEntity();
        int status = response.getCode();
        if (entity == null) {
            return new Exchange(new Response(status, answer, new byte[0], false, false), keepAlive);
        }
        long max = limit.maxBytes(status, answer);
        long declared = entity.getContentLength();
        if (max < 0 || declared > max) {
            // read a small body to the end so the connection can serve again; else drop both
            boolean drained = declared >= 0 && declared <= DRAIN_MAX && drain(entity.getContent(), declared);
            if (!drained) {
                conn.close(CloseMode.IMMEDIATE);
            }
            return new Exchange(new Response(status, answer, new byte[0], max >= 0, max < 0), keepAlive && drained);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, 1 << 20)));
        // not closed on the way out: closing a body stream reads it to its end, and an endless one never ends
        InputStream in = entity.getContent();
        byte[] buffer = new byte[16 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
            if (total > max) {
                conn.close(CloseMode.IMMEDIATE);
                return new Exchange(new Response(status, answer, new byte[0], true, false), false);
            }
            out.write(buffer, 0, n);
        }
        in.close();
        return new Exchange(new Response(status, answer, out.toByteArray(), false, false), keepAlive);
    }

    private static boolean drain(InputStream in, long length) throws IOException {
        try (in) {
            in.skipNBytes(length);
            return true;
        } catch (java.io.EOFException e) {
            return false;
        }
    }

    /** Headers that say how the message is framed or routed: the client's to write, never a caller's. */
    private static final java.util.Set<String> OWN_HEADERS = java.util.Set.of("host", "content-length",
            "transfer-encoding", "connection", "keep-alive", "upgrade", "expect", "te", "trailer", "proxy-connection");

    /**
     * Refuses a header a caller may not send: one of the framing headers above, a name that is not
     * an HTTP token, or a value with control characters (which could split the request).
     *
     * @throws IllegalArgumentException naming the header
     */
    public static void checkHeader(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(OutboundHttp::isTokenChar)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid header name");
        }
        if (OWN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("header \"" + name + "\" is set by the client itself");
        }
        if (value == null || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            throw new IllegalArgumentException("header \"" + name + "\" has a value with control characters");
        }
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    /** The request target in origin form: the path (at least "/") and query, never the scheme or host. */
    static String target(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private static HttpHost origin(URI uri) throws Failure {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new Failure(FailureKind.REFUSED, "must be an absolute http or https URL", null);
        }
        return new HttpHost(scheme, uri.getHost().toLowerCase(Locale.ROOT), port(uri));
    }

    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private PoolEntry<HttpHost, Connection> lease(HttpHost origin, long deadline, Duration timeout)
            throws Failure, InterruptedIOException {
        Future<PoolEntry<HttpHost, Connection>> future =
                pool.lease(origin, null, Timeout.ofNanoseconds(Math.max(1, deadline - System.nanoTime())), null);
        PoolEntry<HttpHost, Connection> entry;
        try {
            entry = future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a connection");
        } catch (ExecutionException | TimeoutException e) {
            future.cancel(true);
            throw new Failure(FailureKind.TIMEOUT, "no connection free within " + timeout.toMillis() + " ms", e);
        }
        if (entry.hasConnection() && System.currentTimeMillis() - entry.getUpdated() > VALIDATE_AFTER_MILLIS) {
            try {
                if (entry.getConnection().isStale()) {
                    entry.discardConnection(CloseMode.IMMEDIATE);
                }
            } catch (IOException e) {
                entry.discardConnection(CloseMode.IMMEDIATE);
            }
        }
        return entry;
    }

    /** A new connection to a checked address of the URL's host: resolved here, once, by the policy. */
    private Connection connect(URI uri, HttpHost origin, Duration connectTimeout, long deadline,
                                                 Duration timeout) throws Failure, IOException {
        List<InetAddress> addresses;
        try {
            addresses = settings.policy().resolveAll(uri);
        } catch (RefusedAddressException e) {
            throw new Failure(FailureKind.REFUSED, e.getMessage(), e);
        } catch (UnknownHostException e) {
            throw new Failure(FailureKind.UNKNOWN_HOST, "unknown host " + uri.getHost(), e);
        }
        IOException last = null;
        for (InetAddress address : addresses) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remaining <= 0) {
                throw new Failure(FailureKind.TIMEOUT, "no answer within " + timeout.toMillis() + " ms", last);
            }
            int connectMillis = (int) Math.max(1, Math.min(remaining, connectTimeout.toMillis()));
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(address, origin.getPort()), connectMillis);
            } catch (IOException e) {
                socket.close();
                last = e;
                continue; // the name's next checked address, if it has one
            }
            try {
                Connection conn = new Connection(socket);
                conn.bind(origin.getSchemeName().equals("https") ? handshake(socket, origin, connectMillis) : socket);
                return conn;
            } catch (SSLException e) {
                socket.close();
                throw new Failure(FailureKind.TLS, "TLS with " + origin.getHostName() + " failed: " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }
        if (last instanceof SocketTimeoutException) {
            throw new Failure(FailureKind.CONNECT_TIMEOUT, "could not connect within " + connectTimeout.toMillis()
                    + " ms", last);
        }
        throw new Failure(last instanceof ConnectException ? FailureKind.CONNECT_REFUSED : FailureKind.FAILED,
                "could not connect to " + origin.getHostName() + ": " + (last == null ? "no address" : last.getMessage()),
                last);
    }

    /** TLS over the connected socket, with the URL's host for SNI and for checking the certificate. */
    private Socket handshake(Socket socket, HttpHost origin, int timeoutMillis) throws IOException {
        String host = origin.getHostName();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        SSLSocketFactory factory = tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault();
        SSLSocket ssl = (SSLSocket) factory.createSocket(socket, host, origin.getPort(), true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!host.contains(":") && !Character.isDigit(host.charAt(host.length() - 1))) {
            params.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(timeoutMillis);
        ssl.startHandshake();
        return ssl;
    }

    /** Connections open now, idle and in use (tests). */
    public int openConnections() {
        var stats = pool.getTotalStats();
        return stats.getAvailable() + stats.getLeased();
    }

    @Override
    public void close() {
        evictor.cancel(false);
        pool.close(CloseMode.IMMEDIATE);
    }

    /**
     * A connection that acknowledges the answer's first bytes at once. Servers that write an
     * answer's head and body separately without TCP_NODELAY (Python's http.server among them) hold
     * the body back until the head is acknowledged (Nagle), and a receiver in interactive mode
     * delays that acknowledgement by up to 40 ms: every call on a kept connection to such a server
     * took 43 ms instead of 0.3. Linux's TCP_QUICKACK, set after the request is sent, acknowledges
     * at once; elsewhere the option is absent and nothing changes.
     */
    static final class Connection extends DefaultBHttpClientConnection {
        private final Socket plain;
        private final boolean quickAck;

        Connection(Socket plain) {
            super(Http1Config.DEFAULT);
            this.plain = plain;
            this.quickAck = plain.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        }

        @Override
        public ClassicHttpResponse receiveResponseHeader() throws HttpException, IOException {
            if (quickAck) {
                plain.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            }
            return super.receiveResponseHeader();
        }
    }

    /** Closes a connection at the call's deadline, which ends any read blocked on it. */
    private static final class Watchdog implements Runnable {
        private final Connection conn;
        private volatile boolean fired;
        private ScheduledFuture<?> task;

        private Watchdog(Connection conn) {
            this.conn = conn;
        }

        static Watchdog start(Connection conn, long deadline) throws IOException {
            long remaining = deadline - System.nanoTime();
            // blocking reads also wake at the deadline, whichever comes first
            conn.setSocketTimeout(Timeout.ofMilliseconds(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining))));
            Watchdog w = new Watchdog(conn);
            w.task = Timers.INSTANCE.schedule(w, Math.max(0, remaining), TimeUnit.NANOSECONDS);
            return w;
        }

        @Override
        public void run() {
            fired = true;
            conn.close(CloseMode.IMMEDIATE);
        }

        boolean fired() {
            return fired;
        }

        /** False when it had already fired. */
        boolean cancel() {
            return task.cancel(false) && !fired;
        }
    }

    /** One daemon thread for every client's deadlines and idle sweeps. */
    private static final class Timers {
        static final ScheduledThreadPoolExecutor INSTANCE = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "outbound-http-timer");
                t.setDaemon(true);
                return t;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
