package io.visionflow.image;

import io.visionflow.net.OutboundPolicy;
import io.visionflow.net.PinnedClient;
import io.visionflow.net.RefusedAddressException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Fetches {@code _url} images with {@link HttpClient}: http and https only, a connect timeout and a
 * total timeout that also covers the body, a size cap enforced while the body streams, a body that
 * is not an image type refused unread, and redirects followed by hand so that every hop is checked
 * by the {@link OutboundPolicy} and connected to through a {@link PinnedClient} (no DNS rebinding).
 *
 * <p>Thread-safe and stateless between fetches.
 */
public final class HttpUrlFetcher implements UrlFetcher {

    /**
     * @param connectTimeout how long to wait for a TCP/TLS connection to each host
     * @param totalTimeout   the whole fetch, redirects and body included
     * @param maxRedirects   redirects followed before giving up
     * @param userAgent      sent as {@code User-Agent}; some image hosts refuse requests without one
     */
    public record Options(Duration connectTimeout, Duration totalTimeout, int maxRedirects, String userAgent) {
        public Options {
            if (connectTimeout.isNegative() || connectTimeout.isZero() || totalTimeout.isNegative()
                    || totalTimeout.isZero() || maxRedirects < 0) {
                throw new IllegalArgumentException("timeouts must be positive and maxRedirects not negative");
            }
        }

        /** Connect 5 s, total 20 s, 3 redirects. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(5), Duration.ofSeconds(20), 3, "Visionflow/1.0 (image fetcher)");
        }

        public Options withTotalTimeout(Duration timeout) {
            return new Options(connectTimeout, timeout, maxRedirects, userAgent);
        }

        public Options withConnectTimeout(Duration timeout) {
            return new Options(timeout, totalTimeout, maxRedirects, userAgent);
        }
    }

    private static final int MAX_URL_IN_MESSAGE = 200;

    private final Options options;
    private final OutboundPolicy policy;

    /** Default {@link Options}; the policy is explicit so that nobody fetches without one by accident. */
    public HttpUrlFetcher(OutboundPolicy policy) {
        this(Options.defaults(), policy);
    }

    public HttpUrlFetcher(Options options, OutboundPolicy policy) {
        this.options = options;
        this.policy = policy;
    }

    @Override
    public byte[] fetch(String url, long maxBytes) throws ImageException {
        long deadline = System.nanoTime() + options.totalTimeout().toNanos();
        URI target = parse(url);
        for (int redirects = 0; ; redirects++) {
            checkScheme(target);
            HttpResponse<Body> response;
            // every hop is resolved, checked and connected to anew: a redirect is a new address
            try (PinnedClient pinned = pin(target)) {
                response = send(pinned, target, maxBytes, deadline);
            }
            int status = response.statusCode();
            if (isRedirect(status)) {
                if (redirects >= options.maxRedirects()) {
                    throw ImageException.badRequest("too many redirects (more than " + options.maxRedirects()
                            + ") fetching " + shown(url));
                }
                URI from = target;
                String location = response.headers().firstValue("location")
                        .orElseThrow(() -> ImageException.badRequest(shown(from) + " answered HTTP " + status
                                + " without a Location"));
                target = resolve(from, location);
                continue;
            }
            if (status < 200 || status > 299) {
                throw ImageException.badRequest(shown(target) + " answered HTTP " + status);
            }
            Body body = response.body();
            if (body.wrongType() != null) {
                throw ImageException.badRequest(shown(target) + " answered Content-Type \"" + body.wrongType()
                        + "\", not an image");
            }
            if (body.tooLarge()) {
                throw ImageException.tooLarge("image at " + shown(target) + " is over the limit of "
                        + ImageLimits.formatBytes(maxBytes));
            }
            return body.bytes();
        }
    }

    private PinnedClient pin(URI target) throws ImageException {
        try {
            return PinnedClient.open(target, policy, PinnedClient.Options.of(options.connectTimeout()));
        } catch (RefusedAddressException e) {
            throw ImageException.badRequest("refused to fetch " + shown(target) + ": " + e.getMessage());
        } catch (UnknownHostException e) {
            throw ImageException.badRequest("unknown host " + target.getHost() + " in " + shown(target), e);
        } catch (IOException e) {
            throw new ImageException(503, "cannot open a connection for " + shown(target) + ": " + e.getMessage(), e);
        }
    }

