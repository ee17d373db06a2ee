package io.visionflow.task;

import java.util.Comparator;
import java.util.List;

/** Result of a classification call: every label, most probable first. */
public record Classification(List<LabelProb> labels) {
    public Classification {
        labels = labels.stream().sorted(Comparator.comparingDouble(LabelProb::prob).reversed()).toList();
    }

    public LabelProb best() {
        return labels.get(0);
    }
}
