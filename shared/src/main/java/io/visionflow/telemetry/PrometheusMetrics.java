package io.visionflow.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request metrics kept in this process and written in the Prometheus text exposition format
 * (version 0.0.4), each account's apart: {@link #scrape(String)} shows a caller only its own series.
 * <ul>
 *   <li>{@code visionflow_requests_total{route, flow, code}}: answered requests;</li>
 *   <li>{@code visionflow_request_duration_seconds{route, flow}}: a latency histogram;</li>
 *   <li>{@code visionflow_credits_total{flow}}: credits charged;</li>
 *   <li>{@code visionflow_records_total{flow}} and {@code visionflow_record_errors_total{flow}}: records
 *       processed, and those that failed alone inside a 200.</li>
 * </ul>
 * Errors per flow are {@code visionflow_requests_total{code=~"4..|5.."}} plus the record errors.
 */
public final class PrometheusMetrics implements Metrics {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Upper bounds of the latency buckets, in seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Series per account before new flows are counted under {@code flow="other"}: ids come from callers. */
    static final int MAX_SERIES_PER_ACCOUNT = 1000;

    private record Key(String route, String flow, int code) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = new Series(route, flow).compareTo(new Series(o.route, o.flow));
            return c != 0 ? c : Integer.compare(code, o.code);
        }
    }

    private record Series(String route, String flow) implements Comparable<Series> {
        @Override
        public int compareTo(Series o) {
            int c = route.compareTo(o.route);
            return c != 0 ? c : flow.compareTo(o.flow);
        }
    }

    private static final class Latency {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Latency() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private static final class Account {
        final Map<Key, LongAdder> requests = new ConcurrentHashMap<>();
        final Map<Series, Latency> latency = new ConcurrentHashMap<>();
        final Map<String, LongAdder> credits = new ConcurrentHashMap<>();
        final Map<String, LongAdder> records = new ConcurrentHashMap<>();
        final Map<String, LongAdder> recordErrors = new ConcurrentHashMap<>();
        final AtomicLong flows = new AtomicLong();
        final Map<String, Boolean> knownFlows = new ConcurrentHashMap<>();

        String flow(String flow) {
            if (knownFlows.containsKey(flow)) {
                return flow;
            }
            if (flows.incrementAndGet() > MAX_SERIES_PER_ACCOUNT) {
                flows.decrementAndGet();
                return "other";
            }
            knownFlows.put(flow, Boolean.TRUE);
            return flow;
        }
    }

    /** Requests before authentication (401s, unknown routes) are kept under the account {@code ""}. */
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();

    @Override
    public void record(RequestMetric m) {
        Account a = accounts.computeIfAbsent(m.account() == null ? "" : m.account(), k -> new Account());
        String flow = m.flow() == null ? "" : a.flow(m.flow());
        a.requests.computeIfAbsent(new Key(m.route(), flow, m.status()), k -> new LongAdder()).increment();
        Latency l = a.latency.computeIfAbsent(new Series(m.route(), flow), k -> new Latency());
        double seconds = m.latency().toNanos() / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                l.buckets[i].increment();
            }
        }
        l.count.increment();
        l.sum.add(seconds);
        if (m.flow() != null) {
            a.credits.computeIfAbsent(flow, k -> new LongAdder()).add(m.credits());
            a.records.computeIfAbsent(flow, k -> new LongAdder()).add(m.records());
            a.recordErrors.computeIfAbsent(flow, k -> new LongAdder()).add(m.recordErrors());
        }
    }

    /** The series of one account (null: every account's, with an {@code account} label), in the text format. */
    public String scrape(String account) {
        Map<String, Account> shown = new TreeMap<>();
        if (account == null) {
            shown.putAll(accounts);
        } else if (accounts.containsKey(account)) {
            shown.put(account, accounts.get(account));
        }
        StringBuilder out = new StringBuilder();
        header(out, "visionflow_requests_total", "counter", "API requests answered, by route, flow and HTTP status.");
        shown.forEach((acct, a) -> sorted(a.requests).forEach((k, v) -> line(out, "visionflow_requests_total",
                labels(account == null ? acct : null, "route", k.route(), "flow", k.flow(), "code", Integer.toString(k.code())), v.sum())));
        header(out, "visionflow_request_duration_seconds", "histogram", "Time to answer a request, by route and flow.");
        shown.forEach((acct, a) -> new TreeMap<>(a.latency).entrySet().forEach(e -> {
                    String who = account == null ? acct : null;
                    Latency l = e.getValue();
                    long count = l.count.sum();
                    for (int i = 0; i < BUCKETS.length; i++) {
                        line(out, "visionflow_request_duration_seconds_bucket", labels(who, "route", e.getKey().route(),
                                "flow", e.getKey().flow(), "le", number(BUCKETS[i])), l.buckets[i].sum());
                    }
                    line(out, "visionflow_request_duration_seconds_bucket", labels(who, "route", e.getKey().route(),
                            "flow", e.getKey().flow(), "le", "+Inf"), count);
                    String series = labels(who, "route", e.getKey().route(), "flow", e.getKey().flow());
                    out.append("visionflow_request_duration_seconds_sum").append(series).append(' ')
                            .append(number(l.sum.sum())).append('\n');
                    line(out, "visionflow_request_duration_seconds_count", series, count);
                }));
        counters(out, shown, account, "visionflow_credits_total", "Credits charged, by flow (\"-\": single-task calls).", a -> a.credits);
        counters(out, shown, account, "visionflow_records_total", "Records processed, by flow.", a -> a.records);
        counters(out, shown, account, "visionflow_record_errors_total",
                "Records that failed alone (their _status is 4xx or 5xx) in answered requests, by flow.", a -> a.recordErrors);
        return out.toString();
    }

    private static void counters(StringBuilder out, Map<String, Account> shown, String account, String name, String help,
                                 java.util.function.Function<Account, Map<String, LongAdder>> of) {
        header(out, name, "counter", help);
        shown.forEach((acct, a) -> sorted(of.apply(a)).forEach((flow, v) ->
                line(out, name, labels(account == null ? acct : null, "flow", flow), v.sum())));
    }

    private static <K extends Comparable<? super K>> Map<K, LongAdder> sorted(Map<K, LongAdder> m) {
        return new TreeMap<>(m);
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder out, String name, String labels, long value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    /** {@code {a="x",b="y"}} with values escaped as the format requires (backslash, quote, newline). */
    static String labels(String account, String... pairs) {
        List<String> parts = new ArrayList<>();
        if (account != null) {
            parts.add("account=\"" + escape(account) + "\"");
        }
        for (int i = 0; i < pairs.length; i += 2) {
            parts.add(pairs[i] + "=\"" + escape(Objects.requireNonNullElse(pairs[i + 1], "")) + "\"");
        }
        return "{" + String.join(",", parts) + "}";
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