    private HttpResponse<Body> send(PinnedClient pinned, URI target, long maxBytes, long deadline) throws ImageException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timedOut(target);
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(target)
                    .GET()
                    .timeout(Duration.ofNanos(remaining))
                    .header("User-Agent", options.userAgent())
                    .header("Accept", "image/*")
                    .build();
        } catch (IllegalArgumentException e) {
            throw ImageException.badRequest("_url is not a valid http(s) URL: " + shown(target), e);
        }
        CompletableFuture<HttpResponse<Body>> future = pinned.client().sendAsync(request, info -> {
            int status = info.statusCode();
            if (status < 200 || status > 299) {
                return new CappedSubscriber(0, true); // a redirect's or error's body is never needed
            }
            String type = info.headers().firstValue("content-type").orElse("");
            if (!isImageType(type)) {
                return new CappedSubscriber(0, true).wrongType(type);
            }
            long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
            return new CappedSubscriber(maxBytes, false).declaredLength(declared);
        });
        try {
            return future.get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut(target);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ImageException(503, "interrupted while fetching " + shown(target));
        } catch (ExecutionException e) {
            throw failed(target, pinned.connectFailure() != null ? pinned.connectFailure() : e.getCause());
        }
    }

    /**
     * Images, and the generic types that object stores answer for files uploaded without one
     * (S3's default is {@code binary/octet-stream}); a web page or an error document is refused
     * before its body is read.
     */
    static boolean isImageType(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.isEmpty() || type.startsWith("image/") || type.equals("application/octet-stream")
                || type.equals("binary/octet-stream");
    }

    private ImageException timedOut(URI target) {
        return ImageException.badRequest("timed out after " + seconds(options.totalTimeout()) + " fetching "
                + shown(target));
    }

    private ImageException failed(URI target, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException || t instanceof SocketTimeoutException) {
                return ImageException.badRequest("could not connect to " + target.getHost() + " within "
                        + seconds(options.connectTimeout()), cause);
            }
            if (t instanceof HttpTimeoutException) {
                return timedOut(target);
            }
            if (t instanceof ConnectException) {
                return ImageException.badRequest("could not connect to " + target.getHost() + " fetching "
                        + shown(target), cause);
            }
            if (t instanceof SSLException) {
                return ImageException.badRequest("TLS failed fetching " + shown(target) + ": " + t.getMessage(), cause);
            }
        }
        String why = cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage();
        return ImageException.badRequest("could not fetch " + shown(target) + ": " + why, cause);
    }

    private static void checkScheme(URI target) throws ImageException {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw ImageException.badRequest("_url must be an http or https URL, not "
                    + (scheme.isEmpty() ? "a relative one" : scheme + ":") + " (" + shown(target) + ")");
        }
        if (target.getHost() == null || target.getHost().isEmpty()) {
            throw ImageException.badRequest("_url has no host: " + shown(target));
        }
    }

    static URI parse(String url) throws ImageException {
        if (url == null || url.isBlank()) {
            throw ImageException.badRequest("_url is empty");
        }
        try {
            // Pasted URLs often carry raw spaces; everything else must already be a valid URI.
            return new URI(url.strip().replace(" ", "%20"));
        } catch (URISyntaxException e) {
            throw ImageException.badRequest("_url is not a valid URL: " + shown(url), e);
        }
    }

    private static URI resolve(URI base, String location) throws ImageException {
        try {
            return base.resolve(new URI(location.strip().replace(" ", "%20")));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw ImageException.badRequest(shown(base) + " redirected to an invalid URL: " + shown(location), e);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static String shown(Object url) {
        String s = String.valueOf(url);
        return s.length() <= MAX_URL_IN_MESSAGE ? s : s.substring(0, MAX_URL_IN_MESSAGE) + "…";
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** A response body, or the fact that it was abandoned for being over the cap. */
    record Body(byte[] bytes, boolean tooLarge, String wrongType) {
        static final Body EMPTY = new Body(new byte[0], false, null);
        static final Body TOO_LARGE = new Body(null, true, null);
    }

    /**
     * Collects the body until it would exceed the cap, then cancels the subscription, which closes
     * the connection: an endless or oversized body is never read beyond the cap.
     */
    static final class CappedSubscriber implements HttpResponse.BodySubscriber<Body> {
        private final long cap;
        private final boolean discard;
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;
        private long received;
        private long declared = -1;
        private String wrongType;

        CappedSubscriber(long cap, boolean discard) {
            this.cap = cap;
            this.discard = discard;
        }

        CappedSubscriber wrongType(String contentType) {
            this.wrongType = contentType;
            return this;
        }

        CappedSubscriber declaredLength(long length) {
            this.declared = length;
            if (length > 0 && length <= cap) {
                out = new ByteArrayOutputStream((int) Math.min(length, Integer.MAX_VALUE - 8));
            }
            return this;
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (discard) {
                s.cancel();
                result.complete(wrongType == null ? Body.EMPTY : new Body(null, false, wrongType));
            } else if (declared > cap) {
                s.cancel();
                result.complete(Body.TOO_LARGE);
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : items) {
                received += buffer.remaining();
                if (received > cap) {
                    subscription.cancel();
                    out = null;
                    result.complete(Body.TOO_LARGE);
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                out.writeBytes(chunk);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            if (!result.isDone()) {
                result.complete(new Body(out.toByteArray(), false, null));
            }
        }
    }
}
