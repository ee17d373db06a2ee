package io.visionflow.api;

/**
 * A request rate limit per account, a token bucket: an idle account may send {@code burst}
 * requests at once, then {@code perSecond} on average.
 */
public record RateLimit(double perSecond, int burst) {
    public RateLimit {
        if (!(perSecond > 0) || Double.isInfinite(perSecond) || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs 0 < perSecond < infinity and burst >= 1, found "
                    + perSecond + " and " + burst);
        }
    }

    /** {@code "20/s"} or {@code "20/s,40"} (burst; default twice the rate, at least 1), as hosts read it from settings. */
    public static RateLimit parse(String spec) {
        String s = spec.strip();
        int comma = s.indexOf(',');
        String rate = comma < 0 ? s : s.substring(0, comma).strip();
        if (!rate.endsWith("/s")) {
            throw new IllegalArgumentException("a rate limit is \"N/s\" or \"N/s,BURST\", found \"" + spec + "\"");
        }
        try {
            double perSecond = Double.parseDouble(rate.substring(0, rate.length() - 2).strip());
            int burst = comma < 0 ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(2 * perSecond)))
                    : Integer.parseInt(s.substring(comma + 1).strip());
            return new RateLimit(perSecond, burst);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a rate limit is \"N/s\" or \"N/s,BURST\", found \"" + spec + "\"", e);
        }
    }
}
