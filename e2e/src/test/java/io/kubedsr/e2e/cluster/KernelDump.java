package io.kubedsr.e2e.cluster;

import io.kubedsr.netlink.TestNamespace;

/**
 * What kube-dsr programs in a node's network namespace, as text to compare before and after: IPVS, links,
 * addresses, policy rules, every routing table, nftables. Counters and timers are left out.
 */
final class KernelDump {
    private KernelDump() {
    }

    static String of(TestNamespace node) {
        StringBuilder sb = new StringBuilder();
        sb.append(node.exec("ipvsadm", "-Sn").lines().sorted().toList()).append('\n');
        sb.append(node.exec("ip", "-o", "link").replaceAll("link/\\S+ \\S+ brd \\S+", "").replaceAll(" qlen \\d+", ""));
        sb.append(node.exec("ip", "-o", "addr").replaceAll("valid_lft.*", "").lines().sorted().toList()).append('\n');
        sb.append(node.exec("ip", "rule")).append(node.exec("ip", "-6", "rule"));
        sb.append(node.exec("ip", "route", "show", "table", "all").lines().sorted().toList()).append('\n');
        sb.append(node.exec("ip", "fou", "show"));
        sb.append(node.exec("nft", "list", "ruleset").replaceAll("packets \\d+ bytes \\d+", "counter"));
        return sb.toString();
    }
}
