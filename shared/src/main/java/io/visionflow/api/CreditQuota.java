package io.visionflow.api;

import io.visionflow.store.Account;
import io.visionflow.store.UsageRow;
import io.visionflow.store.Stores;

import java.time.Clock;
import java.time.LocalDate;

/**
 * The monthly credit limit of an account ({@link Account#monthlyCredits}), checked before a
 * request that costs credits starts: while any credit of the calendar month (UTC) is left the
 * request runs to its end, so an account may overshoot its limit by at most the cost of the
 * requests it had running at that moment. A request is never stopped halfway.
 * <p>Not an upper bound on the request's cost: an object selector runs its actions once per object
 * found, so only running the flow tells what it costs.
 */
final class CreditQuota {
    private final Stores stores;
    private final Clock clock;

    CreditQuota(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    /** A 402 when the account has used its monthly credits. */
    void check(String account) {
        Long limit = stores.accounts().get(account).map(Account::monthlyCredits).orElse(null);
        if (limit == null) {
            return;
        }
        LocalDate today = LocalDate.now(clock);
        LocalDate first = today.withDayOfMonth(1);
        long used = 0;
        for (UsageRow row : stores.usage().usage(account, first, today)) {
            used += row.credits();
        }
        if (used >= limit) {
            throw new ApiException(402, "the monthly credit limit of " + limit + " credits is used up (" + used
                    + " used since " + first + "); it starts again on " + first.plusMonths(1));
        }
    }
}
