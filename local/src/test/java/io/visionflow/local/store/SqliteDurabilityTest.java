package io.visionflow.local.store;

import io.visionflow.store.StoredFlow;
import io.visionflow.store.Stores;
import io.visionflow.store.UsageRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.visionflow.local.store.DurabilityWriter.ACCOUNT;
import static io.visionflow.local.store.DurabilityWriter.DAY;
import static io.visionflow.local.store.DurabilityWriter.HOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Every write the store acknowledged is there after the process holding it is killed with SIGKILL. */
class SqliteDurabilityTest {
    // the trailing " ." tells a whole line from one cut short by the kill
    private static final Pattern ACK = Pattern.compile("ACK (\\d+) \\.");
    private static final int ROUNDS_BEFORE_KILL = 150;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void acknowledgedWritesSurviveKillNine() throws Exception {
        Path data = dir.resolve("data");
        Path stderr = dir.resolve("child.err");
        Process child = new ProcessBuilder(javaBinary(), "-cp", testClassPath(), DurabilityWriter.class.getName(),
                data.toString())
                .redirectError(stderr.toFile())
                .start();
        int lastAck = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (lastAck < ROUNDS_BEFORE_KILL && (line = out.readLine()) != null) {
                lastAck = Math.max(lastAck, ack(line));
            }
            if (lastAck < ROUNDS_BEFORE_KILL) {
                fail("the writer stopped after round " + lastAck + ": " + Files.readString(stderr));
            }
            assertThat(child.isAlive()).as("the writer is still writing").isTrue();
            // SIGKILL while it is still writing: no shutdown hook, no close, no flush. Through the
            // handle, because Process.destroyForcibly also closes our end of its stdout.
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // lines already in the pipe were printed after their writes returned: they count too
            while ((line = out.readLine()) != null) {
                lastAck = Math.max(lastAck, ack(line));
            }
        } finally {
            child.destroyForcibly();
        }

        try (SqliteStores reopened = SqliteStores.open(data)) {
            assertThat(reopened.integrityCheck()).isEqualTo("ok");
            Stores s = reopened.stores();
            for (int round = 0; round <= lastAck; round++) {
                String id = "f-" + round;
                StoredFlow flow = s.flows().get(ACCOUNT, id).orElseThrow(() -> new AssertionError("lost flow " + id));
                assertThat(flow.version()).as(id).isEqualTo(2);
                assertThat(flow.definition()).as(id).isEqualTo(DurabilityWriter.definition(-round));
                assertThat(flow.invalidReason()).isEqualTo("edited in round " + round);
                assertThat(s.flows().version(ACCOUNT, id, 1)).get().extracting(StoredFlow::definition)
                        .isEqualTo(DurabilityWriter.definition(round));
                // a charge acknowledged before the kill is still known: its redelivery is not counted
                assertThat(s.usage().charge(ACCOUNT, DAY, "f", 1, "charge-" + round)).as("charge-" + round).isFalse();
                if (round % 10 == 0) {
                    int r = round;
                    String key = s.blobs().put(ACCOUNT, "images", DurabilityWriter.blob(round)); // same bytes, same key
                    assertThat(s.blobs().get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(DurabilityWriter.blob(r)));
                }
            }
            // the round cut short by the kill may or may not have been committed, nothing more
            List<UsageRow> usage = s.usage().usage(ACCOUNT, DAY, DAY);
            assertThat(usage).hasSize(1);
            assertThat(usage.getFirst().credits()).isBetween(lastAck + 1L, lastAck + 2L);
            int hot = s.flows().get(ACCOUNT, HOT).orElseThrow().version();
            assertThat(hot).isBetween(lastAck + 2, lastAck + 3);
            for (int v = 1; v <= hot; v++) {
                assertThat(s.flows().version(ACCOUNT, HOT, v)).as("hot v" + v).isPresent();
            }
            // no half-written blob is visible under a key
            try (Stream<Path> files = Files.walk(data.resolve("blobs"))) {
                files.filter(Files::isRegularFile)
                        .filter(f -> !f.getFileName().toString().startsWith(".tmp-"))
                        .forEach(f -> assertThat(f.getFileName().toString()).matches("[0-9a-f]{64}"));
            }
            // and the store takes writes again
            assertThat(s.flows().update(ACCOUNT, HOT, hot, DurabilityWriter.definition(9999), true, null).version())
                    .isEqualTo(hot + 1);
        }
    }

    private static int ack(String line) {
        Matcher m = ACK.matcher(line);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    // surefire may run tests from a manifest-only jar; it keeps the real class path here
    private static String testClassPath() throws IOException {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }
}
