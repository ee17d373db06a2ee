package io.visionflow.task;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Greedy non-maximum suppression, per label. */
public final class Nms {
    private Nms() {
    }

    /** Keeps the most probable object of every group of same-label objects overlapping by more than {@code iou}. */
    public static List<DetectedObject> apply(List<DetectedObject> objects, double iou) {
        List<DetectedObject> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparingDouble(DetectedObject::prob).reversed());
        List<DetectedObject> kept = new ArrayList<>();
        for (DetectedObject candidate : sorted) {
            boolean suppressed = false;
            for (DetectedObject k : kept) {
                if (k.name().equals(candidate.name()) && k.box().iou(candidate.box()) > iou) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(candidate);
            }
        }
        return kept;
    }
}
