package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.config.FlagParseException;
import io.kubedsr.proxy.config.ValueParsers;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.plan.ServicePlan;
import io.kubedsr.proxy.plan.ServicePlanner;

/** What the proxy module's fuzz targets found (docs/reliability.md), each input kept as a regression test. */
class FuzzFindingsTest {
    @Test
    void aDurationPartTooLongForALongIsRefusedInsteadOfWrappingNegative() {
        String found = "6ms66m" + "3".repeat(85) + "s6ms";
        assertThatThrownBy(() -> ValueParsers.duration(found)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 100 years");
        assertThat(ValueParsers.duration("1h30m")).hasMinutes(90);
    }

    @Test
    void aSyncPeriodOfZeroIsAFlagErrorNotATimerThatThrowsAtStartUp() {
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--ipvs-sync-period=0"}))
                .isInstanceOf(FlagParseException.class).hasMessageContaining("--ipvs-sync-period");
        assertThatThrownBy(() -> AgentFlags.parse(new String[] {"--service-udp-timeout=700000h"}))
                .isInstanceOf(FlagParseException.class).hasMessageContaining("IPVS");
    }

    @Test
    void aNullInAServicesListOfIpsIsAProblemNotANullPointerException() {
        Service s = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("s").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.1").withClusterIPs(Arrays.asList("10.96.0.1", null))
                .addNewPort().withPort(80).endPort().endSpec().build();
        ServicePlan plan = new ServicePlanner(AgentConfig.defaults(), new NodeInfo("n", List.of(), List.of())).plan(ServiceView.of(s),
                List.of());
        assertThat(plan.problems()).extracting(Problem::reason).containsExactly("InvalidAddress");
        assertThat(plan.virtualServers()).hasSize(1);
    }
}
