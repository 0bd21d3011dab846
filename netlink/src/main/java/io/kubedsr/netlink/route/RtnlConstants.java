package io.kubedsr.netlink.route;

/** rtnetlink message types and attribute numbers (linux/rtnetlink.h, if_link.h, if_addr.h, fib_rules.h, if_tunnel.h). */
final class RtnlConstants {
    private RtnlConstants() {
    }

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_DELROUTE = 25;
    static final int RTM_GETROUTE = 26;
    static final int RTM_NEWRULE = 32;
    static final int RTM_DELRULE = 33;
    static final int RTM_GETRULE = 34;

    /** struct ifinfomsg, ifaddrmsg, rtmsg, fib_rule_hdr. */
    static final int IFINFOMSG_LENGTH = 16;
    static final int IFADDRMSG_LENGTH = 8;
    static final int RTMSG_LENGTH = 12;
    static final int FIB_RULE_HDR_LENGTH = 12;

    static final int IFF_UP = 0x1;

    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_LINK = 5;
    static final int IFLA_MASTER = 10;
    static final int IFLA_OPERSTATE = 16;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;

    static final int IFLA_IPTUN_LINK = 1;
    static final int IFLA_IPTUN_LOCAL = 2;
    static final int IFLA_IPTUN_REMOTE = 3;
    static final int IFLA_IPTUN_TTL = 4;
    static final int IFLA_IPTUN_ENCAP_LIMIT = 6;
    static final int IFLA_IPTUN_FLAGS = 8;
    static final int IFLA_IPTUN_PROTO = 9;
    static final int IFLA_IPTUN_PMTUDISC = 10;
    static final int IFLA_IPTUN_ENCAP_TYPE = 15;
    static final int IFLA_IPTUN_ENCAP_FLAGS = 16;
    static final int IFLA_IPTUN_ENCAP_SPORT = 17;
    static final int IFLA_IPTUN_ENCAP_DPORT = 18;
    static final int IFLA_IPTUN_COLLECT_METADATA = 19;

    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_LABEL = 3;
    static final int IFA_FLAGS = 8;

    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_PRIORITY = 6;
    static final int RTA_PREFSRC = 7;
    static final int RTA_TABLE = 15;

    static final int FRA_DST = 1;
    static final int FRA_SRC = 2;
    static final int FRA_PRIORITY = 6;
    static final int FRA_FWMARK = 10;
    static final int FRA_TABLE = 15;
    static final int FRA_FWMASK = 16;
    static final int FR_ACT_TO_TBL = 1;

    static final int RT_TABLE_UNSPEC = 0;
    static final int RT_TABLE_MAIN = 254;
}
