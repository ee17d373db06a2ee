package io.visionflow.task;

/** One object found by a detection call; {@code box} is in pixels of the image given to the call. */
public record DetectedObject(String id, String name, double prob, Box box) {
}
