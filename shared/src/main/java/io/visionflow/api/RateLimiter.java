package io.visionflow.api;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request rate limits per account: a token bucket of {@code burst} requests refilled at
 * {@code perSecond}, in this process (each Lambda instance keeps its own buckets; see README
 * "Safety"). Time comes from the Api's clock, so tests step it instead of sleeping.
 */
final class RateLimiter {
    /** Buckets kept before full ones (idle accounts) are dropped; a full bucket is the same as none. */
    private static final int MAX_BUCKETS = 10_000;

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final RateLimit limit;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(RateLimit limit, Clock clock) {
        this.limit = limit;
        this.clock = clock;
    }

    /** Takes one request from the account's bucket; a 429 with {@code Retry-After} when it is empty. */
    void acquire(String account) {
        long now = clock.millis();
        if (buckets.size() > MAX_BUCKETS) {
            buckets.values().removeIf(b -> {
                synchronized (b) {
                    return refilled(b, now) >= limit.burst();
                }
            });
        }
        Bucket bucket = buckets.computeIfAbsent(account, a -> new Bucket(limit.burst(), now));
        double missing;
        synchronized (bucket) {
            bucket.tokens = refilled(bucket, now);
            bucket.at = Math.max(bucket.at, now);
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return;
            }
            missing = 1 - bucket.tokens;
        }
        long retryAfter = Math.max(1, (long) Math.ceil(missing / limit.perSecond()));
        throw new ApiException(429, "too many requests: the limit is " + format(limit.perSecond())
                + " requests per second (bursts of " + limit.burst() + "); retry in " + retryAfter + " s",
                java.util.List.of(), Map.of("Retry-After", Long.toString(retryAfter)));
    }

    private double refilled(Bucket b, long now) {
        // a clock that steps back refills nothing
        return Math.min(limit.burst(), b.tokens + Math.max(0, now - b.at) * limit.perSecond() / 1000.0);
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
