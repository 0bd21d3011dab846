package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SloppySysctlsTest {
    /** The two sysctls of a namespace, as a map; a key can be made to fail. */
    private static final class FakeSysctls implements Sysctls {
        final Map<String, String> values = new HashMap<>(Map.of("net/ipv4/vs/sloppy_tcp", "0", "net/ipv4/vs/sloppy_sctp", "0"));
        int writes;
        String failing;

        @Override
        public String read(String key) {
            if (key.equals(failing)) {
                throw new IllegalStateException("no such file");
            }
            return values.get(key);
        }

        @Override
        public void write(String key, String value) {
            writes++;
            values.put(key, value);
        }
    }

    @Test
    void turnsBothOnWhileWantedAndPutsBackWhatItFound() {
        FakeSysctls fake = new FakeSysctls();
        SloppySysctls sloppy = new SloppySysctls(fake);
        assertThat(sloppy.require(false)).isZero();
        assertThat(sloppy.require(true)).isEqualTo(2);
        assertThat(fake.values).containsEntry("net/ipv4/vs/sloppy_tcp", "1").containsEntry("net/ipv4/vs/sloppy_sctp", "1");
        assertThat(sloppy.require(true)).as("already on: no write").isZero();
        assertThat(sloppy.require(false)).isEqualTo(2);
        assertThat(fake.values).containsEntry("net/ipv4/vs/sloppy_tcp", "0").containsEntry("net/ipv4/vs/sloppy_sctp", "0");
        assertThat(sloppy.require(false)).isZero();
        assertThat(fake.writes).isEqualTo(4);
    }

    @Test
    void leavesOnWhatItFoundOn() {
        FakeSysctls fake = new FakeSysctls();
        fake.values.put("net/ipv4/vs/sloppy_tcp", "1"); // an operator's, or this agent's before a restart
        SloppySysctls sloppy = new SloppySysctls(fake);
        assertThat(sloppy.require(true)).isEqualTo(1);
        assertThat(sloppy.require(false)).isEqualTo(1);
        assertThat(fake.values).containsEntry("net/ipv4/vs/sloppy_tcp", "1").containsEntry("net/ipv4/vs/sloppy_sctp", "0");
    }

    @Test
    void aSysctlThatFailsIsLoggedAndTheOtherStillWritten() {
        FakeSysctls fake = new FakeSysctls();
        fake.failing = "net/ipv4/vs/sloppy_sctp"; // e.g. a kernel without it
        SloppySysctls sloppy = new SloppySysctls(fake);
        assertThat(sloppy.require(true)).isEqualTo(1);
        assertThat(fake.values).containsEntry("net/ipv4/vs/sloppy_tcp", "1");
        fake.failing = null;
        assertThat(sloppy.require(true)).as("tried again").isEqualTo(1);
        assertThat(fake.values).containsEntry("net/ipv4/vs/sloppy_sctp", "1");
    }
}
