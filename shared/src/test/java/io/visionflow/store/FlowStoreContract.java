package io.visionflow.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link FlowStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class FlowStoreContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    protected static final String A = "acct-a";
    protected static final String B = "acct-b";

    protected FlowStore store;

    protected abstract FlowStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    protected static ObjectNode definition(String name) {
        ObjectNode d = JSON.createObjectNode();
        d.put("name", name);
        d.put("description", "about " + name);
        ObjectNode top = d.putObject("top_node");
        top.put("type", "list");
        top.put("id", "n-" + name);
        top.putArray("actions").addObject().put("type", "recognition").put("task", "t1").put("id", "n2");
        return d;
    }

    @Test
    void createStoresVersionOneReadableByGet() {
        StoredFlow created = store.create(A, "f1", definition("one"), true, null);

        assertThat(created.id()).isEqualTo("f1");
        assertThat(created.account()).isEqualTo(A);
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.definition()).isEqualTo(definition("one"));
        assertThat(created.valid()).isTrue();
        assertThat(created.invalidReason()).isNull();
        assertThat(created.created()).isNotNull();
        assertThat(created.updated()).isEqualTo(created.created());
        assertThat(store.get(A, "f1")).contains(created);
        assertThat(store.version(A, "f1", 1)).contains(created);
    }

    @Test
    void createKeepsInvalidFlowWithReason() {
        StoredFlow created = store.create(A, "f1", definition("one"), false, "task t1 was deleted");

        assertThat(store.get(A, "f1")).get()
                .satisfies(f -> {
                    assertThat(f.valid()).isFalse();
                    assertThat(f.invalidReason()).isEqualTo("task t1 was deleted");
                })
                .isEqualTo(created);
    }

    @Test
    void createOfAnExistingIdConflictsAndKeepsTheFlow() {
        store.create(A, "f1", definition("one"), true, null);

        assertThatThrownBy(() -> store.create(A, "f1", definition("two"), true, null))
                .isInstanceOf(ConflictException.class);
        assertThat(store.get(A, "f1")).get().extracting(StoredFlow::definition).isEqualTo(definition("one"));
    }

    @Test
    void missingFlowsAreEmpty() {
        assertThat(store.get(A, "nope")).isEmpty();
        assertThat(store.version(A, "nope", 1)).isEmpty();
        store.create(A, "f1", definition("one"), true, null);
        assertThat(store.version(A, "f1", 2)).isEmpty();
        assertThat(store.version(A, "f1", 0)).isEmpty();
    }

    @Test
    void updateStoresNextVersionAndKeepsEarlierOnesImmutable() {
        StoredFlow v1 = store.create(A, "f1", definition("one"), true, null);
        StoredFlow v2 = store.update(A, "f1", 1, definition("two"), false, "bad");
        StoredFlow v3 = store.update(A, "f1", 2, definition("three"), true, null);

        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.definition()).isEqualTo(definition("two"));
        assertThat(v2.valid()).isFalse();
        assertThat(v2.invalidReason()).isEqualTo("bad");
        assertThat(v2.created()).isEqualTo(v1.created());
        assertThat(v2.updated()).isAfterOrEqualTo(v1.updated());
        assertThat(v3.version()).isEqualTo(3);

        assertThat(store.get(A, "f1")).contains(v3);
        assertThat(store.version(A, "f1", 1)).contains(v1);
        assertThat(store.version(A, "f1", 2)).contains(v2);
        assertThat(store.version(A, "f1", 3)).contains(v3);
    }

    @Test
    void returnedDefinitionsCannotChangeTheStoredOnes() {
        ObjectNode def = definition("one");
        StoredFlow created = store.create(A, "f1", def, true, null);
        def.put("name", "changed after create");
        created.definition().put("name", "changed on the copy");

        assertThat(store.get(A, "f1")).get().extracting(StoredFlow::definition).isEqualTo(definition("one"));
    }

    @Test
    void updateWithAStaleVersionConflictsAndWritesNothing() {
        store.create(A, "f1", definition("one"), true, null);
        StoredFlow v2 = store.update(A, "f1", 1, definition("two"), true, null);

        assertThatThrownBy(() -> store.update(A, "f1", 1, definition("stale"), true, null))
                .isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.update(A, "f1", 5, definition("future"), true, null))
                .isInstanceOf(ConflictException.class);
        assertThat(store.get(A, "f1")).contains(v2);
        assertThat(store.version(A, "f1", 3)).isEmpty();
    }

    @Test
    void updateOfAMissingFlowIsNotFound() {
        assertThatThrownBy(() -> store.update(A, "nope", 1, definition("x"), true, null))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.get(A, "nope")).isEmpty();
    }

    @Test
    void twoWritersRacingOnTheSameVersionExactlyOneWins() throws Exception {
        for (int round = 0; round < 20; round++) {
            String id = "race-" + round;
            store.create(A, id, definition("v1"), true, null);
            int writers = 4;
            CyclicBarrier start = new CyclicBarrier(writers);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String name = "writer-" + w;
                    Callable<String> edit = () -> {
                        start.await();
                        try {
                            store.update(A, id, 1, definition(name), true, null);
                            return name;
                        } catch (ConflictException e) {
                            return null;
                        }
                    };
                    results.add(pool.submit(edit));
                }
                List<String> winners = new ArrayList<>();
                for (Future<String> r : results) {
                    String w = r.get();
                    if (w != null) {
                        winners.add(w);
                    }
                }
                assertThat(winners).hasSize(1);
                StoredFlow latest = store.get(A, id).orElseThrow();
                assertThat(latest.version()).isEqualTo(2);
                assertThat(latest.definition()).isEqualTo(definition(winners.getFirst()));
                assertThat(store.version(A, id, 1)).get().extracting(StoredFlow::definition).isEqualTo(definition("v1"));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void setValidityChangesTheLatestVersionWithoutANewOne() {
        store.create(A, "f1", definition("one"), true, null);
        store.update(A, "f1", 1, definition("two"), true, null);

        store.setValidity(A, "f1", false, "task t1 was deleted");
        StoredFlow latest = store.get(A, "f1").orElseThrow();
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.valid()).isFalse();
        assertThat(latest.invalidReason()).isEqualTo("task t1 was deleted");
        assertThat(latest.definition()).isEqualTo(definition("two"));
        assertThat(store.version(A, "f1", 3)).isEmpty();

        store.setValidity(A, "f1", true, null);
        assertThat(store.get(A, "f1")).get().satisfies(f -> {
            assertThat(f.valid()).isTrue();
            assertThat(f.invalidReason()).isNull();
            assertThat(f.version()).isEqualTo(2);
        });
        // the next update still expects version 2
        assertThat(store.update(A, "f1", 2, definition("three"), true, null).version()).isEqualTo(3);
    }

    @Test
    void setValidityOfAMissingFlowIsNotFound() {
        assertThatThrownBy(() -> store.setValidity(A, "nope", false, "x")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void deleteRemovesTheFlowAndEveryVersion() {
        store.create(A, "f1", definition("one"), true, null);
        store.update(A, "f1", 1, definition("two"), true, null);
        store.create(A, "f2", definition("other"), true, null);

        assertThat(store.delete(A, "f1")).isTrue();
        assertThat(store.get(A, "f1")).isEmpty();
        assertThat(store.version(A, "f1", 1)).isEmpty();
        assertThat(store.version(A, "f1", 2)).isEmpty();
        assertThat(store.delete(A, "f1")).isFalse();
        assertThat(store.list(A, 0, 10).items()).extracting(StoredFlow::id).containsExactly("f2");
        assertThatThrownBy(() -> store.update(A, "f1", 2, definition("three"), true, null))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void anotherAccountNeitherSeesNorChangesTheFlow() {
        StoredFlow mine = store.create(A, "f1", definition("one"), true, null);

        assertThat(store.get(B, "f1")).isEmpty();
        assertThat(store.version(B, "f1", 1)).isEmpty();
        assertThat(store.list(B, 0, 10)).isEqualTo(new Page<StoredFlow>(List.of(), 0));
        assertThatThrownBy(() -> store.update(B, "f1", 1, definition("theirs"), true, null))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.setValidity(B, "f1", false, "theirs"))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.delete(B, "f1")).isFalse();

        assertThat(store.get(A, "f1")).contains(mine);
        assertThat(store.list(A, 0, 10).items()).containsExactly(mine);
    }

    @Test
    void listGivesLatestVersionsOldestFlowFirstInPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = "flow-" + (char) ('z' - i); // ids in reverse alphabetical order: the order is by age
            store.create(A, id, definition("n" + i), true, null);
            ids.add(id);
        }
        store.create(B, "other", definition("b"), true, null);
        store.update(A, ids.get(2), 1, definition("n2 edited"), true, null);

        Page<StoredFlow> first = store.list(A, 0, 3);
        assertThat(first.total()).isEqualTo(7);
        assertThat(first.items()).extracting(StoredFlow::id).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(first.items().get(2).version()).isEqualTo(2);
        assertThat(first.items().get(2).definition()).isEqualTo(definition("n2 edited"));

        Page<StoredFlow> middle = store.list(A, 3, 3);
        assertThat(middle.total()).isEqualTo(7);
        assertThat(middle.items()).extracting(StoredFlow::id).containsExactlyElementsOf(ids.subList(3, 6));

        Page<StoredFlow> last = store.list(A, 6, 3);
        assertThat(last.items()).extracting(StoredFlow::id).containsExactly(ids.get(6));
        assertThat(store.list(A, 7, 3)).isEqualTo(new Page<StoredFlow>(List.of(), 7));
        assertThat(store.list(A, 100, 3).items()).isEmpty();
    }
}
