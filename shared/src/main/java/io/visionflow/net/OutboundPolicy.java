package io.visionflow.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which addresses outbound requests ({@code _url} images, remote model servers, webhooks) may reach
 * (DESIGN section 5). The production rule, {@link #publicOnly()}, refuses loopback, private,
 * link-local, carrier-grade NAT, multicast, unspecified, reserved and cloud metadata addresses in
 * every spelling (see {@link AddressClassifier}). {@link #allowingPrivate()} also lets loopback and
 * private networks through, for local development and tests only; metadata, link-local and the other
 * kinds stay refused.
 *
 * <p>A name is resolved once, every address it resolves to is checked, and the caller connects to
 * the checked address ({@link OutboundHttp}), so DNS cannot answer differently between the check and
 * the connection.
 */
public final class OutboundPolicy {
    /** {@code true} makes {@link #fromEnvironment()} allow loopback and private addresses. */
    public static final String ALLOW_LOOPBACK_ENV = "VISIONFLOW_ALLOW_LOOPBACK";

    private static final System.Logger LOG = System.getLogger(OutboundPolicy.class.getName());
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** Resolves a host name to its addresses; replaceable so tests control what a name means. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Set<AddressClassifier.Kind> allowed;
    private final Resolver resolver;

    private OutboundPolicy(Set<AddressClassifier.Kind> allowed, Resolver resolver) {
        this.allowed = Set.copyOf(allowed);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** The production rule: public addresses only. */
    public static OutboundPolicy publicOnly() {
        return new OutboundPolicy(Set.of(), InetAddress::getAllByName);
    }

    /**
     * Public addresses and the given kinds, which may only be {@code LOOPBACK} and {@code PRIVATE}:
     * nothing opens the way to metadata services or link-local addresses.
     */
    public static OutboundPolicy publicAnd(AddressClassifier.Kind... kinds) {
        Set<AddressClassifier.Kind> allowed = Set.of(kinds);
        if (!Set.of(AddressClassifier.Kind.LOOPBACK, AddressClassifier.Kind.PRIVATE).containsAll(allowed)) {
            throw new IllegalArgumentException("only loopback and private addresses can be allowed, not " + allowed);
        }
        return new OutboundPolicy(allowed, InetAddress::getAllByName);
    }

    /** Development only: loopback and private networks too. Logged as a warning once per process. */
    public static OutboundPolicy allowingPrivate() {
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "OUTBOUND REQUESTS MAY REACH LOOPBACK AND PRIVATE ADDRESSES"
                    + " (" + ALLOW_LOOPBACK_ENV + "=true): for local development and tests only, never in production");
        }
        return publicAnd(AddressClassifier.Kind.LOOPBACK, AddressClassifier.Kind.PRIVATE);
    }

    /** {@link #allowingPrivate()} when {@code VISIONFLOW_ALLOW_LOOPBACK=true}, else {@link #publicOnly()}. */
    public static OutboundPolicy fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static OutboundPolicy fromEnvironment(Map<String, String> env) {
        String value = env.get(ALLOW_LOOPBACK_ENV);
        return value != null && value.strip().equalsIgnoreCase("true") ? allowingPrivate() : publicOnly();
    }

    /** The same rule with another resolver. */
    public OutboundPolicy withResolver(Resolver resolver) {
        return new OutboundPolicy(allowed, resolver);
    }

    /** True when loopback or private addresses pass: a development setting. */
    public boolean allowsPrivate() {
        return !allowed.isEmpty();
    }

    /** Null when {@code address} may be reached, else why not. */
    public AddressClassifier.Kind refusal(InetAddress address) {
        AddressClassifier.Kind kind = AddressClassifier.classify(address);
        return kind == null || allowed.contains(kind) ? null : kind;
    }

    /**
     * Checks the scheme and host of {@code target}, resolves the host once and checks every address
     * it resolves to; returns the address to connect to.
     *
     * @throws RefusedAddressException when the URL is not http(s) with a host, or an address is refused
     * @throws UnknownHostException    when the name does not resolve
     */
    public InetAddress resolve(URI target) throws RefusedAddressException, UnknownHostException {
        return resolveAll(target).get(0);
    }

    /** Like {@link #resolve}, with every address the name has, all checked. */
    public List<InetAddress> resolveAll(URI target) throws RefusedAddressException, UnknownHostException {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new RefusedAddressException("must be an http or https URL, not "
                    + (scheme.isEmpty() ? "a relative one" : scheme + ":"));
        }
        String host = target.getHost();
        if (host == null || host.isEmpty()) {
            throw new RefusedAddressException("has no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses = resolver.resolve(host);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        // every address must pass, not only the first: a name answering one public and one private
        // address would otherwise reach the private one whenever the order changes
        for (InetAddress a : addresses) {
            AddressClassifier.Kind kind = refusal(a);
            if (kind != null) {
                throw new RefusedAddressException("address not allowed: " + host
                        + (host.equals(a.getHostAddress()) ? "" : " resolves to " + a.getHostAddress())
                        + ", a " + kind.text() + " address");
            }
        }
        return List.of(addresses);
    }

    @Override
    public String toString() {
        return allowed.isEmpty() ? "public addresses only" : "public addresses and " + allowed;
    }
}
