package io.visionflow.store.memory;

import io.visionflow.store.UsageRow;
import io.visionflow.store.UsageStore;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Usage counters in memory; the charge-id check and the counter update happen under one lock. */
public final class MemoryUsageStore implements UsageStore {
    private record ChargeKey(String account, String chargeId) {
    }

    private record Counter(String account, LocalDate day, String flow) implements Comparable<Counter> {
        @Override
        public int compareTo(Counter o) {
            int c = account.compareTo(o.account);
            if (c == 0) {
                c = day.compareTo(o.day);
            }
            return c != 0 ? c : flow.compareTo(o.flow);
        }
    }

    private final Set<ChargeKey> charged = new HashSet<>();
    private final TreeMap<Counter, Long> counters = new TreeMap<>();

    @Override
    public synchronized boolean charge(String account, LocalDate day, String flow, long credits, String chargeId) {
        if (!charged.add(new ChargeKey(account, chargeId))) {
            return false;
        }
        counters.merge(new Counter(account, day, flow), credits, Long::sum);
        return true;
    }

    @Override
    public synchronized List<UsageRow> usage(String account, LocalDate from, LocalDate to) {
        List<UsageRow> rows = new ArrayList<>();
        if (from.isAfter(to)) {
            return rows;
        }
        // "" sorts before every flow name, so the range starts at the first counter of `from`
        Map<Counter, Long> range = counters.subMap(new Counter(account, from, ""), true,
                new Counter(account, to.plusDays(1), ""), false);
        range.forEach((c, credits) -> rows.add(new UsageRow(c.day(), c.flow(), credits)));
        return rows;
    }
}
