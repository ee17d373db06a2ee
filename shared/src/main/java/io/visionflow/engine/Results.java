package io.visionflow.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.image.ImageRef;
import io.visionflow.task.Box;
import io.visionflow.task.Classification;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.LabelProb;

import java.util.List;

/** The wire shapes of results inside a record (DESIGN section 1). */
final class Results {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Results() {
    }

    static ObjectNode object() {
        return F.objectNode();
    }

    static ArrayNode array() {
        return F.arrayNode();
    }

    static ObjectNode classification(Classification c, Integer topK) {
        ObjectNode out = F.objectNode();
        out.set("best_label", label(c.best()));
        ArrayNode labels = out.putArray("labels");
        List<LabelProb> all = c.labels();
        int n = topK == null ? all.size() : Math.min(topK, all.size());
        for (int i = 0; i < n; i++) {
            labels.add(label(all.get(i)));
        }
        return out;
    }

    static ObjectNode label(LabelProb l) {
        ObjectNode o = F.objectNode();
        o.put("id", l.id());
        o.put("name", l.name());
        o.put("prob", round(l.prob()));
        return o;
    }

    /** An object as reported: its box mapped to original pixels, kept inside the image, rounded to whole pixels. */
    static ObjectNode object(DetectedObject d, Frame frame, ImageRef original) {
        ObjectNode o = F.objectNode();
        o.put("id", d.id());
        o.put("name", d.name());
        o.put("prob", round(d.prob()));
        Box b = frame.toOriginal(d.box()).clip(original.width(), original.height());
        ArrayNode box = o.putArray("bound_box");
        box.add(Math.round(b.x1())).add(Math.round(b.y1())).add(Math.round(b.x2())).add(Math.round(b.y2()));
        return o;
    }

    /** Probabilities with 5 decimals: enough for clients, and stable across runtimes. */
    static double round(double p) {
        return Math.round(p * 100_000d) / 100_000d;
    }
}
