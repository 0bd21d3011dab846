#!/usr/bin/env bash
# How a VIP can be made local, in the real-kernel VM: as an address on kube-dummy-if (kube-router's form), as a
# local route through it (kube-dsr's), or as one local route for the whole service CIDR. Part 1 shows what each
# form does to traffic (a client, the node itself, an unallocated cluster IP, a port no Service has, ARP with
# arp_ignore 0 and 1, IPv6); part 2 times 10,000 VIPs of each form with `ip -batch` (one request per line).
# Usage: bench/vips.sh [vips=10000]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
exec e2e/vm/run --modules ip_vs,ip_vs_rr --timeout 900 -- bash bench/vips-in-vm.sh "${1:-10000}"
