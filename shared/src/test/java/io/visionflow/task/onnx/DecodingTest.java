package io.visionflow.task.onnx;

import io.visionflow.task.Box;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Label;
import io.visionflow.task.LabelProb;
import io.visionflow.task.TaskException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Every decoder on synthetic tensors. */
class DecodingTest {
    private static final List<Label> CAT_DOG = List.of(new Label("c", "cat"), new Label("d", "dog"));

    private static Map<String, OutputTensor> outputs(OutputTensor... ts) {
        Map<String, OutputTensor> m = new LinkedHashMap<>();
        for (OutputTensor t : ts) {
            m.put(t.name(), t);
        }
        return m;
    }

    private static OutputTensor tensor(String name, float[] data, long... shape) {
        return new OutputTensor(name, data, shape);
    }

    /** Input and image the same size: boxes come out as decoded. */
    private static Preprocessing.Geometry identity(int w, int h) {
        return new Preprocessing.Geometry(w, h, w, h, 1, 1, 0, 0);
    }

    @Nested
    class Classifier {
        @Test
        void softmaxMapsOutputIndexToLabel() throws Exception {
            List<LabelProb> probs = Decoding.classify(new ClassifierOutput(null, null),
                    outputs(tensor("out", new float[] {0, (float) Math.log(3)}, 1, 2)), CAT_DOG);

            assertThat(probs).extracting(LabelProb::name).containsExactly("cat", "dog");
            assertThat(probs.get(0).prob()).isCloseTo(0.25, within(1e-6));
            assertThat(probs.get(1).prob()).isCloseTo(0.75, within(1e-6));
        }

        @Test
        void sigmoidAndNone() throws Exception {
            var sig = Decoding.classify(new ClassifierOutput(Activation.SIGMOID, null),
                    outputs(tensor("out", new float[] {0, 2}, 1, 2)), CAT_DOG);
            var none = Decoding.classify(new ClassifierOutput(Activation.NONE, null),
                    outputs(tensor("out", new float[] {0.1f, 0.9f}, 1, 2)), CAT_DOG);

            assertThat(sig.get(0).prob()).isCloseTo(0.5, within(1e-6));
            assertThat(sig.get(1).prob()).isCloseTo(0.8808, within(1e-4));
            assertThat(none.get(1).prob()).isCloseTo(0.9, within(1e-6));
        }

        @Test
        void picksTheNamedTensor() throws Exception {
            var probs = Decoding.classify(new ClassifierOutput(Activation.NONE, "probs"), outputs(
                    tensor("logits", new float[] {5, -5}, 1, 2), tensor("probs", new float[] {0.3f, 0.7f}, 1, 2)), CAT_DOG);

            assertThat(probs.get(1).prob()).isCloseTo(0.7, within(1e-6));
        }

        @Test
        void wrongShapeNamesTheExpectedOne() {
            assertThatThrownBy(() -> Decoding.classify(new ClassifierOutput(null, null),
                    outputs(tensor("out", new float[] {1, 2, 3}, 1, 3)), CAT_DOG))
                    .isInstanceOf(TaskException.class)
                    .hasMessage("model output \"out\" has shape [1, 3], expected [1, 2] (one score per label of the task)");
            assertThatThrownBy(() -> Decoding.classify(new ClassifierOutput(null, "nope"),
                    outputs(tensor("out", new float[] {1, 2}, 1, 2)), CAT_DOG))
                    .hasMessage("the model has no output \"nope\" (outputs: out)");
        }
    }

    @Nested
    class Yolo {
        /** Rows of cx, cy, w, h, cat, dog in input pixels. */
        private final float[][] rows = {
                {50, 50, 20, 20, 0.9f, 0.1f},
                {52, 51, 20, 20, 0.8f, 0.1f},   // same cat, overlapping: suppressed
                {52, 51, 20, 20, 0.1f, 0.7f},   // a dog at the same place: kept (NMS is per label)
                {150, 80, 40, 10, 0.2f, 0.6f},
                {10, 10, 5, 5, 0.05f, 0.02f}};  // below minProb

