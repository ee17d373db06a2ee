package io.visionflow.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Problem;
import io.visionflow.flow.ServiceRules;

import java.util.List;
import java.util.Set;

/**
 * The built-in services' names and the checks of their {@code params}, apart from the services:
 * a host that validates flows but runs no service (the API function, which has no ONNX Runtime)
 * checks them exactly as a host that runs them. Each service's {@code validate} is its rule here.
 */
public final class BuiltinRules implements ServiceRules {
    public static final BuiltinRules INSTANCE = new BuiltinRules();
    /** The names of the built-in services. */
    public static final Set<String> NAMES = Set.of(DominantColors.NAME, RemoveBackground.NAME, Upscale.NAME, ReadText.NAME);

    static final List<String> DOMINANT_COLORS_MODES = List.of("generic", "product");
    static final List<String> REMOVE_BACKGROUND_OUTPUTS = List.of("image", "mask", "both");

    private BuiltinRules() {
    }

    @Override
    public Set<String> names() {
        return NAMES;
    }

    @Override
    public List<Problem> check(String service, ObjectNode params) {
        return switch (service) {
            case DominantColors.NAME -> dominantColors(params);
            case RemoveBackground.NAME -> removeBackground(params);
            case Upscale.NAME -> upscale(params);
            case ReadText.NAME -> readText(params);
            default -> List.of();
        };
    }

    static List<Problem> dominantColors(ObjectNode params) {
        return Params.check(params, Set.of("count", "mode")).integer("count", 1, 12).oneOf("mode", DOMINANT_COLORS_MODES)
                .problems();
    }

    static List<Problem> removeBackground(ObjectNode params) {
        return Params.check(params, Set.of("output")).oneOf("output", REMOVE_BACKGROUND_OUTPUTS).problems();
    }

    static List<Problem> upscale(ObjectNode params) {
        Params p = Params.check(params, Set.of("factor", "method", "sharpen", "model", "tile"))
                .oneOf("factor", 2, 4).oneOf("method", List.of("lanczos3", "onnx")).number("sharpen", 0, 2)
                .text("model").integer("tile", 32, 1024);
        boolean onnx = "onnx".equals(Params.text(params, "method", "lanczos3"));
        if (onnx && !params.hasNonNull("model")) {
            p.problem("model", "is required with method \"onnx\" (an uploaded model id, or a path in the models directory)");
        }
        if (onnx && params.has("sharpen")) {
            p.problem("sharpen", "applies to method \"lanczos3\" only");
        }
        if (!onnx && (params.has("model") || params.has("tile"))) {
            p.problem(params.has("model") ? "model" : "tile", "applies to method \"onnx\" only");
        }
        return p.problems();
    }

    static List<Problem> readText(ObjectNode params) {
        return Params.check(params, Set.of("min_confidence")).number("min_confidence", 0, 1).problems();
    }
}
