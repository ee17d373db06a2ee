package io.visionflow.net;

import io.visionflow.net.AddressClassifier.Kind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressClassifierTest {

    private static Kind kind(String literal) throws UnknownHostException {
        return AddressClassifier.classify(InetAddress.getByName(literal));
    }

    @Test
    void refusesEveryNonPublicIpv4Range() throws Exception {
        Map<String, Kind> cases = Map.ofEntries(
                Map.entry("127.0.0.1", Kind.LOOPBACK), Map.entry("127.255.0.9", Kind.LOOPBACK),
                Map.entry("10.0.0.1", Kind.PRIVATE), Map.entry("172.16.0.1", Kind.PRIVATE),
                Map.entry("172.31.255.255", Kind.PRIVATE), Map.entry("192.168.1.1", Kind.PRIVATE),
                Map.entry("169.254.169.254", Kind.METADATA), Map.entry("169.254.170.2", Kind.METADATA),
                Map.entry("100.100.100.200", Kind.METADATA), Map.entry("169.254.1.1", Kind.LINK_LOCAL),
                Map.entry("100.64.0.1", Kind.CGNAT), Map.entry("100.127.255.255", Kind.CGNAT),
                Map.entry("0.0.0.0", Kind.UNSPECIFIED), Map.entry("0.1.2.3", Kind.UNSPECIFIED),
                Map.entry("224.0.0.1", Kind.MULTICAST), Map.entry("255.255.255.255", Kind.MULTICAST),
                Map.entry("240.0.0.1", Kind.RESERVED), Map.entry("192.0.2.7", Kind.RESERVED),
                Map.entry("198.18.0.1", Kind.RESERVED), Map.entry("203.0.113.9", Kind.RESERVED));
        assertKinds(cases);
    }

    private static void assertKinds(Map<String, Kind> cases) throws UnknownHostException {
        for (var e : cases.entrySet()) {
            assertThat(kind(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void acceptsPublicAddressesNextToTheRanges() throws Exception {
        for (String ip : new String[] {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "100.63.255.255",
                "100.128.0.0", "169.253.255.255", "192.169.0.1", "11.0.0.1", "223.255.255.255", "126.255.255.255",
                "2606:4700:4700::1111", "2a00:1450:4001::200e", "2600:1f18::1"}) {
            assertThat(kind(ip)).as(ip).isNull();
        }
    }

    @Test
    void judgesIpv6FormsByWhatTheyReach() throws Exception {
        Map<String, Kind> cases = Map.ofEntries(
                Map.entry("::1", Kind.LOOPBACK), Map.entry("::", Kind.UNSPECIFIED),
                Map.entry("::ffff:127.0.0.1", Kind.LOOPBACK), Map.entry("::ffff:169.254.169.254", Kind.METADATA),
                Map.entry("::127.0.0.1", Kind.LOOPBACK), Map.entry("::8.8.8.8", Kind.RESERVED),
                Map.entry("64:ff9b::a9fe:a9fe", Kind.METADATA), Map.entry("64:ff9b::10.0.0.1", Kind.PRIVATE),
                Map.entry("2002:7f00:1::", Kind.LOOPBACK), Map.entry("2002:a9fe:a9fe::1", Kind.METADATA),
                Map.entry("fd00:ec2::254", Kind.METADATA), Map.entry("fd12:3456::1", Kind.PRIVATE),
                Map.entry("fc00::1", Kind.PRIVATE), Map.entry("fe80::1", Kind.LINK_LOCAL),
                Map.entry("fec0::1", Kind.LINK_LOCAL), Map.entry("ff02::1", Kind.MULTICAST),
                Map.entry("2001:db8::1", Kind.RESERVED), Map.entry("2001::1", Kind.RESERVED),
                Map.entry("100::1", Kind.RESERVED));
        assertKinds(cases);
        assertThat(kind("64:ff9b::8.8.8.8")).isNull();
        assertThat(kind("2002:0808:0808::1")).isNull();
    }

    @Property(tries = 500)
    void everyIpv4AddressIsJudgedTheSameInEveryIpv6Spelling(@ForAll("ipv4") byte[] v4) throws Exception {
        Kind plain = AddressClassifier.classify(InetAddress.getByAddress(v4));
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4, 0, mapped, 12, 4);
        byte[] nat64 = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, v4[0], v4[1], v4[2], v4[3]};
        byte[] sixToFour = {0x20, 0x02, v4[0], v4[1], v4[2], v4[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        // InetAddress turns ::ffff:a.b.c.d into an Inet4Address itself; the classifier must agree either way
        assertThat(classifyRaw(mapped)).isEqualTo(plain);
        assertThat(classifyRaw(nat64)).isEqualTo(plain);
        assertThat(classifyRaw(sixToFour)).isEqualTo(plain);
    }

    @Property(tries = 500)
    void privateRangesAreRefusedWherePolicyIsPublicOnly(@ForAll("nonPublicIpv4") byte[] v4) throws Exception {
        InetAddress a = InetAddress.getByAddress(v4);
        assertThat(OutboundPolicy.publicOnly().refusal(a)).as(a.getHostAddress()).isNotNull();
    }

    @Property(tries = 300)
    void developmentAllowsOnlyLoopbackAndPrivateOnTop(@ForAll("anyAddress") byte[] raw) throws Exception {
        InetAddress a = InetAddress.getByAddress(raw);
        Kind strict = OutboundPolicy.publicOnly().refusal(a);
        Kind dev = OutboundPolicy.allowingPrivate().refusal(a);
        if (strict == null || strict == Kind.LOOPBACK || strict == Kind.PRIVATE) {
            assertThat(dev).isNull();
        } else {
            assertThat(dev).isEqualTo(strict); // metadata, link-local and the rest stay refused
        }
    }

    private static Kind classifyRaw(byte[] sixteen) throws UnknownHostException {
        return AddressClassifier.classify(java.net.Inet6Address.getByAddress(null, sixteen, -1));
    }

    @Provide
    Arbitrary<byte[]> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    @Provide
    Arbitrary<byte[]> anyAddress() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16), nonPublicIpv4());
    }

    /** A random address inside one of the refused IPv4 blocks: prefix bits fixed, the rest random. */
    @Provide
    Arbitrary<byte[]> nonPublicIpv4() {
        int[][] blocks = {{127 << 24, 8}, {10 << 24, 8}, {(172 << 24) | (16 << 16), 12}, {(192 << 24) | (168 << 16), 16},
                {(169 << 24) | (254 << 16), 16}, {(100 << 24) | (64 << 16), 10}, {0, 8}, {224 << 24, 4}, {240 << 24, 4}};
        return Arbitraries.of(blocks).flatMap(b -> Arbitraries.integers().map(r -> {
            int mask = b[1] == 0 ? 0 : -1 << (32 - b[1]);
            int v = (b[0] & mask) | (r & ~mask);
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }));
    }

    @Test
    void policyChecksEveryResolvedAddressAndNamesIt() {
        OutboundPolicy mixed = OutboundPolicy.publicOnly().withResolver(host ->
                new InetAddress[] {InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.1.2.3")});
        assertThatThrownBy(() -> mixed.resolve(URI.create("https://images.example/a.png")))
                .isInstanceOf(RefusedAddressException.class)
                .hasMessage("address not allowed: images.example resolves to 10.1.2.3, a private network address");
        assertThatThrownBy(() -> OutboundPolicy.publicOnly().resolve(URI.create("http://localhost:8080/")))
                .isInstanceOf(RefusedAddressException.class).hasMessageContaining("a loopback address");
        assertThatThrownBy(() -> OutboundPolicy.publicOnly().resolve(URI.create("http://[::ffff:169.254.169.254]/")))
                .isInstanceOf(RefusedAddressException.class).hasMessageContaining("cloud metadata");
        assertThatThrownBy(() -> OutboundPolicy.allowingPrivate().resolve(URI.create("http://169.254.169.254/latest/")))
                .isInstanceOf(RefusedAddressException.class).hasMessageContaining("cloud metadata");
        assertThatThrownBy(() -> OutboundPolicy.publicOnly().resolve(URI.create("ftp://example.com/")))
                .isInstanceOf(RefusedAddressException.class).hasMessageContaining("http or https");
    }
}
