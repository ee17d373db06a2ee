package io.visionflow.image;

import io.visionflow.net.OutboundHttp;
import io.visionflow.net.OutboundPolicy;

import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Fetches {@code _url} images with {@link OutboundHttp}: http and https only, a connect timeout and
 * a total timeout that also covers the body, a size cap enforced while the body streams, a body
 * that is not an image type refused unread, and redirects followed by hand so that every hop is
 * checked by the {@link OutboundPolicy} (no DNS rebinding). Thread-safe; keep-alive connections to
 * image hosts are pooled.
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
    private final OutboundHttp http;

    /** Default {@link Options}; the policy is explicit so that nobody fetches without one by accident. */
    public HttpUrlFetcher(OutboundPolicy policy) {
        this(Options.defaults(), policy);
    }

    public HttpUrlFetcher(Options options, OutboundPolicy policy) {
        this(options, OutboundHttp.create(policy));
    }

    /** Fetches through {@code http}, whose pool of keep-alive connections it shares. */
    public HttpUrlFetcher(Options options, OutboundHttp http) {
        this.options = options;
        this.http = http;
    }

    @Override
    public byte[] fetch(String url, long maxBytes) throws ImageException {
        long deadline = System.nanoTime() + options.totalTimeout().toNanos();
        URI target = parse(url);
        for (int redirects = 0; ; redirects++) {
            checkScheme(target);
            // every hop is checked anew: a redirect may point anywhere
            OutboundHttp.Response response = send(target, maxBytes, deadline);
            int status = response.status();
            if (isRedirect(status)) {
                if (redirects >= options.maxRedirects()) {
                    throw ImageException.badRequest("too many redirects (more than " + options.maxRedirects()
                            + ") fetching " + shown(url));
                }
                URI from = target;
                String location = response.headers().first("location")
                        .orElseThrow(() -> ImageException.badRequest(shown(from) + " answered HTTP " + status
                                + " without a Location"));
                target = resolve(from, location);
                continue;
            }
            if (status < 200 || status > 299) {
                throw ImageException.badRequest(shown(target) + " answered HTTP " + status);
            }
            String type = response.headers().first("content-type").orElse("");
            if (!isImageType(type)) {
                throw ImageException.badRequest(shown(target) + " answered Content-Type \"" + type + "\", not an image");
            }
            if (response.tooLarge()) {
                throw ImageException.tooLarge("image at " + shown(target) + " is over the limit of "
                        + ImageLimits.formatBytes(maxBytes));
            }
            return response.body();
        }
    }

    private OutboundHttp.Response send(URI target, long maxBytes, long deadline) throws ImageException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timedOut(target);
        }
        OutboundHttp.Request request;
        try {
            request = OutboundHttp.Request.get(target, Map.of("User-Agent", options.userAgent(), "Accept", "image/*"));
        } catch (IllegalArgumentException e) {
            throw ImageException.badRequest("_url is not a valid http(s) URL: " + shown(target), e);
        }
        try {
            // a redirect's or error's body is never needed, nor one that is not an image
            return http.send(request, options.connectTimeout(), Duration.ofNanos(remaining),
                    (status, headers) -> status >= 200 && status <= 299
                            && isImageType(headers.first("content-type").orElse("")) ? maxBytes : -1);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(503, "interrupted while fetching " + shown(target));
        } catch (OutboundHttp.Failure f) {
            throw switch (f.kind()) {
                case REFUSED -> ImageException.badRequest("refused to fetch " + shown(target) + ": " + f.getMessage());
                case UNKNOWN_HOST -> ImageException.badRequest("unknown host " + target.getHost() + " in " + shown(target), f);
                case CONNECT_TIMEOUT -> ImageException.badRequest("could not connect to " + target.getHost() + " within "
                        + seconds(options.connectTimeout()), f);
                case CONNECT_REFUSED -> ImageException.badRequest("could not connect to " + target.getHost()
                        + " fetching " + shown(target), f);
                case TLS -> ImageException.badRequest("TLS failed fetching " + shown(target) + ": " + f.getMessage(), f);
                case TIMEOUT -> timedOut(target);
                case FAILED -> ImageException.badRequest("could not fetch " + shown(target) + ": " + f.getMessage(), f);
            };
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
}
