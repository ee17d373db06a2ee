package io.visionflow.webhook;

import io.visionflow.image.ImageException;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.net.PinnedClient;
import io.visionflow.net.RefusedAddressException;

import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Delivers webhooks: {@code POST} of a JSON body to the user's endpoint with the user's headers, a
 * timestamp and a signature (see {@link Webhook}). Attempts that time out, cannot connect or are
 * answered 5xx, 408 or 429 are retried with exponential backoff and full jitter; any other answer
 * is final. Every attempt resolves the endpoint anew, checks it with the {@link OutboundPolicy} (the
 * same rules as {@code _url} fetching, since DNS may have changed since the request was accepted)
 * and connects only to the checked address ({@link PinnedClient}). Redirects are not followed: a
 * receiver that moves must be configured anew, and following one would carry the signed body to
 * wherever it points.
 *
 * <p>{@link #send} retries in memory: waiting between attempts holds no thread, and retries pending
 * when the sender is closed are abandoned. {@link #attempt} makes one attempt and says what next,
 * for a queue that keeps the webhook across processes ({@link WebhookDeliveries}).
 */
public final class WebhookSender implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebhookSender.class.getName());

    /**
     * @param connectTimeout per attempt, to open the connection
     * @param totalTimeout   per attempt, until the answer is read
     * @param maxAttempts    attempts in all, the first included
     * @param baseDelay      the backoff before attempt {@code n + 1} is drawn from
     *                       {@code [0, min(maxDelay, baseDelay * 2^(n-1))]}
     */
    public record Options(Duration connectTimeout, Duration totalTimeout, int maxAttempts, Duration baseDelay,
                          Duration maxDelay, String userAgent) {
        public Options {
            if (!connectTimeout.isPositive() || !totalTimeout.isPositive() || maxAttempts < 1
                    || baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
                throw new IllegalArgumentException("webhook timeouts must be positive, attempts at least 1 and"
                        + " 0 <= baseDelay <= maxDelay");
            }
        }

        /** Connect 5 s, 15 s per attempt, 8 attempts, backoff from 1 s up to 5 min (about 10 min in all). */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(5), Duration.ofSeconds(15), 8, Duration.ofSeconds(1),
                    Duration.ofMinutes(5), "Visionflow-Webhook/1.0");
        }

        public Options withAttempts(int attempts, Duration base, Duration max) {
            return new Options(connectTimeout, totalTimeout, attempts, base, max, userAgent);
        }

        public Options withTimeouts(Duration connect, Duration total) {
            return new Options(connect, total, maxAttempts, baseDelay, maxDelay, userAgent);
        }
    }

    /** One webhook to deliver; {@code body} is signed exactly as sent. */
    public record Delivery(URI endpoint, Map<String, String> headers, String secret, byte[] body) {
        public Delivery {
            Objects.requireNonNull(endpoint, "endpoint");
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            body = body.clone();
        }
    }

    /**
     * How a delivery ended.
     *
     * @param status the HTTP status of the last answer, 0 when there was none
     * @param error  why the last attempt failed, null when delivered
     */
    public record Result(boolean delivered, int attempts, int status, String error) {
    }

    private final Options options;
    private final OutboundPolicy policy;
    private final Clock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService timer;

    public WebhookSender(Options options, OutboundPolicy policy) {
        this(options, policy, Clock.systemUTC(), RandomGenerator.getDefault());
    }

    public WebhookSender(Options options, OutboundPolicy policy, Clock clock, RandomGenerator random) {
        this.options = options;
        this.policy = policy;
        this.clock = clock;
        this.random = random;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webhook-retries");
            t.setDaemon(true);
            return t;
        });
    }

    public Options options() {
        return options;
    }

    /**
     * Refuses, when the request is accepted, an endpoint that is not an absolute http(s) URL with a
     * host or whose addresses the policy refuses. A name that does not resolve now passes: DNS may be
     * failing for a moment, and every attempt checks again anyway.
     *
     * @throws ImageException 400 naming why
     */
    public static void checkEndpoint(URI endpoint, OutboundPolicy policy) throws ImageException {
        try {
            policy.resolve(endpoint);
        } catch (RefusedAddressException e) {
            throw ImageException.badRequest(e.getMessage());
        } catch (UnknownHostException e) {
            // checked again before each attempt
        }
    }

    /**
     * Starts delivering, retrying in memory; the future completes when it was delivered or given up,
     * and never fails. A queue that must survive the process makes its attempts with {@link #attempt}.
     */
    public CompletableFuture<Result> send(Delivery delivery) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        sendFrom(delivery, 1, done);
        return done;
    }

    private void sendFrom(Delivery d, int n, CompletableFuture<Result> done) {
        attempt(d, n).thenAccept(outcome -> {
            switch (outcome) {
                case Outcome.Delivered ok -> done.complete(new Result(true, n, ok.status(), null));
                case Outcome.GiveUp g -> finish(d, done, new Result(false, n, g.status(), g.reason()));
                case Outcome.Exhausted e -> finish(d, done, new Result(false, n, e.status(), e.reason()));
                case Outcome.Retry r -> {
                    LOG.log(System.Logger.Level.DEBUG, () -> "webhook to " + d.endpoint() + " attempt " + n + " "
                            + r.error() + "; next in " + r.delay().toMillis() + " ms");
                    try {
                        timer.schedule(() -> sendFrom(d, n + 1, done), r.delay().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        finish(d, done, new Result(false, n, r.status(), r.error() + "; sender closed before the retry"));
                    }
                }
            }
        });
    }

    /**
     * Makes attempt number {@code n} (from 1) of a delivery, once, and says what next: delivered,
     * given up, retry after the backoff, or exhausted when {@code n} was the last of
     * {@link Options#maxAttempts()}. The future never fails.
     */
    public CompletableFuture<Outcome> attempt(Delivery d, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("attempts count from 1, not " + n);
        }
        HttpRequest request;
        PinnedClient pinned;
        try {
            request = request(d);
            pinned = PinnedClient.open(d.endpoint(), policy, PinnedClient.Options.of(options.connectTimeout()));
        } catch (RefusedAddressException | IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome.GiveUp(0, "refused: " + e.getMessage()));
        } catch (IOException e) {
            // unknown host: DNS may come back
            return CompletableFuture.completedFuture(retryable(n, 0, "failed: " + e, null));
        }
        return pinned.client().sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .orTimeout(options.totalTimeout().toMillis(), TimeUnit.MILLISECONDS) // also bounds a slow body
                .handle((response, failure) -> {
                    pinned.close();
                    if (failure == null && response.statusCode() / 100 == 2) {
                        return new Outcome.Delivered(response.statusCode());
                    }
                    int status = failure == null ? response.statusCode() : 0;
                    String error = failure == null ? "answered HTTP " + status : describe(failure);
                    boolean retryable = failure != null || status >= 500 || status == 408 || status == 429;
                    return retryable ? retryable(n, status, error, failure == null ? response : null)
                            : new Outcome.GiveUp(status, error);
                });
    }

    /** What a retryable failure of attempt {@code n} leads to: a retry after the backoff, or exhausted after the last. */
    Outcome retryable(int n, int status, String error, HttpResponse<?> response) {
        if (n >= options.maxAttempts()) {
            return new Outcome.Exhausted(status, error);
        }
        return new Outcome.Retry(Duration.ofMillis(backoffMillis(n, response)), status, error);
    }

    private HttpRequest request(Delivery d) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        Map<String, String> headers = new LinkedHashMap<>(d.headers());
        HttpRequest.Builder b = HttpRequest.newBuilder(d.endpoint())
                .timeout(options.totalTimeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()));
        headers.forEach(b::header);
        // ours last, set not added, so a user header can never stand in for them
        b.setHeader("Content-Type", "application/json");
        b.setHeader("User-Agent", options.userAgent());
        b.setHeader(Webhook.TIMESTAMP_HEADER, timestamp);
        b.setHeader(Webhook.SIGNATURE_HEADER, Webhook.sign(d.secret(), timestamp, d.body()));
        return b.build();
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(n-1))], but never sooner than a Retry-After in seconds. */
    long backoffMillis(int n, HttpResponse<?> response) {
        long cap = Math.min(options.maxDelay().toMillis(),
                options.baseDelay().toMillis() * (1L << Math.min(n - 1, 30)));
        long delay = cap <= 0 ? 0 : random.nextLong(cap + 1);
        if (response != null) {
            try {
                long after = response.headers().firstValue("retry-after").map(Long::parseLong).orElse(0L);
                delay = Math.max(delay, Math.min(after * 1000, options.maxDelay().toMillis()));
            } catch (NumberFormatException e) {
                // an HTTP date: rare from webhook receivers, the jittered delay will do
            }
        }
        return delay;
    }

    private static String describe(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String kind = t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.http.HttpTimeoutException
                ? "timed out" : "failed";
        return kind + ": " + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " " + t.getMessage());
    }

    private static void finish(Delivery d, CompletableFuture<Result> done, Result result) {
        if (!result.delivered()) {
            LOG.log(System.Logger.Level.WARNING, "webhook to " + d.endpoint() + " given up after " + result.attempts()
                    + " attempt(s): " + result.error());
        }
        done.complete(result);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
