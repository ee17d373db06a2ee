package io.visionflow.engine;

import java.util.Map;

/** The one price list: a task call costs {@link #TASK_CALL}; each service has its own price. */
public final class PriceTable {
    public static final int TASK_CALL = 1;

    private static final Map<String, Integer> SERVICES = Map.of(
            "dominant_colors", 1,
            "remove_background", 3,
            "upscale", 2,
            "read_text", 2);

    private PriceTable() {
    }

    /** Price of one call of a service; unknown services cost one credit. */
    public static int service(String name) {
        return SERVICES.getOrDefault(name, 1);
    }
}
