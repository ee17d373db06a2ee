package io.visionflow.image;

import java.net.URI;

/**
 * Decides whether a URL may be fetched; consulted for the URL a client gave and again for every
 * redirect target. This is where server-side request forgery protection plugs in (refusing
 * loopback, private, link-local and metadata addresses after DNS resolution, see DESIGN.md §5).
 */
@FunctionalInterface
public interface AddressPolicy {

    /** Allows every http/https URL. Only for development until the SSRF policy exists. */
    AddressPolicy ALLOW_ALL = uri -> {
    };

    /**
     * Returns normally when {@code target} may be fetched.
     *
     * @param target an absolute http or https URI with a host
     * @throws ImageException (400) naming why the address is refused
     */
    void check(URI target) throws ImageException;
}
