package io.visionflow.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.UsageRow;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@code GET /account/v2/usage?from=YYYY-MM-DD&to=YYYY-MM-DD}: the caller's credits per day and per flow. */
final class UsageEndpoints {
    static final int DEFAULT_DAYS = 30;
    static final int MAX_DAYS = 366;
    private final Api api;

    UsageEndpoints(Api api) {
        this.api = api;
    }

    void register(Routes routes) {
        routes.add("GET", "/account/v2/usage", this::usage);
    }

    private ApiResponse usage(Call call) {
        LocalDate today = LocalDate.now(api.config().clock);
        LocalDate to = date(call, "to").orElse(today);
        LocalDate from = date(call, "from").orElse(to.minusDays(DEFAULT_DAYS - 1));
        if (from.isAfter(to)) {
            throw ApiException.badRequest("from", "must not be after to (" + from + " > " + to + ")");
        }
        if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
            throw ApiException.badRequest("from", "the range is over " + MAX_DAYS + " days; ask for less at a time");
        }
        List<UsageRow> rows = api.stores().usage().usage(call.account(), from, to);
        Map<LocalDate, Long> byDay = new TreeMap<>();
        Map<String, Long> byFlow = new TreeMap<>();
        long total = 0;
        for (UsageRow r : rows) {
            byDay.merge(r.day(), r.credits(), Long::sum);
            byFlow.merge(r.flow(), r.credits(), Long::sum);
            total += r.credits();
        }
        ObjectNode out = Call.JSON.createObjectNode();
        out.put("from", from.toString());
        out.put("to", to.toString());
        out.put("total", total);
        ArrayNode days = out.putArray("days");
        byDay.forEach((d, c) -> days.addObject().put("day", d.toString()).put("credits", c));
        ArrayNode flows = out.putArray("flows");
        byFlow.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> flows.addObject().put("flow", e.getKey()).put("credits", e.getValue()));
        ArrayNode list = out.putArray("rows");
        rows.forEach(r -> list.addObject().put("day", r.day().toString()).put("flow", r.flow()).put("credits", r.credits()));
        return call.ok(out);
    }

    private static Optional<LocalDate> date(Call call, String name) {
        Optional<String> raw = call.request().param(name);
        if (raw.isEmpty() || raw.get().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(raw.get().strip()));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, "must be a date YYYY-MM-DD, found \"" + raw.get() + "\"");
        }
    }
}
