#!/bin/bash
# Run by bench/vips.sh inside the VM. Part 1: what each form of VIP does to traffic (prints each command, its
# output and status). Part 2: the kernel's cost of N VIPs in each form, through `ip -batch`.
set -u
N=${1:-10000}
echo "##### part 1: addresses, per-VIP local routes, one local route for the service CIDR"
x() { echo "+ $*"; "$@" 2>&1; echo "  rc=$?"; }
for n in node client pod; do ip netns add $n; ip -n $n link set lo up; done
ip link add veth-c type veth peer name eth0 netns client
ip link set veth-c netns node
ip link add veth-p type veth peer name eth0 netns pod
ip link set veth-p netns node
ND="ip netns exec node"; C="ip netns exec client"; P="ip netns exec pod"
$ND ip addr add 192.168.1.1/24 dev veth-c; $ND ip -6 addr add fd00:1::1/64 dev veth-c nodad; $ND ip link set veth-c up
$C ip addr add 192.168.1.2/24 dev eth0; $C ip -6 addr add fd00:1::2/64 dev eth0 nodad; $C ip link set eth0 up
$C ip route add default via 192.168.1.1; $C ip -6 route add default via fd00:1::1
$ND ip addr add 10.244.0.1/24 dev veth-p; $ND ip -6 addr add fd00:244::1/64 dev veth-p nodad; $ND ip link set veth-p up
$P ip addr add 10.244.0.2/24 dev eth0; $P ip -6 addr add fd00:244::2/64 dev eth0 nodad; $P ip link set eth0 up
$P ip route add default via 10.244.0.1; $P ip -6 route add default via fd00:244::1
$ND sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.vs.conntrack=1
$ND ip link add kube-dummy-if type dummy; $ND ip link set kube-dummy-if up
# pod: echo servers that print the peer address
$P sh -c 'ncat -lk -p 8080 --sh-exec "echo pod-saw \$NCAT_REMOTE_ADDR" >/dev/null 2>&1 &'
$P sh -c 'ncat -6 -lk -p 8080 --sh-exec "echo pod6-saw \$NCAT_REMOTE_ADDR" >/dev/null 2>&1 &'
$ND sh -c 'ncat -lk -p 2222 --sh-exec "echo node-listener-reached" >/dev/null 2>&1 &'
sleep 1
echo "=== A: per-VIP local route, no address (v4 and v6), source = node address"
x $ND ip route add local 10.96.0.10/32 dev kube-dummy-if table local proto kernel scope host src 192.168.1.1
x $ND ip -6 route add local fd00:96::10/128 dev kube-dummy-if table local proto kernel src fd00:1::1
$ND ip route show table local dev kube-dummy-if; $ND ip -6 route show table local dev kube-dummy-if
$ND ipvsadm -A -t 10.96.0.10:80 -s rr; $ND ipvsadm -a -t 10.96.0.10:80 -r 10.244.0.2:8080 -m
$ND ipvsadm -A -t [fd00:96::10]:80 -s rr; $ND ipvsadm -a -t [fd00:96::10]:80 -r [fd00:244::2]:8080 -m
x $C timeout 5 ncat --recv-only 10.96.0.10 80
x $C timeout 5 ncat -6 --recv-only fd00:96::10 80
echo "-- from the node itself"
x $ND timeout 5 ncat --recv-only 10.96.0.10 80
x $ND timeout 5 ncat -6 --recv-only fd00:96::10 80
x $ND ip route get 10.96.0.10
x $ND ip -6 route get fd00:96::10
echo "-- the VIP on a non-service port reaches node listeners (as with an address on the dummy)"
x $C timeout 5 ncat --recv-only 10.96.0.10 2222
echo "-- an unallocated cluster IP (no route of ours)"
x $C timeout 5 ncat --recv-only 10.96.0.11 80
x $C timeout 5 ncat --recv-only 10.96.0.11 2222
echo "-- ARP from the client's segment for the VIP (arp_ignore=$($ND sysctl -n net.ipv4.conf.all.arp_ignore))"
$C ip route add 10.96.0.10/32 dev eth0; $C ip route add 10.96.0.11/32 dev eth0
x $C ping -c1 -W1 10.96.0.10; x $C ping -c1 -W1 10.96.0.11
$C ip neigh show dev eth0
$C ip neigh flush dev eth0
echo "-- arp_ignore=1 (kube-proxy strictARP)"
$ND sysctl -qw net.ipv4.conf.all.arp_ignore=1
x $C ping -c1 -W1 10.96.0.10; $C ip neigh show dev eth0; $C ip neigh flush dev eth0
$ND sysctl -qw net.ipv4.conf.all.arp_ignore=0
echo "-- ND for the v6 VIP"
$C ip -6 route add fd00:96::10/128 dev eth0
x $C ping -6 -c1 -W1 fd00:96::10; $C ip -6 neigh show dev eth0
$C ip -6 route del fd00:96::10/128 dev eth0; $C ip route del 10.96.0.10/32 dev eth0; $C ip route del 10.96.0.11/32 dev eth0
echo "-- compare: the same VIP as an address on the dummy (kube-router's form)"
$ND ip addr add 10.96.0.20/32 dev kube-dummy-if
$C ip route add 10.96.0.20/32 dev eth0
x $C ping -c1 -W1 10.96.0.20; $C ip neigh show dev eth0; $C ip neigh flush dev eth0
$C ip route del 10.96.0.20/32 dev eth0
echo "-- deleting the dummy's last address (the route-only VIP must survive? fib_disable_ip)"
x $ND ip addr del 10.96.0.20/32 dev kube-dummy-if
$ND ip route show table local dev kube-dummy-if
echo "=== B: one local route for the whole service CIDR"
x $ND ip route add local 10.96.0.0/12 dev kube-dummy-if table local proto kernel scope host src 192.168.1.1
x $C timeout 5 ncat --recv-only 10.96.0.10 80
x $C timeout 5 ncat --recv-only 10.96.0.11 80
x $C timeout 5 ncat --recv-only 10.96.0.11 2222
$C ip route add 10.96.0.11/32 dev eth0
x $C ping -c1 -W1 10.96.0.11; $C ip neigh show dev eth0
x $ND ping -c1 -W1 10.96.5.5
echo "=== node address removed: the routes with its source"
x $ND ip addr del 192.168.1.1/24 dev veth-c
$ND ip route show table local dev kube-dummy-if

