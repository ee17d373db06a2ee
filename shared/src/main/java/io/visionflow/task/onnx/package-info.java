/**
 * ONNX tasks run in-process with ONNX Runtime (DESIGN section 3, backend {@code onnx}).
 *
 * <p>A task's {@link io.visionflow.task.OnnxBackend} names a model file (resolved by a
 * {@link io.visionflow.task.ModelSource}, for example {@link io.visionflow.task.onnx.DirectoryModelSource}),
 * a {@link io.visionflow.task.onnx.Preprocessing} (image → input tensor, remembering where the image
 * went so boxes come back in image pixels) and an {@link io.visionflow.task.onnx.OutputSpec} (output
 * tensors → labels or objects). {@link io.visionflow.task.onnx.OnnxTaskRunners} loads each model once
 * and shares its session across threads; {@link io.visionflow.task.onnx.PretrainedModels} holds
 * ready-made tasks for the models the project ships.
 */
package io.visionflow.task.onnx;