        private OutputTensor rowsTensor() {
            float[] d = new float[rows.length * 6];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(rows[i], 0, d, i * 6, 6);
            }
            return tensor("output0", d, 1, rows.length, 6);
        }

        private OutputTensor transposed() {
            float[] d = new float[rows.length * 6];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < 6; j++) {
                    d[j * rows.length + i] = rows[i][j];
                }
            }
            return tensor("output0", d, 1, 6, rows.length);
        }

        @Test
        void decodesRowsWithNmsPerLabel() throws Exception {
            List<DetectedObject> found = Decoding.detect(new YoloOutput(null, null, null, null),
                    outputs(rowsTensor()), identity(200, 100), CAT_DOG, 0.3);

            assertThat(found).extracting(DetectedObject::name).containsExactly("cat", "dog", "dog");
            assertThat(found.get(0).prob()).isCloseTo(0.9, within(1e-6));
            assertThat(found.get(0).box()).isEqualTo(new Box(40, 40, 60, 60));
            assertThat(found.get(0).id()).isEqualTo("c");
            assertThat(found.get(2).box()).isEqualTo(new Box(130, 75, 170, 85));
        }

        @Test
        void transposedLayoutGivesTheSameObjects() throws Exception {
            YoloOutput spec = new YoloOutput(null, null, null, null);
            var a = Decoding.detect(spec, outputs(rowsTensor()), identity(200, 100), CAT_DOG, 0.3);
            var b = Decoding.detect(spec, outputs(transposed()), identity(200, 100), CAT_DOG, 0.3);

            assertThat(b).isEqualTo(a);
        }

        @Test
        void objectnessMultipliesTheClassScore() throws Exception {
            float[] d = {100, 50, 20, 20, 0.5f, 0.9f, 0.2f};

            var found = Decoding.detect(new YoloOutput(null, null, true, null),
                    outputs(tensor("o", d, 1, 1, 7)), identity(200, 100), CAT_DOG, 0.3);

            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.name()).isEqualTo("cat");
                assertThat(o.prob()).isCloseTo(0.45, within(1e-6));
            });
        }

        @Test
        void normalizedBoxesAreScaledByTheInputAndMappedBackToTheImage() throws Exception {
            // A 640×480 image letterboxed into 320×320: scale 0.5, 40 px of padding above.
            var g = new Preprocessing.Geometry(320, 320, 640, 480, 0.5, 0.5, 0, 40);
            float[] d = {0.5f, 0.5f, 0.25f, 0.125f, 0.9f, 0.1f};

            var found = Decoding.detect(new YoloOutput(null, true, null, null),
                    outputs(tensor("o", d, 1, 1, 6)), g, CAT_DOG, 0.3);

            assertThat(found.get(0).box()).isEqualTo(new Box(240, 200, 400, 280));
        }

        @Test
        void boxesAreClippedToTheImage() throws Exception {
            float[] d = {5, 95, 20, 20, 0.9f, 0};

            var found = Decoding.detect(new YoloOutput(null, null, null, null),
                    outputs(tensor("o", d, 1, 1, 6)), identity(200, 100), CAT_DOG, 0.3);

            assertThat(found.get(0).box()).isEqualTo(new Box(0, 85, 15, 100));
        }

        @Test
        void wrongShapeNamesTheExpectedOnes() {
            assertThatThrownBy(() -> Decoding.detect(new YoloOutput(null, null, true, null),
                    outputs(rowsTensor()), identity(200, 100), CAT_DOG, 0.3))
                    .isInstanceOf(TaskException.class)
                    .hasMessage("model output \"output0\" has shape [1, 5, 6], expected [1, N, 7] or [1, 7, N]"
                            + " (4 box values + objectness + 2 class scores)");
        }
    }

    @Nested
    class Anchors {
        private AnchorsOutput blazeFace(boolean weighted) {
            return new AnchorsOutput(List.of("s1", "s2"), List.of("b1", "b2"), List.of(8, 16, 16, 16),
                    null, null, null, null, null, null, null, null, null, null, null, weighted);
        }

        @Test
        void blazeFaceAnchorsMatchMediaPipe() {
            float[][] a = AnchorsDecoder.anchors(blazeFace(false), 128, 128);

            assertThat(a).hasNumberOfRows(896);
            // Stride 8: 16×16 cells, two anchors each; the first cell's centre is (0.5/16, 0.5/16).
            assertThat(a[0]).containsExactly(1 / 32f, 1 / 32f, 1, 1);
            assertThat(a[1]).containsExactly(1 / 32f, 1 / 32f, 1, 1);
            assertThat(a[2][0]).isEqualTo(3 / 32f);
            assertThat(a[32][1]).isEqualTo(3 / 32f);
            // Stride 16: 8×8 cells, six anchors each (three layers × (ratio 1 + interpolated)).
            assertThat(a[512]).containsExactly(1 / 16f, 1 / 16f, 1, 1);
            assertThat(a[517][0]).isEqualTo(1 / 16f);
            assertThat(a[518][0]).isEqualTo(3 / 16f);
            assertThat(a[895]).containsExactly(15 / 16f, 15 / 16f, 1, 1);
        }

        @Test
        void anchorSizesFollowTheScalesWhenNotFixed() {
            AnchorsOutput spec = new AnchorsOutput(List.of("s"), List.of("b"), List.of(16, 32), List.of(1.0, 2.0),
                    0.0, 0.2, 0.8, false, null, null, null, null, null, null, null);

            float[][] a = AnchorsDecoder.anchors(spec, 64, 64);

            assertThat(a).hasNumberOfRows(4 * 4 * 2 + 2 * 2 * 2);
            assertThat(a[0][2]).isCloseTo(0.2f, within(1e-6f));
            assertThat(a[1][2]).isCloseTo((float) (0.2 * Math.sqrt(2)), within(1e-6f));
            assertThat(a[1][3]).isCloseTo((float) (0.2 / Math.sqrt(2)), within(1e-6f));
            assertThat(a[32][2]).isCloseTo(0.8f, within(1e-6f));
        }

        private Map<String, OutputTensor> oneFace(float score) {
            float[] s1 = new float[512];
            float[] s2 = new float[384];
            java.util.Arrays.fill(s1, -10);
            java.util.Arrays.fill(s2, -10);
            float[] b1 = new float[512 * 16];
            float[] b2 = new float[384 * 16];
            // Anchor 2 * (3 * 16 + 4) = cell (x 4, y 3) at stride 8, centre (36, 28) in 128 px;
            // its neighbour anchor predicts nearly the same box, a bit less sure.
            int a = 2 * (3 * 16 + 4);
            s1[a] = score;
            s1[a + 1] = score - 1;
            float[] box = {4, -2, 20, 30};
            System.arraycopy(box, 0, b1, a * 16, 4);
            System.arraycopy(new float[] {6, -2, 20, 30}, 0, b1, (a + 1) * 16, 4);
            return outputs(tensor("s1", s1, 1, 512, 1), tensor("s2", s2, 1, 384, 1),
                    tensor("b1", b1, 1, 512, 16), tensor("b2", b2, 1, 384, 16));
        }

        @Test
        void decodesRelativeToTheAnchorWithSigmoidScores() throws Exception {
            List<Label> face = List.of(new Label("face", "face"));

            var found = Decoding.detect(blazeFace(false), oneFace(3), identity(128, 128), face, 0.5);

            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.prob()).isCloseTo(1 / (1 + Math.exp(-3)), within(1e-6));
                // Centre (36 + 4, 28 - 2), size 20×30.
                assertThat(o.box().x1()).isCloseTo(30, within(1e-4));
                assertThat(o.box().y1()).isCloseTo(11, within(1e-4));
                assertThat(o.box().x2()).isCloseTo(50, within(1e-4));
                assertThat(o.box().y2()).isCloseTo(41, within(1e-4));
            });
        }

        @Test
        void weightedNmsAveragesOverlappingBoxesByScore() throws Exception {
            List<Label> face = List.of(new Label("face", "face"));

            var found = Decoding.detect(blazeFace(true), oneFace(3), identity(128, 128), face, 0.5);

            double w1 = 1 / (1 + Math.exp(-3));
            double w2 = 1 / (1 + Math.exp(-2));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.prob()).isCloseTo(w1, within(1e-6));
                assertThat(o.box().x1()).isCloseTo((30 * w1 + 32 * w2) / (w1 + w2), within(1e-4));
            });
        }

        @Test
        void tooFewScoresForTheAnchorsIsAClearError() {
            var outs = oneFace(3);
            outs.put("s2", tensor("s2", new float[100], 1, 100, 1));
            outs.put("b2", tensor("b2", new float[1600], 1, 100, 16));

            assertThatThrownBy(() -> Decoding.detect(blazeFace(false), outs, identity(128, 128),
                    List.of(new Label("face", "face")), 0.5))
                    .isInstanceOf(TaskException.class)
                    .hasMessage("the model's score tensors hold 612 anchors, but strides [8, 16, 16, 16] generate 896");
        }
    }

    @Nested
    class TextMap {
        private static final List<Label> TEXT = List.of(new Label("text", "text"));

        private static void fill(float[] map, int w, int x1, int y1, int x2, int y2, float p) {
            for (int y = y1; y <= y2; y++) {
                for (int x = x1; x <= x2; x++) {
                    map[y * w + x] = p;
                }
            }
        }

        @Test
        void regionsBecomeUnclippedBoxesInReadingOrder() throws Exception {
            int w = 200;
            int h = 100;
            float[] map = new float[w * h];
            fill(map, w, 120, 20, 179, 29, 0.9f);   // right on the first line
            fill(map, w, 10, 21, 99, 30, 0.8f);     // left on the first line
            fill(map, w, 10, 60, 149, 69, 0.95f);   // second line
            fill(map, w, 5, 85, 6, 86, 0.99f);      // a speck: smaller than min_size
            fill(map, w, 10, 80, 60, 90, 0.4f);     // above threshold but a weak box

            var found = Decoding.detect(TextMapOutput.defaults(), outputs(tensor("m", map, 1, 1, h, w)),
                    identity(w, h), TEXT, 0.5);

            assertThat(found).extracting(o -> o.box().x1()).hasSize(3);
            assertThat(found).extracting(DetectedObject::name).containsOnly("text");
            Box left = found.get(0).box();
            // 89×9 px kernel (pixel centres): offset 89 * 9 * 1.5 / (2 * 98) = 6.13 px on each side.
            double d = 89 * 9 * 1.5 / (2 * 98.0);
            assertThat(left.x1()).isCloseTo(10 - d, within(1e-6));
            assertThat(left.y1()).isCloseTo(21 - d, within(1e-6));
            assertThat(left.x2()).isCloseTo(99 + 1 + d, within(1e-6));
            assertThat(found.get(0).prob()).isCloseTo(0.8, within(1e-6));
            assertThat(found.get(1).box().x1()).isGreaterThan(100);
            assertThat(found.get(2).box().y1()).isGreaterThan(45);
        }

        @Test
        void aSmallerMapIsScaledToTheInput() throws Exception {
            float[] map = new float[50 * 25];
            fill(map, 50, 10, 10, 29, 14, 0.9f);
            var g = new Preprocessing.Geometry(200, 100, 400, 200, 0.5, 0.5, 0, 0);

            var found = Decoding.detect(TextMapOutput.defaults(), outputs(tensor("m", map, 1, 1, 25, 50)), g, TEXT, 0.5);

            // Map cell = 4 input px = 8 image px.
            double d = 19 * 4 * 1.5 / (2 * 23.0);
            assertThat(found.get(0).box().x1()).isCloseTo((10 - d) * 8, within(1e-6));
            assertThat(found.get(0).box().y2()).isCloseTo((14 + 1 + d) * 8, within(1e-6));
        }

        @Test
        void wrongShapeIsAClearError() {
            assertThatThrownBy(() -> Decoding.detect(TextMapOutput.defaults(),
                    outputs(tensor("m", new float[6], 1, 2, 3)), identity(3, 2), TEXT, 0.5))
                    .hasMessage("model output \"m\" has shape [1, 2, 3], expected a probability map [1, 1, H, W]");
        }
    }
}
