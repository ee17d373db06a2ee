package io.visionflow.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;
import io.visionflow.task.onnx.Activation;
import io.visionflow.task.onnx.ClassifierOutput;
import io.visionflow.task.onnx.Preprocessing;
import io.visionflow.task.onnx.YoloOutput;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link TaskStore} adapter must do; subclasses give a fresh, empty store. */
public abstract class TaskStoreContract {
    protected static final String A = "acct-a";
    protected static final String B = "acct-b";

    protected TaskStore store;

    protected abstract TaskStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    protected static Task classifier(String id, String... labels) {
        List<Label> ls = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            ls.add(new Label(id + "-l" + i, labels[i]));
        }
        Preprocessing pre = Preprocessing.fixed(224, 224)
                .withNormalization(1.0 / 255, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225))
                .withChannels(Preprocessing.Channels.BGR);
        return new Task(id, "classifier " + id, TaskKind.CLASSIFICATION, ls,
                new OnnxBackend("model-" + id, pre, new ClassifierOutput(Activation.SIGMOID, "probs")));
    }

    protected static Task detector(String id) {
        return new Task(id, "detector " + id, TaskKind.DETECTION, List.of(new Label(id + "-car", "car")),
                new HttpBackend("https://models.example/detect", Map.of("Authorization", "Token x"), "remote-7"));
    }

    @Test
    void theTaskRecordSurvivesAPlainJacksonRoundTrip() throws Exception {
        // adapters that keep tasks as JSON rely on this; it fails here first if Task stops round-tripping
        ObjectMapper json = new ObjectMapper();
        Task yolo = new Task("y", "yolo", TaskKind.DETECTION, List.of(new Label("y1", "dog")),
                new OnnxBackend("m", Preprocessing.fixed(640, 640).withResize(Preprocessing.Resize.LETTERBOX),
                        new YoloOutput("out0", true, false, 0.5)));
        for (Task t : List.of(classifier("c", "Pants", "Shirt"), detector("d"), yolo)) {
            String text = json.writeValueAsString(t);
            assertThat(json.readTree(text).get("type").asText()).isEqualTo(t.kind().wire());
            assertThat(json.readTree(text).get("backend").has("kind")).isTrue();
            assertThat(json.readValue(text, Task.class)).isEqualTo(t);
        }
    }

    @Test
    void createStoresVersionOneOfEitherBackend() {
        StoredTask c = store.create(A, classifier("t1", "Pants", "Shirt"));
        StoredTask d = store.create(A, detector("t2"));

        assertThat(c.task()).isEqualTo(classifier("t1", "Pants", "Shirt"));
        assertThat(c.account()).isEqualTo(A);
        assertThat(c.version()).isEqualTo(1);
        assertThat(c.created()).isNotNull();
        assertThat(c.updated()).isEqualTo(c.created());
        assertThat(store.get(A, "t1")).contains(c);
        assertThat(store.get(A, "t2")).contains(d);
        assertThat(d.task()).isEqualTo(detector("t2"));
        assertThat(store.get(A, "nope")).isEmpty();
    }

    @Test
    void createOfAnExistingIdConflictsAndKeepsTheTask() {
        StoredTask first = store.create(A, classifier("t1", "Pants"));

        assertThatThrownBy(() -> store.create(A, detector("t1"))).isInstanceOf(ConflictException.class);
        assertThat(store.get(A, "t1")).contains(first);
    }

    @Test
    void updateReplacesTheTaskAsTheNextVersion() {
        StoredTask v1 = store.create(A, classifier("t1", "Pants"));
        StoredTask v2 = store.update(A, 1, classifier("t1", "Pants", "Shirt", "Hat"));

        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.task()).isEqualTo(classifier("t1", "Pants", "Shirt", "Hat"));
        assertThat(v2.created()).isEqualTo(v1.created());
        assertThat(v2.updated()).isAfterOrEqualTo(v1.updated());
        assertThat(store.get(A, "t1")).contains(v2);

        StoredTask v3 = store.update(A, 2, detector("t1"));
        assertThat(store.get(A, "t1")).contains(v3);
        assertThat(v3.task().kind()).isEqualTo(TaskKind.DETECTION);
    }

    @Test
    void updateWithAStaleVersionConflictsAndWritesNothing() {
        store.create(A, classifier("t1", "Pants"));
        StoredTask v2 = store.update(A, 1, classifier("t1", "Shirt"));

        assertThatThrownBy(() -> store.update(A, 1, classifier("t1", "Stale"))).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.update(A, 3, classifier("t1", "Future"))).isInstanceOf(ConflictException.class);
        assertThat(store.get(A, "t1")).contains(v2);
    }

    @Test
    void updateOfAMissingTaskIsNotFound() {
        assertThatThrownBy(() -> store.update(A, 1, classifier("nope", "x"))).isInstanceOf(NotFoundException.class);
        assertThat(store.get(A, "nope")).isEmpty();
    }

    @Test
    void writersRacingOnTheSameVersionExactlyOneWins() throws Exception {
        store.create(A, classifier("t1", "start"));
        int writers = 6;
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String label = "w" + w;
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.update(A, 1, classifier("t1", label));
                        return label;
                    } catch (ConflictException e) {
                        return null;
                    }
                }));
            }
            List<String> winners = new ArrayList<>();
            for (Future<String> r : results) {
                if (r.get() != null) {
                    winners.add(r.get());
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(store.get(A, "t1")).get().satisfies(t -> {
                assertThat(t.version()).isEqualTo(2);
                assertThat(t.task()).isEqualTo(classifier("t1", winners.getFirst()));
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deleteRemovesTheTask() {
        store.create(A, classifier("t1", "Pants"));

        assertThat(store.delete(A, "t1")).isTrue();
        assertThat(store.get(A, "t1")).isEmpty();
        assertThat(store.delete(A, "t1")).isFalse();
        assertThat(store.list(A, null, 0, 10).total()).isZero();
        assertThatThrownBy(() -> store.update(A, 1, classifier("t1", "x"))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void anotherAccountNeitherSeesNorChangesTheTask() {
        StoredTask mine = store.create(A, classifier("t1", "Pants"));

        assertThat(store.get(B, "t1")).isEmpty();
        assertThat(store.list(B, null, 0, 10)).isEqualTo(new Page<StoredTask>(List.of(), 0));
        assertThat(store.list(B, TaskKind.CLASSIFICATION, 0, 10).items()).isEmpty();
        assertThatThrownBy(() -> store.update(B, 1, classifier("t1", "theirs"))).isInstanceOf(NotFoundException.class);
        assertThat(store.delete(B, "t1")).isFalse();

        assertThat(store.get(A, "t1")).contains(mine);
    }

    @Test
    void listFiltersByKindOldestFirstInPages() {
        List<String> all = new ArrayList<>();
        List<String> classifiers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "task-" + (char) ('z' - i); // reverse alphabetical: the order is by age
            if (i % 3 == 0) {
                store.create(A, detector(id));
            } else {
                store.create(A, classifier(id, "x"));
                classifiers.add(id);
            }
            all.add(id);
        }
        store.create(B, classifier("theirs", "x"));
        store.update(A, 1, classifier(all.get(1), "edited"));

        Page<StoredTask> everything = store.list(A, null, 0, 100);
        assertThat(everything.total()).isEqualTo(8);
        assertThat(everything.items()).extracting(t -> t.task().id()).containsExactlyElementsOf(all);

        Page<StoredTask> p1 = store.list(A, TaskKind.CLASSIFICATION, 0, 2);
        assertThat(p1.total()).isEqualTo(classifiers.size());
        assertThat(p1.items()).extracting(t -> t.task().id()).containsExactlyElementsOf(classifiers.subList(0, 2));
        assertThat(p1.items().get(0).version()).isEqualTo(2);
        Page<StoredTask> p2 = store.list(A, TaskKind.CLASSIFICATION, 2, 2);
        assertThat(p2.items()).extracting(t -> t.task().id()).containsExactlyElementsOf(classifiers.subList(2, 4));
        Page<StoredTask> p3 = store.list(A, TaskKind.CLASSIFICATION, 4, 2);
        assertThat(p3.items()).extracting(t -> t.task().id()).containsExactlyElementsOf(classifiers.subList(4, 5));

        Page<StoredTask> detectors = store.list(A, TaskKind.DETECTION, 0, 10);
        assertThat(detectors.total()).isEqualTo(3);
        assertThat(detectors.items()).extracting(t -> t.task().id()).containsExactly(all.get(0), all.get(3), all.get(6));
        assertThat(store.list(A, TaskKind.DETECTION, 3, 10)).isEqualTo(new Page<StoredTask>(List.of(), 3));
    }
}
