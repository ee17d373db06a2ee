package io.visionflow.webhook;

import io.visionflow.image.ImageException;
import io.visionflow.net.OutboundHttp;
import io.visionflow.net.OutboundPolicy;
import io.visionflow.net.RefusedAddressException;

import java.io.InterruptedIOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
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
 * and connects only to the checked address ({@link OutboundHttp}). Redirects are not followed: a
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
    private final OutboundHttp http;
    private final Clock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService timer;

    public WebhookSender(Options options, OutboundPolicy policy) {
        this(options, policy, Clock.systemUTC(), RandomGenerator.getDefault());
    }

    public WebhookSender(Options options, OutboundPolicy policy, Clock clock, RandomGenerator random) {
        this.options = options;
        this.http = OutboundHttp.create(policy);
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
        OutboundHttp.Request request;
        try {
            request = request(d);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome.GiveUp(0, "refused: " + e.getMessage()));
        }
        // the client blocks: each attempt on its own virtual thread, so waiting holds no platform thread
        return CompletableFuture.supplyAsync(() -> {
            OutboundHttp.Response response;
            try {
                response = http.send(request, options.connectTimeout(), options.totalTimeout(), OutboundHttp.BodyLimit.none());
            } catch (OutboundHttp.Failure f) {
                return switch (f.kind()) {
                    case REFUSED -> new Outcome.GiveUp(0, "refused: " + f.getMessage());
                    // an unknown host may come back: DNS may be failing for a moment
                    case TIMEOUT, CONNECT_TIMEOUT -> retryable(n, 0, "timed out: " + f.getMessage(), null);
                    default -> retryable(n, 0, "failed: " + f.getMessage(), null);
                };
            } catch (InterruptedIOException e) {
                return retryable(n, 0, "failed: interrupted", null);
            }
            int status = response.status();
            if (status / 100 == 2) {
                return new Outcome.Delivered(status);
            }
            String error = "answered HTTP " + status;
            return status >= 500 || status == 408 || status == 429 ? retryable(n, status, error, response.headers())
                    : new Outcome.GiveUp(status, error);
        }, ATTEMPTS);
    }

    private static final ExecutorService ATTEMPTS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("webhook-attempt-", 0).factory());

    /** What a retryable failure of attempt {@code n} leads to: a retry after the backoff, or exhausted after the last. */
    Outcome retryable(int n, int status, String error, OutboundHttp.Headers headers) {
        if (n >= options.maxAttempts()) {
            return new Outcome.Exhausted(status, error);
        }
        return new Outcome.Retry(Duration.ofMillis(backoffMillis(n, headers)), status, error);
    }

    private OutboundHttp.Request request(Delivery d) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(d.headers());
        // ours last, replacing any of the same name, so a user header can never stand in for them
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", options.userAgent());
        headers.put(Webhook.TIMESTAMP_HEADER, timestamp);
        headers.put(Webhook.SIGNATURE_HEADER, Webhook.sign(d.secret(), timestamp, d.body()));
        return OutboundHttp.Request.post(d.endpoint(), headers, d.body());
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(n-1))], but never sooner than a Retry-After in seconds. */
    long backoffMillis(int n, OutboundHttp.Headers headers) {
        long cap = Math.min(options.maxDelay().toMillis(),
                options.baseDelay().toMillis() * (1L << Math.min(n - 1, 30)));
        long delay = cap <= 0 ? 0 : random.nextLong(cap + 1);
        if (headers != null) {
            try {
                long after = headers.first("retry-after").map(v -> Long.parseLong(v.strip())).orElse(0L);
                delay = Math.max(delay, Math.min(after * 1000, options.maxDelay().toMillis()));
            } catch (NumberFormatException e) {
                // an HTTP date: rare from webhook receivers, the jittered delay will do
            }
        }
        return delay;
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
        http.close();
    }
}
