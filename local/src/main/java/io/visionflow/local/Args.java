package io.visionflow.local;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command arguments: {@code --name value} options, {@code --flag}s and the rest in order. */
record Args(Map<String, String> options, Set<String> flags, List<String> positional) {
    /** Null when an option is unknown or lacks its value. */
    static Args parse(List<String> args, List<String> options, List<String> flags) {
        Map<String, String> o = new HashMap<>();
        Set<String> f = new HashSet<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (options.contains(a)) {
                if (i + 1 >= args.size()) {
                    return null;
                }
                o.put(a, args.get(++i));
            } else if (flags.contains(a)) {
                f.add(a);
            } else if (a.startsWith("--") && a.length() > 2) {
                return null;
            } else {
                rest.add(a);
            }
        }
        return new Args(o, f, rest);
    }

    String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }
}
