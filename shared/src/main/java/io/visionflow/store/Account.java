package io.visionflow.store;

import java.time.Instant;

/**
 * An account: the owner of flows, tasks, models, requests and usage.
 *
 * @param webhookSecret  key of the HMAC-SHA256 signature of this account's webhooks
 * @param monthlyCredits credits the account may use per calendar month (UTC); null for no limit
 */
public record Account(String id, String name, String webhookSecret, Instant created, Long monthlyCredits) {
    public Account {
        if (monthlyCredits != null && monthlyCredits < 0) {
            throw new IllegalArgumentException("a monthly credit limit is 0 or more, found " + monthlyCredits);
        }
    }

    /** An account without a credit limit. */
    public Account(String id, String name, String webhookSecret, Instant created) {
        this(id, name, webhookSecret, created, null);
    }

    public Account withMonthlyCredits(Long credits) {
        return new Account(id, name, webhookSecret, created, credits);
    }
}