echo
echo "##### part 2: $N VIPs of each form, ip -batch"
gen() { for i in $(seq 0 $((N-1))); do printf "$1\n" $((96 + (i >> 16))) $(((i >> 8) & 255)) $((i & 255)); done; }
gen "address add 10.%d.%d.%d/32 dev kube-dummy-if" > /tmp/addr.b
gen "route replace local 10.%d.%d.%d dev kube-dummy-if table local proto kernel scope host src 192.168.1.1" > /tmp/repl.b
gen "route add local 10.%d.%d.%d dev kube-dummy-if table local proto kernel scope host src 192.168.1.1" > /tmp/route.b
gen "route del local 10.%d.%d.%d dev kube-dummy-if table local" > /tmp/routedel.b
gen "address del 10.%d.%d.%d/32 dev kube-dummy-if" > /tmp/addrdel.b
for i in $(seq 0 $((N-1))); do printf "route add local fd00:96::%x dev kube-dummy-if table local proto kernel src fd00:1::1\n" $i; done > /tmp/route6.b
for i in $(seq 0 $((N-1))); do printf "address add fd00:96::%x/128 dev kube-dummy-if nodad\n" $i; done > /tmp/addr6.b
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; local rc=$?; echo "$(echo "$(date +%s.%N) - $s" | bc) s rc=$rc: ${*: -1}"; }
setup() { ip netns add $1; ip -n $1 link set lo up; ip -n $1 link add eth0 type dummy; ip -n $1 addr add 192.168.1.1/24 dev eth0; ip -n $1 -6 addr add fd00:1::1/64 dev eth0 nodad; ip -n $1 link set eth0 up; ip -n $1 link add kube-dummy-if type dummy; ip -n $1 link set kube-dummy-if up; }
echo "== $N VIPs as addresses (kube-router's form), then their routes replaced with the node's source"
setup a; t ip -n a -batch /tmp/addr.b; t ip -n a -batch /tmp/repl.b; echo "routes: $(ip -n a route show table local dev kube-dummy-if | wc -l)"
t ip -n a -batch /tmp/addrdel.b; echo "routes after deleting every address: $(ip -n a route show table local dev kube-dummy-if | wc -l)"
echo "== $N VIPs as local routes only"
setup b; t ip -n b -batch /tmp/route.b; echo "routes: $(ip -n b route show table local dev kube-dummy-if | wc -l)"
t ip -n b -batch /tmp/routedel.b
echo "== IPv6: addresses vs routes"
setup c; t ip -n c -batch /tmp/addr6.b
setup d; t ip -n d -batch /tmp/route6.b; echo "v6 routes: $(ip -n d -6 route show table local dev kube-dummy-if | grep -c fd00:96)"
echo "== deleting the dummy's last IPv6 address: do the v6 VIP routes stay?"
ip -n d -6 addr add fd00:99::1/128 dev kube-dummy-if nodad; sleep 0.5; ip -n d -6 addr del fd00:99::1/128 dev kube-dummy-if; sleep 0.5
echo "v6 routes: $(ip -n d -6 route show table local dev kube-dummy-if | grep -c fd00:96)"
echo "== and IPv4 routes-only when the dummy's last IPv4 address goes"
ip -n b -batch /tmp/route.b; ip -n b addr add 10.99.0.1/32 dev kube-dummy-if; ip -n b addr del 10.99.0.1/32 dev kube-dummy-if
echo "v4 routes: $(ip -n b route show table local dev kube-dummy-if | wc -l)"
echo "== dummy link down then up: routes?"
ip -n b -batch /tmp/route.b 2>/dev/null; ip -n b link set kube-dummy-if down; echo "v4 routes when down: $(ip -n b route show table local dev kube-dummy-if | wc -l)"; ip -n b link set kube-dummy-if up; echo "after up: $(ip -n b route show table local dev kube-dummy-if | wc -l)"
