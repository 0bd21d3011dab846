package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DsrMarkMapTest {
    /** Printed by nft 1.0.6 for a table holding both maps and an unrelated set. */
    private static final String NFT_JSON = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, \
            {"table": {"family": "inet", "name": "kube-dsr", "handle": 1}}, \
            {"map": {"family": "inet", "name": "dsr4", "table": "kube-dsr", "type": ["ipv4_addr", "inet_proto", "inet_service"], \
            "handle": 1, "map": "mark", "elem": [[{"concat": ["203.0.113.11", "udp", 53]}, 292], \
            [{"concat": ["203.0.113.10", "tcp", 80]}, 291]]}}, \
            {"map": {"family": "inet", "name": "dsr6", "table": "kube-dsr", "type": ["ipv6_addr", "inet_proto", "inet_service"], \
            "handle": 2, "map": "mark", "elem": [[{"concat": ["fd00:96::10", "tcp", 443]}, 293]]}}, \
            {"set": {"family": "inet", "name": "vips4", "table": "kube-dsr", "type": "ipv4_addr", "handle": 3, "elem": ["1.2.3.4"]}}]}
            """;

    @Test
    void readsBothMapsElementByElement() {
        DsrMarkMap.Contents c = DsrMarkMap.parse(NFT_JSON);
        assertThat(c.present()).isTrue();
        assertThat(c.entries()).containsExactly(
                new DsrMarkMap.Entry("ipv4", "203.0.113.11", "udp", 53, 0x124),
                new DsrMarkMap.Entry("ipv4", "203.0.113.10", "tcp", 80, 0x123),
                new DsrMarkMap.Entry("ipv6", "fd00:96::10", "tcp", 443, 0x125));
    }

    @Test
    void aTableWithoutTheMapsHasNoMarks() {
        DsrMarkMap.Contents c = DsrMarkMap.parse("""
                {"nftables": [{"table": {"family": "inet", "name": "kube-dsr", "handle": 1}}, \
                {"map": {"family": "inet", "name": "dsr4", "table": "kube-dsr", "type": ["ipv4_addr", "inet_proto", "inet_service"], \
                "handle": 1, "map": "mark"}}]}
                """);
        assertThat(c.present()).as("an empty dsr4 map is present").isTrue();
        assertThat(c.entries()).isEmpty();
        assertThat(DsrMarkMap.parse("{\"nftables\": [{\"table\": {\"name\": \"kube-dsr\"}}]}").present()).isFalse();
    }

    @Test
    void acceptsANumericProtocol() {
        DsrMarkMap.Contents c = DsrMarkMap.parse("""
                {"nftables": [{"map": {"name": "dsr4", "elem": [[{"concat": ["203.0.113.12", 132, 3868]}, 7]]}}]}
                """);
        assertThat(c.entries()).containsExactly(new DsrMarkMap.Entry("ipv4", "203.0.113.12", "sctp", 3868, 7));
    }

    @Test
    void rejectsWhatIsNotJsonOrNotAMarkMap() {
        assertThatThrownBy(() -> DsrMarkMap.parse("table inet kube-dsr {")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DsrMarkMap.parse("""
                {"nftables": [{"map": {"name": "dsr4", "elem": [["203.0.113.12", 7]]}}]}
                """)).hasMessageContaining("unexpected element in map dsr4");
    }
}
