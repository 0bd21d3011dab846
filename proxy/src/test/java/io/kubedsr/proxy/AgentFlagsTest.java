package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.config.FlagParseException;
import io.kubedsr.tunnel.Encapsulation;

class AgentFlagsTest {

    @Test
    void defaultsAreKubeRoutersWhereItHasThem() {
        AgentConfig c = AgentConfig.defaults();
        assertThat(c.ipvsSyncPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.ipvsGracefulPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.ipvsPermitAll()).isTrue();
        assertThat(c.strictExternalIpValidation()).isTrue();
        assertThat(c.enableIpv4()).isTrue();
        assertThat(c.enableIpv6()).isFalse();
        assertThat(c.enableOverlay()).isTrue();
        assertThat(c.overlayType()).isEqualTo("subnet");
        assertThat(c.overlayEncap()).isEqualTo(Encapsulation.IPIP);
        assertThat(c.overlayEncapPort()).isEqualTo(5555);
        assertThat(c.healthPort()).isEqualTo(20244);
        assertThat(c.serviceClusterIpRange()).containsExactly(IpPrefix.parse("10.96.0.0/12"));
    }

    @Test
    void parsesEveryFormOfFlag() {
        AgentConfig c = AgentFlags.parse(new String[] {"--ipvs-sync-period=1m30s", "--masquerade-all",
                "--service-cluster-ip-range", "10.96.0.0/12,fd00:96::/108", "--overlay-encap=fou", "--overlay-encap-port=6000",
                "--enable-ipv6=true", "--excluded-cidrs=10.250.0.0/16", "--ipvs-permit-all=false"});
        assertThat(c.ipvsSyncPeriod()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.masqueradeAll()).isTrue();
        assertThat(c.serviceClusterIpRange()).containsExactly(IpPrefix.parse("10.96.0.0/12"), IpPrefix.parse("fd00:96::/108"));
        assertThat(c.overlayEncap()).isEqualTo(Encapsulation.gue(6000));
        assertThat(c.enableIpv6()).isTrue();
        assertThat(c.excludedCidrs()).containsExactly(IpPrefix.parse("10.250.0.0/16"));
        assertThat(c.ipvsPermitAll()).isFalse();
    }

    @Test
    void invalidValuesStopWithOneLineNamingTheFlag() {
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--ipvs-sync-period=soon"}))
                .isInstanceOf(FlagParseException.class)
                .hasMessage("invalid value 'soon' for --ipvs-sync-period: not a duration: 'soon' (e.g. 30s, 5m, 1h)");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--service-cluster-ip-range=10.96.0.1/12"}))
                .hasMessageContaining("--service-cluster-ip-range").hasMessageContaining("host bits set");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--overlay-encap-port=80"}))
                .hasMessageContaining("--overlay-encap-port").hasMessageContaining("1024..65535");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--overlay-type=mesh"}))
                .hasMessage("invalid value 'mesh' for --overlay-type: 'mesh' is not one of subnet, full");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--no-such-flag"})).hasMessage("unknown flag --no-such-flag (see --help)");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--masquerade-all=maybe"})).hasMessageContaining("not a boolean");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--enable-ipv4=false"})).hasMessageContaining("nothing to serve");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--kubeconfig"})).hasMessage("flag --kubeconfig needs a value");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--metrics-path=metrics"})).hasMessageContaining("must start with '/'");
    }

    @Test
    void dsrSchedulerIsRrUnlessSetAndTakesKubeRoutersAndIpvsadmsFlagWords() {
        assertThat(AgentConfig.defaults().dsrScheduler()).isEqualTo(Scheduler.RR);
        assertThat(AgentConfig.defaults().dsrSchedulerFlags()).isEmpty();
        AgentConfig c = AgentFlags.parse(new String[] {"--dsr-scheduler=mh", "--dsr-scheduler-flags=mh-port, flag-1"});
        assertThat(c.dsrScheduler()).isEqualTo(Scheduler.MH);
        assertThat(c.dsrSchedulerFlags()).containsExactlyInAnyOrder(ServiceFlag.SCHED2, ServiceFlag.SCHED1);
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--dsr-scheduler=maglev"}))
                .hasMessageStartingWith("invalid value 'maglev' for --dsr-scheduler: unknown IPVS scheduler 'maglev'");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--dsr-scheduler-flags=mh-port"}))
                .hasMessage("invalid value 'mh-port' for --dsr-scheduler-flags: 'mh-port' is a flag of the mh scheduler, not of rr");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--dsr-scheduler=mh", "--dsr-scheduler-flags=mh-ports"}))
                .hasMessageContaining("'mh-ports' is not flag-1, flag-2, flag-3, sh-fallback, sh-port, mh-fallback or mh-port");
    }

    @Test
    void helpDocumentsEveryFlag() {
        String help = AgentFlags.help();
        AgentFlags.FLAGS.forEach(f -> assertThat(help).contains("--" + f.name()));
        assertThat(help).contains("--ipvs-sync-period value").contains("(default \"5m\")");
        assertThat(AgentFlags.wantsHelp(new String[] {"--help"})).isTrue();
    }
}
