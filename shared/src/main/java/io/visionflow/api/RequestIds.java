package io.visionflow.api;

import java.util.regex.Pattern;

/** Which request ids from outside are taken as they are: plain ids, safe in headers, logs and keys. */
final class RequestIds {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private RequestIds() {
    }

    static boolean plain(String id) {
        return id != null && PLAIN.matcher(id).matches();
    }
}
