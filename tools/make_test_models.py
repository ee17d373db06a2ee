#!/usr/bin/python3
"""Writes Visionflow's hand-set ONNX test models into shared/src/test/resources/models/.

The weights are chosen by hand so that every output can be predicted from a rendered image;
TestModelsTest asserts the numbers documented in that folder's README.md. Run with Debian's
python3 + python3-onnx (no onnxruntime needed):

    /usr/bin/python3 tools/make_test_models.py

Opset 17 and IR version 8 so that ONNX Runtime 1.23 (and older runtimes) load the files.
The output is deterministic: rerunning it must not change the committed .onnx files.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "src", "test", "resources", "models")

# Gains: large enough that the documented test images give confident answers, small enough that
# intermediate images still give graded probabilities.
COLOUR_GAIN = 10.0
BRIGHTNESS_GAIN = 10.0
TOP_BOTTOM_GAIN = 10.0
TOP_BOTTOM_TIE_BIAS = 0.05  # a tie (uniform image) leans to index 1, "otherwise"

# grid_detector: objectness = sigmoid(OBJ_GAIN * (score - OBJ_THRESHOLD)), score in [0, 1].
# Pale red RGB(200,120,120) has score 80/255 = 0.3137, so it lands at ~0.39; white/grey at ~0.015.
OBJ_GAIN = 12.0
OBJ_THRESHOLD = 0.35
CLASS_GAIN = 20.0


def const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def int_const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.int64), name)


def image_input(size):
    return helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, size, size])


def save(graph, filename, doc):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="visionflow-make-test-models", producer_version="1")
    model.ir_version = IR_VERSION
    model.doc_string = doc
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(OUT, filename)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print("wrote", os.path.relpath(path))


def pooled_linear(filename, name, weights, bias, doc):
    """image -> GlobalAveragePool -> Flatten -> Gemm(weights [3, k], bias [k]) -> logits [1, k]."""
    k = len(bias)
    nodes = [
        helper.make_node("GlobalAveragePool", ["image"], ["mean"]),
        helper.make_node("Flatten", ["mean"], ["mean_flat"], axis=1),
        helper.make_node("Gemm", ["mean_flat", "W", "B"], ["logits"]),
    ]
    graph = helper.make_graph(nodes, name, [image_input(32)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, k])],
                              initializer=[const("W", weights), const("B", bias)])
    save(graph, filename, doc)


def mean_colour():
    # logits_i = GAIN * mean(channel i): the softmax favours the channel with the largest mean.
    pooled_linear("mean_colour.onnx", "mean_colour", COLOUR_GAIN * np.eye(3), [0, 0, 0],
                  "logits [1,3] = 10 * per-channel mean of the [0,1] RGB image; 0 red, 1 green, 2 blue")


def brightness():
    # Rec. 601 luminance, centred on 0.5: logit(bright) - logit(dark) = 2 * GAIN * (lum - 0.5).
    lum = np.array([0.299, 0.587, 0.114])
    w = np.stack([-BRIGHTNESS_GAIN * lum, BRIGHTNESS_GAIN * lum], axis=1)
    b = [BRIGHTNESS_GAIN * 0.5, -BRIGHTNESS_GAIN * 0.5]
    pooled_linear("brightness.onnx", "brightness", w, b,
                  "logits [1,2] = (-10*(L-0.5), 10*(L-0.5)), L = mean Rec.601 luminance; 0 dark, 1 bright")


def top_bottom():
    # AveragePool over the two 16x32 halves -> [1,3,2,1]; Flatten orders it (c0 top, c0 bottom, c1 top, ...).
    w = np.zeros((6, 2))
    for c in range(3):
        w[2 * c, 0], w[2 * c + 1, 0] = TOP_BOTTOM_GAIN / 3, -TOP_BOTTOM_GAIN / 3
        w[2 * c, 1], w[2 * c + 1, 1] = -TOP_BOTTOM_GAIN / 3, TOP_BOTTOM_GAIN / 3
    nodes = [
        helper.make_node("AveragePool", ["image"], ["halves"], kernel_shape=[16, 32], strides=[16, 32]),
        helper.make_node("Flatten", ["halves"], ["halves_flat"], axis=1),
        helper.make_node("Gemm", ["halves_flat", "W", "B"], ["logits"]),
    ]
    graph = helper.make_graph(nodes, "top_bottom", [image_input(32)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])],
                              initializer=[const("W", w), const("B", [0.0, TOP_BOTTOM_TIE_BIAS])])
    save(graph, "top_bottom.onnx",
         "logits [1,2] = (10*d, -10*d + 0.05), d = mean(top half) - mean(bottom half) over all channels")


def grid_boxes():
    boxes = []
    for cells, size in ((2, 32), (4, 16)):
        for row in range(cells):
            for col in range(cells):
                boxes.append([size * col + size / 2, size * row + size / 2, size, size])
    return np.array(boxes).reshape(1, 20, 4)


def grid_detector():
    # Per pixel: redness = R - (G+B)/2, blueness = B - (R+G)/2, clipped at 0. Both are 0 for any
    # grey, 1 for pure red/blue, and 80/255 for RGB(200,120,120) / (120,120,200).
    colour_w = np.array([[1, -0.5, -0.5], [-0.5, -0.5, 1]]).reshape(2, 3, 1, 1)
    nodes = [
        helper.make_node("Conv", ["image", "colour_w"], ["colour_raw"]),
        helper.make_node("Relu", ["colour_raw"], ["colour"]),
        # Fine cells: mean colour of each 16x16 cell -> [1,2,4,4].
        helper.make_node("AveragePool", ["colour"], ["fine"], kernel_shape=[16, 16], strides=[16, 16]),
        # Coarse cells: the MIN of the quadrant's four fine cells, so a quadrant fires only when the
        # whole quadrant is coloured (a mean would make a one-cell object light up its quadrant too).
        helper.make_node("Neg", ["fine"], ["fine_neg"]),
        helper.make_node("MaxPool", ["fine_neg"], ["coarse_neg"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Neg", ["coarse_neg"], ["coarse"]),
        # Fine cells only report what their quadrant did not: one object -> one box.
        helper.make_node("ConvTranspose", ["coarse", "upsample_w"], ["coarse_up"], strides=[2, 2], group=2),
        helper.make_node("Sub", ["fine", "coarse_up"], ["fine_rest_raw"]),
        helper.make_node("Relu", ["fine_rest_raw"], ["fine_rest"]),
        helper.make_node("Reshape", ["coarse", "shape_coarse"], ["coarse_flat"]),
        helper.make_node("Reshape", ["fine_rest", "shape_fine"], ["fine_flat"]),
        helper.make_node("Concat", ["coarse_flat", "fine_flat"], ["scores_t"], axis=2),
        helper.make_node("Transpose", ["scores_t"], ["scores"], perm=[0, 2, 1]),  # [1,20,2]
        helper.make_node("ReduceMax", ["scores"], ["best"], axes=[2], keepdims=1),
        helper.make_node("Sub", ["best", "obj_threshold"], ["obj_centred"]),
        helper.make_node("Mul", ["obj_centred", "obj_gain"], ["obj_logit"]),
        helper.make_node("Sigmoid", ["obj_logit"], ["objectness"]),
        helper.make_node("Mul", ["scores", "class_gain"], ["class_logits"]),
        helper.make_node("Softmax", ["class_logits"], ["class_probs"], axis=2),
        helper.make_node("Concat", ["boxes", "objectness", "class_probs"], ["detections"], axis=2),
    ]
    init = [
        const("colour_w", colour_w),
        const("upsample_w", np.ones((2, 1, 2, 2))),
        int_const("shape_coarse", [1, 2, 4]),
        int_const("shape_fine", [1, 2, 16]),
        const("obj_threshold", [OBJ_THRESHOLD]),
        const("obj_gain", [OBJ_GAIN]),
        const("class_gain", [CLASS_GAIN]),
        const("boxes", grid_boxes()),
    ]
    graph = helper.make_graph(nodes, "grid_detector", [image_input(64)],
                              [helper.make_tensor_value_info("detections", TensorProto.FLOAT, [1, 20, 7])],
                              initializer=init)
    save(graph, "grid_detector.onnx",
         "detections [1,20,7] = (cx, cy, w, h, objectness, p(Car=red), p(Truck=blue)); rows 0-3 the 2x2 "
         "grid of 32px cells, rows 4-19 the 4x4 grid of 16px cells, row-major")


def pixel_shuffle_x2():
    """A 2x super-resolution model of the usual shape (convolution to 4 sub-pixel channels per
    colour, then DepthToSpace), with weights that make each output 2x2 block a fixed mix of the
    pixel and its right, lower and lower-right neighbours (zero outside the image)."""
    subpixels = {
        (0, 0): {(1, 1): 1.0},
        (0, 1): {(1, 1): 0.5, (1, 2): 0.5},
        (1, 0): {(1, 1): 0.5, (2, 1): 0.5},
        (1, 1): {(1, 1): 0.25, (1, 2): 0.25, (2, 1): 0.25, (2, 2): 0.25},
    }
    weights = np.zeros((12, 3, 3, 3), dtype=np.float32)
    for c in range(3):
        for (i, j), taps in subpixels.items():
            for (ky, kx), w in taps.items():
                # DepthToSpace mode CRD: output channel c, sub-pixel (i, j) reads input channel c*4 + i*2 + j
                weights[c * 4 + i * 2 + j, c, ky, kx] = w
    nodes = [
        helper.make_node("Conv", ["image", "W"], ["features"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("DepthToSpace", ["features"], ["upscaled"], blocksize=2, mode="CRD"),
    ]
    graph = helper.make_graph(
        nodes, "pixel_shuffle_x2",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("upscaled", TensorProto.FLOAT, [1, 3, "h2", "w2"])],
        initializer=[const("W", weights)])
    save(graph, "pixel_shuffle_x2.onnx",
         "upscaled [1,3,2h,2w] from image [1,3,h,w] (RGB in [0,1]): out(2y+i, 2x+j) = p(y,x) for (0,0), "
         "(p(y,x)+p(y,x+1))/2 for (0,1), (p(y,x)+p(y+1,x))/2 for (1,0), the mean of the four for (1,1); "
         "p = 0 outside the image")


def main():
    os.makedirs(OUT, exist_ok=True)
    mean_colour()
    brightness()
    top_bottom()
    grid_detector()
    pixel_shuffle_x2()
    return 0


if __name__ == "__main__":
    sys.exit(main())
