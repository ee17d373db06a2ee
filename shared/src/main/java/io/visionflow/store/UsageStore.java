package io.visionflow.store;

import java.time.LocalDate;
import java.util.List;

/** Credit counters per account, day and flow. Charges are counted exactly once per charge id. */
public interface UsageStore {
    /**
     * Adds {@code credits} to the counter of {@code (account, day, flow)} unless {@code chargeId} was
     * already counted for this account; true when it counted. Safe under concurrent callers: no
     * update is lost.
     */
    boolean charge(String account, LocalDate day, String flow, long credits, String chargeId);

    /** Counters of the days in {@code [from, to]}, by day then flow. */
    List<UsageRow> usage(String account, LocalDate from, LocalDate to);
}
