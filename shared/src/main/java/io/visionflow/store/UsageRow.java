package io.visionflow.store;

import java.time.LocalDate;

/** Credits an account used on one day (UTC) for one flow ({@code flow} is {@code "-"} for single-task calls). */
public record UsageRow(LocalDate day, String flow, long credits) {
}
