package io.kubedsr.e2e.proxy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/**
 * One namespace whose IPVS virtual servers are asked which real server they choose for {@link #FLOWS} flows: the
 * namespace connects to each VIP from 10.99.0.1 and source ports 20000.. (maglev-flows.py), and IPVS schedules each
 * SYN. Real servers are addresses behind a dummy link, where the SYNs vanish: only the choice matters.
 */
final class MaglevLab implements AutoCloseable {
    static final int FLOWS = 3000;
    final TestNamespace ns = TestNamespace.create();
    final IpvsClient ipvs;
    private int vips;

    MaglevLab() {
        ns.exec("ip", "link", "add", "backends", "type", "dummy");
        ns.exec("ip", "link", "set", "backends", "up");
        ns.exec("ip", "addr", "add", "10.99.0.1/16", "dev", "backends");
        ns.exec("ip", "link", "add", "vips", "type", "dummy");
        ns.exec("ip", "link", "set", "vips", "up");
        ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
    }

    /** A fresh VIP (10.96.0.n:80/TCP) on the namespace, for one virtual server. */
    VirtualServerKey newVip() {
        vips++;
        String address = "10.96." + (vips / 250) + "." + (vips % 250 + 1);
        ns.exec("ip", "addr", "add", address + "/32", "dev", "vips");
        return VirtualServerKey.of(IpPrefix.parseAddress(address), Protocol.TCP, 80);
    }

    /** Real server number i (1..), 10.99.1.i. */
    static RealServer backend(int i, Forwarding forwarding) {
        return RealServer.of(IpPrefix.parseAddress("10.99." + (1 + i / 250) + "." + (i % 250)), 80, forwarding, 1);
    }

    /** For each VIP: client port to the real server IPVS chose (flows it refused are missing). */
    Map<VirtualServerKey, Map<Integer, InetAddress>> flows(List<VirtualServerKey> keys) throws Exception {
        StringBuilder list = new StringBuilder();
        Map<String, VirtualServerKey> byAddress = new HashMap<>();
        for (VirtualServerKey k : keys) {
            String a = IpPrefix.format(((VirtualServerKey.ByAddress) k).address());
            byAddress.put(a, k);
            list.append(list.isEmpty() ? "" : ",").append(a);
        }
        String script = Path.of(MaglevLab.class.getResource("/maglev-flows.py").toURI()).toString();
        String out = ns.exec("python3", script, "10.99.0.1", list.toString(), "20000", Integer.toString(FLOWS));
        Map<VirtualServerKey, Map<Integer, InetAddress>> result = new HashMap<>();
        keys.forEach(k -> result.put(k, new HashMap<>()));
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            VirtualServerKey k = byAddress.get(f[0]);
            if (k != null) {
                result.get(k).put(Integer.parseInt(f[1]), IpPrefix.parseAddress(f[2]));
            }
        }
        return result;
    }

    /** How many flows present in both map to different real servers. */
    static int differing(Map<Integer, InetAddress> a, Map<Integer, InetAddress> b) {
        int n = 0;
        for (Map.Entry<Integer, InetAddress> e : a.entrySet()) {
            InetAddress other = b.get(e.getKey());
            if (other != null && !other.equals(e.getValue())) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        ipvs.close();
        ns.close();
    }
}
