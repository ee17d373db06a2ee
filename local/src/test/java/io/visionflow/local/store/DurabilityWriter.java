package io.visionflow.local.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.store.Stores;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * Child process of {@link SqliteDurabilityTest}: writes numbered rounds into SqliteStores until it
 * is killed, and prints {@code ACK <n> .} only after every write of round n returned.
 */
public final class DurabilityWriter {
    static final String ACCOUNT = "acct-durable";
    static final LocalDate DAY = LocalDate.of(2026, 11, 25);
    static final String HOT = "hot";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DurabilityWriter() {
    }

    static ObjectNode definition(int round) {
        ObjectNode d = JSON.createObjectNode();
        d.put("name", "flow " + round);
        d.putObject("top_node").put("type", "list").put("id", "n" + round);
        return d;
    }

    static byte[] blob(int round) {
        return ("image bytes of round " + round).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        Stores stores = SqliteStores.open(Path.of(args[0])).stores();
        stores.flows().create(ACCOUNT, HOT, definition(0), true, null);
        System.out.println("READY");
        System.out.flush();
        for (int round = 0; ; round++) {
            String id = "f-" + round;
            stores.flows().create(ACCOUNT, id, definition(round), true, null);
            stores.flows().update(ACCOUNT, id, 1, definition(-round), false, "edited in round " + round);
            stores.flows().update(ACCOUNT, HOT, round + 1, definition(round), true, null);
            stores.usage().charge(ACCOUNT, DAY, "f", 1, "charge-" + round);
            if (round % 10 == 0) {
                stores.blobs().put(ACCOUNT, "images", blob(round));
            }
            System.out.println("ACK " + round + " .");
            System.out.flush();
        }
    }
}
