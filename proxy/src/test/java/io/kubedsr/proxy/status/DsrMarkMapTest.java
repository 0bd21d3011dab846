package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DsrMarkMapTest {
    /** Printed by nft 1.0.6 (`nft list table inet kube-dsr`) for a table with both maps and a set of services. */
    private static final String LISTING = """
            table inet kube-dsr {
            	set services4 {
            		type ipv4_addr . inet_proto . inet_service
            		elements = { 10.96.0.10 . tcp . 80 }
            	}

            	map dsr4 {
            		type ipv4_addr . inet_proto . inet_service : mark
            		elements = { 203.0.113.11 . udp . 53 : 0x00000124,
            			     203.0.113.10 . tcp . 80 : 0x00000123 }
            	}

            	map dsr6 {
            		type ipv6_addr . inet_proto . inet_service : mark
            		elements = { fd00:96::10 . tcp . 443 : 0x00000125 }
            	}
            }
            """;

    @Test
    void readsBothMapsSortedByFamilyAndMark() {
        DsrMarkMap.Contents c = DsrMarkMap.parse(LISTING);
        assertThat(c.present()).isTrue();
        assertThat(c.entries()).containsExactly(
                new DsrMarkMap.Entry("ipv4", "203.0.113.10", "tcp", 80, 0x123),
                new DsrMarkMap.Entry("ipv4", "203.0.113.11", "udp", 53, 0x124),
                new DsrMarkMap.Entry("ipv6", "fd00:96::10", "tcp", 443, 0x125));
    }

    @Test
    void anEmptyMapIsPresentAndNoTableOrNoMapIsAbsent() {
        DsrMarkMap.Contents empty = DsrMarkMap.parse("table inet kube-dsr {\n\tmap dsr4 {\n\t\ttype ipv4_addr . inet_proto . inet_service : mark\n\t}\n}\n");
        assertThat(empty.present()).isTrue();
        assertThat(empty.entries()).isEmpty();
        assertThat(DsrMarkMap.parse(null).present()).isFalse();
        assertThat(DsrMarkMap.parse("table inet kube-dsr {\n}\n").present()).isFalse();
    }
}
