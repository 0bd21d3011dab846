package io.kubedsr.proxy.overlay;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.tunnel.Encapsulation;

/**
 * The overlay flags as the planner needs them: tunnels at all ({@code --enable-overlay}), to every peer
 * ({@code --overlay-type=full}) or only across subnets, the encapsulation, and the address families served.
 */
public record OverlaySettings(boolean enabled, boolean full, Encapsulation encapsulation, List<AddressFamily> families) {
    public OverlaySettings {
        families = List.copyOf(families);
    }

    public static OverlaySettings from(AgentConfig config) {
        List<AddressFamily> families = new ArrayList<>();
        if (config.enableIpv4()) {
            families.add(AddressFamily.INET);
        }
        if (config.enableIpv6()) {
            families.add(AddressFamily.INET6);
        }
        return new OverlaySettings(config.enableOverlay(), "full".equals(config.overlayType()), config.overlayEncap(), families);
    }
}
