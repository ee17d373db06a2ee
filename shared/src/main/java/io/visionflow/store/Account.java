package io.visionflow.store;

import java.time.Instant;

/**
 * An account: the owner of flows, tasks, models, requests and usage.
 *
 * @param webhookSecret key of the HMAC-SHA256 signature of this account's webhooks
 */
public record Account(String id, String name, String webhookSecret, Instant created) {
}
