package io.visionflow.image;

/** Downloads the image behind a record's {@code _url}. */
@FunctionalInterface
public interface UrlFetcher {

    /**
     * Returns the body of {@code url}.
     *
     * @param maxBytes the largest body accepted; a longer one is abandoned without being read
     * @throws ImageException 400 for a URL that is not http(s), refused by policy, unreachable,
     *                        timed out, redirected too often or answered with a non-2xx status;
     *                        413 when the body is over {@code maxBytes}
     */
    byte[] fetch(String url, long maxBytes) throws ImageException;
}
