package io.kubedsr.proxy.status;

import java.util.List;

/**
 * The human view of a {@link NodeStatus}: sections SERVICES, SHORT CIRCUITS, DSR MARKS, TUNNELS (what each sends,
 * ENCAP, and what the node takes from its peer, ACCEPTS), DSR RECEIVERS (what each takes). Pure.
 */
public final class TableRenderer {
    private TableRenderer() {
    }

    public static String render(NodeStatus s) {
        StringBuilder sb = new StringBuilder();
        sb.append("kube-dsr status of network namespace ").append(s.namespace()).append('\n');
        for (String note : s.notes()) {
            sb.append("note: ").append(note).append('\n');
        }
        sb.append("\nSERVICES\n").append(services(s));
        sb.append("\nSHORT CIRCUITS\n").append(shortCircuits(s.shortCircuits()));
        sb.append("\nDSR MARKS\n").append(dsr(s.dsr()));
        sb.append("\nTUNNELS\n").append(tunnels(s));
        sb.append("\nDSR RECEIVERS\n").append(receivers(s.receivers()));
        return sb.toString();
    }

    private static String services(NodeStatus s) {
        TextTable t = new TextTable().left("VIRTUAL SERVER").left("SCHED").left("SERVICE").left("REAL SERVER")
                .left("FORWARD").left("TUNNEL").right("WEIGHT").right("ACTIVE").right("INACTIVE");
        for (NodeStatus.VirtualServer vs : s.virtualServers()) {
            String name = virtualServer(vs);
            String sched = vs.scheduler() + (vs.persistenceSeconds() > 0 ? " persist " + vs.persistenceSeconds() : "");
            String services = vs.services().isEmpty() ? "-" : String.join(",", vs.services());
            if (vs.realServers().isEmpty()) {
                t.row(name, sched, services, "-", "", "", "", "", "");
            }
            boolean first = true;
            for (NodeStatus.RealServer rs : vs.realServers()) {
                t.row(first ? name : "", first ? sched : "", first ? services : "", hostPort(rs.address(), rs.port()),
                        rs.forwarding(), tunnel(rs), rs.weight(), rs.activeConnections(), rs.inactiveConnections());
                first = false;
            }
        }
        String out = t.isEmpty() ? "(none)\n" : t.render();
        if (s.otherVirtualServers() > 0) {
            out += "(" + s.otherVirtualServers() + " IPVS virtual server" + (s.otherVirtualServers() == 1 ? "" : "s")
                    + " of other owners not shown)\n";
        }
        return out;
    }

    static String virtualServer(NodeStatus.VirtualServer vs) {
        if (vs.fwmark() != null) {
            return "FWM " + mark(vs.fwmark()) + (vs.family().equals("ipv6") ? " ipv6" : "");
        }
        return vs.protocol().toUpperCase() + " " + hostPort(vs.address(), vs.port());
    }

    private static String tunnel(NodeStatus.RealServer rs) {
        if (rs.tunnelType() == null) {
            return "-";
        }
        return rs.tunnelPort() == null ? rs.tunnelType() : rs.tunnelType() + ":" + rs.tunnelPort();
    }

    private static String shortCircuits(List<NodeStatus.ShortCircuit> circuits) {
        TextTable t = new TextTable().left("MARK").left("DESTINATION").left("SERVICE");
        for (NodeStatus.ShortCircuit c : circuits) {
            t.row(mark(c.mark()), hostPort(c.address(), c.port()) + "/" + c.protocol(),
                    c.services().isEmpty() ? "-" : String.join(",", c.services()));
        }
        return t.isEmpty() ? "(none)\n" : t.render();
    }

    private static String dsr(NodeStatus.Dsr d) {
        StringBuilder sb = new StringBuilder();
        TextTable marks = new TextTable().left("MARK").left("DESTINATION").left("SERVICE").left("RULE").left("IPVS");
        for (NodeStatus.DsrMark m : d.marks()) {
            marks.row(mark(m.mark()), hostPort(m.address(), m.port()) + "/" + m.protocol(),
                    m.services().isEmpty() ? "-" : String.join(",", m.services()), yesNo(m.rule()), yesNo(m.virtualServer()));
        }
        if (!d.markMap()) {
            sb.append("(no mark map: nftables table inet kube-dsr has no dsr4/dsr6)\n");
        } else {
            sb.append(marks.isEmpty() ? "(none)\n" : marks.render());
        }
        TextTable rules = new TextTable().left("RULE FAMILY").right("PRIORITY").left("FWMARK").right("TABLE");
        for (NodeStatus.DsrRule r : d.rules()) {
            rules.row(r.family(), r.priority(), r.fwmark() == 0 && r.fwmask() == 0 ? "-"
                    : mark(r.fwmark()) + (r.fwmask() == 0xFFFFFFFFL ? "" : "/" + mark(r.fwmask())), r.table());
        }
        if (!rules.isEmpty()) {
            sb.append(rules.render());
        }
        TextTable routes = new TextTable().left("TABLE 78 FAMILY").left("TYPE").left("DESTINATION").left("DEVICE");
        for (NodeStatus.DsrRoute r : d.routes()) {
            routes.row(r.family(), r.type(), r.destination(), r.device() == null ? "-" : r.device());
        }
        if (!routes.isEmpty()) {
            sb.append(routes.render());
        }
        return sb.toString();
    }

    private static String tunnels(NodeStatus s) {
        TextTable t = new TextTable().left("NAME").left("KIND").left("STATE").left("LOCAL").left("REMOTE").left("ENCAP")
                .left("ACCEPTS").right("MTU").left("ROUTES");
        for (NodeStatus.Tunnel tn : s.tunnels()) {
            String encap = tn.encapsulationPort() == null ? tn.encapsulation() : tn.encapsulation() + ":" + tn.encapsulationPort();
            t.row(tn.name(), tn.kind(), tn.up() ? "up" : "DOWN", orDash(tn.local()), orDash(tn.remote()), encap,
                    String.join(",", tn.accepts()), tn.mtu(),
                    tn.routes().isEmpty() ? "-" : String.join(",", tn.routes()));
        }
        String out = t.isEmpty() ? "(none)\n" : t.render();
        return out + "FOU ports: " + ports(s.fouPorts()) + "\n";
    }

    private static String receivers(List<NodeStatus.Receiver> receivers) {
        TextTable t = new TextTable().left("NAMESPACE").left("LINK").left("STATE").left("POD IP").left("VIPS").left("ACCEPTS");
        for (NodeStatus.Receiver r : receivers) {
            t.row(r.namespace(), r.link(), r.up() ? "up" : "DOWN", orDash(r.podIp()),
                    r.vips().isEmpty() ? "-" : String.join(",", r.vips()), String.join(",", r.accepts()));
        }
        return t.isEmpty() ? "(none)\n" : t.render();
    }

    private static String ports(List<NodeStatus.FouPort> ports) {
        if (ports.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (NodeStatus.FouPort p : ports) {
            sb.append(sb.length() == 0 ? "" : ",").append(p.port()).append('/').append(p.family());
        }
        return sb.toString();
    }

    static String hostPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    static String mark(long mark) {
        return String.format("0x%08x", mark);
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "NO";
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }
}
