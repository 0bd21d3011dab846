package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class JsonRendererTest {
    @Test
    void printsEveryFieldUnderItsStableNameInDeclarationOrder() {
        NodeStatus s = new NodeStatus("/run/netns/node1",
                List.of(new NodeStatus.VirtualServer("ipv4", null, null, null, 291L, "rr", 0, List.of("default/dsr:80"),
                        List.of(new NodeStatus.RealServer("10.244.2.2", 80, "tunnel", "gue", 5555, 1, 2, 3)))),
                1,
                new NodeStatus.Dsr(true, List.of(new NodeStatus.DsrMark(291L, "ipv4", "203.0.113.10", "tcp", 80, true, true,
                        List.of("default/dsr:80"))), List.of(new NodeStatus.DsrRule("ipv4", 32764, 291L, 4294967295L, 78)),
                        List.of(new NodeStatus.DsrRoute("ipv4", "local", "default", "lo"))),
                List.of(new NodeStatus.ShortCircuit(0x4123L, "ipv4", "203.0.113.12", "tcp", 443, List.of("default/ingress:443"))),
                List.of(new NodeStatus.Tunnel("tun-c0a80102", "ipip", true, "192.168.1.1", "192.168.1.2", "none", null, 1480,
                        List.of("10.244.2.0/24"), List.of("ipip"))),
                List.of(), List.of(new NodeStatus.Receiver("/run/netns/pod2", "kube-tunnel-if", true, "10.244.2.2",
                        List.of("203.0.113.10"), List.of(new NodeStatus.FouPort("ipv4", 5555)), List.of("ipip", "gue:5555"))),
                List.of("a note"));
        assertThat(JsonRenderer.render(s)).isEqualTo("""
                {
                  "namespace" : "/run/netns/node1",
                  "virtualServers" : [ {
                    "family" : "ipv4",
                    "address" : null,
                    "protocol" : null,
                    "port" : null,
                    "fwmark" : 291,
                    "scheduler" : "rr",
                    "persistenceSeconds" : 0,
                    "services" : [ "default/dsr:80" ],
                    "realServers" : [ {
                      "address" : "10.244.2.2",
                      "port" : 80,
                      "forwarding" : "tunnel",
                      "tunnelType" : "gue",
                      "tunnelPort" : 5555,
                      "weight" : 1,
                      "activeConnections" : 2,
                      "inactiveConnections" : 3
                    } ]
                  } ],
                  "otherVirtualServers" : 1,
                  "dsr" : {
                    "markMap" : true,
                    "marks" : [ {
                      "mark" : 291,
                      "family" : "ipv4",
                      "address" : "203.0.113.10",
                      "protocol" : "tcp",
                      "port" : 80,
                      "rule" : true,
                      "virtualServer" : true,
                      "services" : [ "default/dsr:80" ]
                    } ],
                    "rules" : [ {
                      "family" : "ipv4",
                      "priority" : 32764,
                      "fwmark" : 291,
                      "fwmask" : 4294967295,
                      "table" : 78
                    } ],
                    "routes" : [ {
                      "family" : "ipv4",
                      "type" : "local",
                      "destination" : "default",
                      "device" : "lo"
                    } ]
                  },
                  "shortCircuits" : [ {
                    "mark" : 16675,
                    "family" : "ipv4",
                    "address" : "203.0.113.12",
                    "protocol" : "tcp",
                    "port" : 443,
                    "services" : [ "default/ingress:443" ]
                  } ],
                  "tunnels" : [ {
                    "name" : "tun-c0a80102",
                    "kind" : "ipip",
                    "up" : true,
                    "local" : "192.168.1.1",
                    "remote" : "192.168.1.2",
                    "encapsulation" : "none",
                    "encapsulationPort" : null,
                    "mtu" : 1480,
                    "routes" : [ "10.244.2.0/24" ],
                    "accepts" : [ "ipip" ]
                  } ],
                  "fouPorts" : [ ],
                  "receivers" : [ {
                    "namespace" : "/run/netns/pod2",
                    "link" : "kube-tunnel-if",
                    "up" : true,
                    "podIp" : "10.244.2.2",
                    "vips" : [ "203.0.113.10" ],
                    "fouPorts" : [ {
                      "family" : "ipv4",
                      "port" : 5555
                    } ],
                    "accepts" : [ "ipip", "gue:5555" ]
                  } ],
                  "notes" : [ "a note" ]
                }
                """);
    }

    @Test
    void readsBackWhatItPrinted() {
        NodeStatus s = SampleStatus.director();
        assertThat(JsonRenderer.parse(JsonRenderer.render(s))).isEqualTo(s);
    }
}
