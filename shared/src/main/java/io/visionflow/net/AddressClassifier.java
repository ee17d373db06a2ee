package io.visionflow.net;

import java.net.InetAddress;

/**
 * Says why an address must not be reached from a server that fetches URLs on behalf of its users
 * (server-side request forgery), or null when it is an ordinary public address. Works on the raw
 * bytes, so every spelling of an address (decimal, octal, IPv4-mapped, IPv4-compatible, NAT64 or
 * 6to4 IPv6) is judged by the IPv4 address it carries.
 */
public final class AddressClassifier {

    /** Why an address is refused; {@link #PRIVATE} and {@link #LOOPBACK} are what development may allow. */
    public enum Kind {
        LOOPBACK("loopback"),
        PRIVATE("private network"),
        METADATA("cloud metadata service"),
        LINK_LOCAL("link-local"),
        CGNAT("carrier-grade NAT (shared address space)"),
        UNSPECIFIED("unspecified (this host)"),
        MULTICAST("multicast or broadcast"),
        RESERVED("reserved or documentation range");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private AddressClassifier() {
    }

    /** Null for a public address, else why it is not one. */
    public static Kind classify(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? classify4(b, 0) : classify6(b);
    }

    private static Kind classify4(byte[] b, int at) {
        int a0 = b[at] & 0xff;
        int a1 = b[at + 1] & 0xff;
        int a2 = b[at + 2] & 0xff;
        int a3 = b[at + 3] & 0xff;
        if (a0 == 169 && a1 == 254 && (a2 == 169 && a3 == 254 || a2 == 170 && (a3 == 2 || a3 == 23))) {
            return Kind.METADATA; // AWS/GCP/Azure/OpenStack, ECS task metadata (.170.2), EKS pod identity (.170.23)
        }
        if (a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200) {
            return Kind.METADATA; // Alibaba Cloud
        }
        if (a0 == 0) {
            return Kind.UNSPECIFIED; // 0.0.0.0/8: connecting to 0.0.0.0 reaches this host on Linux
        }
        if (a0 == 127) {
            return Kind.LOOPBACK;
        }
        if (a0 == 10 || a0 == 172 && (a1 & 0xf0) == 16 || a0 == 192 && a1 == 168) {
            return Kind.PRIVATE;
        }
        if (a0 == 169 && a1 == 254) {
            return Kind.LINK_LOCAL;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return Kind.CGNAT; // 100.64.0.0/10
        }
        if (a0 >= 224) {
            return a0 < 240 ? Kind.MULTICAST : a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255
                    ? Kind.MULTICAST : Kind.RESERVED; // 240/4 reserved, 255.255.255.255 broadcast
        }
        if (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2) // 192.0.0/24 protocol assignments, 192.0.2/24 TEST-NET-1
                || a0 == 192 && a1 == 88 && a2 == 99     // 6to4 relay anycast
                || a0 == 198 && (a1 & 0xfe) == 18        // 198.18/15 benchmarking
                || a0 == 198 && a1 == 51 && a2 == 100    // TEST-NET-2
                || a0 == 203 && a1 == 0 && a2 == 113) {  // TEST-NET-3
            return Kind.RESERVED;
        }
        return null;
    }

    private static Kind classify6(byte[] b) {
        if (isZero(b, 0, 10)) {
            if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return classify4(b, 12); // ::ffff:a.b.c.d, IPv4-mapped
            }
            if (b[10] == 0 && b[11] == 0) {
                if (isZero(b, 12, 3) && (b[15] == 0 || b[15] == 1)) {
                    return b[15] == 0 ? Kind.UNSPECIFIED : Kind.LOOPBACK; // :: and ::1
                }
                Kind embedded = classify4(b, 12); // ::a.b.c.d, deprecated IPv4-compatible
                return embedded != null ? embedded : Kind.RESERVED;
            }
            return Kind.RESERVED;
        }
        int w0 = (b[0] & 0xff) << 8 | (b[1] & 0xff);
        int w1 = (b[2] & 0xff) << 8 | (b[3] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b) {
            // NAT64: 64:ff9b::/96 carries the IPv4 address it reaches; 64:ff9b:1::/48 is for local use
            return isZero(b, 4, 8) ? classify4(b, 12) : Kind.PRIVATE;
        }
        if (w0 == 0x2002) {
            return classify4(b, 2); // 6to4 carries an IPv4 address in bits 16..47
        }
        if (w0 == 0xfd00 && w1 == 0x0ec2 && isZero(b, 4, 10) && b[14] == 0x02 && b[15] == 0x54) {
            return Kind.METADATA; // fd00:ec2::254, the AWS metadata service over IPv6
        }
        if ((w0 & 0xfe00) == 0xfc00) {
            return Kind.PRIVATE; // fc00::/7 unique local
        }
        if ((w0 & 0xffc0) == 0xfe80 || (w0 & 0xffc0) == 0xfec0) {
            return Kind.LINK_LOCAL; // fe80::/10 link-local, fec0::/10 the deprecated site-local
        }
        if ((w0 & 0xff00) == 0xff00) {
            return Kind.MULTICAST;
        }
        if ((w0 & 0xe000) != 0x2000) {
            return Kind.RESERVED; // only 2000::/3 is global unicast
        }
        if (w0 == 0x2001 && (w1 < 0x0200 || w1 == 0x0db8)) {
            return Kind.RESERVED; // 2001:db8::/32 documentation, 2001::/23 protocol assignments (Teredo included)
        }
        if (w0 == 0x3fff && (w1 & 0xf000) == 0) {
            return Kind.RESERVED; // 3fff::/20 documentation
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
