package io.visionflow.task.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON users write for an onnx backend: snake_case names, defaults, a {@code decoder} tag. */
class SpecJsonTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void preprocessingReadsSnakeCaseAndFillsDefaults() throws Exception {
        Preprocessing p = json.readValue("""
                {"width": 192, "height": 48, "resize": "letterbox_top_left", "pad_value": 127.5,
                 "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "channels": "bgr", "input": "x"}""", Preprocessing.class);

        assertThat(p.width()).isEqualTo(192);
        assertThat(p.resize()).isEqualTo(Preprocessing.Resize.LETTERBOX_TOP_LEFT);
        assertThat(p.padValue()).isEqualTo(127.5);
        assertThat(p.channels()).isEqualTo(Preprocessing.Channels.BGR);
        assertThat(p.scale()).isEqualTo(1.0 / 255);
        assertThat(p.layout()).isEqualTo(Preprocessing.Layout.NCHW);
        assertThat(p.multipleOf()).isEqualTo(32);

        Preprocessing dynamic = json.readValue("{\"max_side\": 960, \"multiple_of\": 32, \"layout\": \"nhwc\"}", Preprocessing.class);
        assertThat(dynamic.maxSide()).isEqualTo(960);
        assertThat(dynamic.layout()).isEqualTo(Preprocessing.Layout.NHWC);
    }

    @Test
    void preprocessingWritesSnakeCase() throws Exception {
        JsonNode n = json.valueToTree(Preprocessing.fixed(224, 224).withResize(Preprocessing.Resize.CENTER_CROP));

        assertThat(n.get("resize").asText()).isEqualTo("center_crop");
        assertThat(n.get("pad_value").asDouble()).isZero();
        assertThat(n.has("multiple_of")).isTrue();
        assertThat(n.has("max_side")).isFalse();
    }

    @Test
    void invalidPreprocessingIsRejectedWithTheReason() {
        assertThatThrownBy(() -> json.readValue("{\"width\": 10}", Preprocessing.class))
                .hasMessageContaining("give both width and height");
        assertThatThrownBy(() -> json.readValue("{\"resize\": \"squash\"}", Preprocessing.class))
                .hasMessageContaining("squash");
    }

    @Test
    void outputSpecsAreTaggedByDecoder() throws Exception {
        assertThat(json.readValue("{\"decoder\": \"classifier\", \"activation\": \"sigmoid\"}", OutputSpec.class))
                .isEqualTo(new ClassifierOutput(Activation.SIGMOID, null));
        assertThat(json.readValue("{\"decoder\": \"yolo\", \"objectness\": true, \"nms_iou\": 0.5}", OutputSpec.class))
                .isEqualTo(new YoloOutput(null, false, true, 0.5));
        assertThat(json.readValue("{\"decoder\": \"text_map\", \"unclip_ratio\": 2.0}", OutputSpec.class))
                .isEqualTo(new TextMapOutput(null, null, null, 2.0, null, null));
        OutputSpec anchors = json.readValue("""
                {"decoder": "anchors", "scores": ["s"], "boxes": ["b"], "strides": [8, 16],
                 "box_order": "yxhw", "box_scale": [10, 10, 5, 5], "exponential_box_size": true}""", OutputSpec.class);
        assertThat(anchors).isInstanceOfSatisfying(AnchorsOutput.class, a -> {
            assertThat(a.boxOrder()).isEqualTo(AnchorsOutput.BoxOrder.YXHW);
            assertThat(a.boxScale()).containsExactly(10.0, 10.0, 5.0, 5.0);
            assertThat(a.exponentialBoxSize()).isTrue();
            assertThat(a.activation()).isEqualTo(Activation.SIGMOID);
            assertThat(a.nmsIou()).isEqualTo(0.3);
        });
        assertThat(json.writeValueAsString(new YoloOutput(null, null, null, null)))
                .isEqualTo("{\"decoder\":\"yolo\",\"normalized\":false,\"objectness\":false,\"nms_iou\":0.45}");
    }

    @Test
    void unknownDecoderAndMissingAnchorFieldsAreRejected() {
        assertThatThrownBy(() -> json.readValue("{\"decoder\": \"ssd2\"}", OutputSpec.class))
                .hasMessageContaining("ssd2");
        assertThatThrownBy(() -> json.readValue("{\"decoder\": \"anchors\", \"scores\": [\"s\"]}", OutputSpec.class))
                .hasMessageContaining("\"scores\" and \"boxes\"");
    }

    @Test
    void everyPretrainedBackendSurvivesAJsonRoundTrip() throws Exception {
        for (Task task : PretrainedModels.all()) {
            OnnxBackend backend = (OnnxBackend) task.backend();
            String text = json.writeValueAsString(backend);

            assertThat(json.readValue(text, OnnxBackend.class)).as(text).isEqualTo(backend);
        }
    }

    @Test
    void pretrainedSpecsLookAsDocumented() throws Exception {
        JsonNode face = json.valueToTree(((OnnxBackend) PretrainedModels.faceDetector().backend()));
        JsonNode lines = json.valueToTree(((OnnxBackend) PretrainedModels.textLineDetector().backend()));

        assertThat(face.at("/preprocessing/layout").asText()).isEqualTo("nhwc");
        assertThat(face.at("/output/decoder").asText()).isEqualTo("anchors");
        assertThat(face.at("/output/strides").toString()).isEqualTo("[8,16,16,16]");
        assertThat(lines.at("/preprocessing/max_side").asInt()).isEqualTo(960);
        assertThat(lines.at("/output/decoder").asText()).isEqualTo("text_map");
        assertThat(List.of(face.at("/model").asText(), lines.at("/model").asText()))
                .containsExactly(PretrainedModels.FACE_MODEL, PretrainedModels.TEXT_LINE_MODEL);
    }
}
