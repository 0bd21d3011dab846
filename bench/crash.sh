#!/usr/bin/env bash
# kill -9 in the middle of a full sync, in the real-kernel VM: a clean agent syncs S Services x 10 (plus DSR Services,
# their pods' receivers, GUE tunnels to 10 nodes) onto a node holding foreign objects; then, per run, a fresh node whose
# agent is killed at random instants of that sync, K times, and a last agent that must leave the kernel exactly as the
# clean run did. Each agent is bin/kube-dsr, a process of its own, against the stand-in API.
# Usage: bench/crash.sh [services=10000] [runs=3] [kills-per-run=2] [seed]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
cp_file=$PWD/e2e/target/bench.classpath
# Reactor build without installing: the agent's jar (bin/kube-dsr runs it) and the scenario's classes.
mvn -B -q -o -pl e2e -am package dependency:build-classpath -DskipTests -Djacoco.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file"
cp="e2e/target/test-classes:e2e/target/classes:$(cat "$cp_file")"
services=${1:-10000}
runs=${2:-3}
# The VM's time: creating the cluster in the stand-in API (22 min for 10,000 Services on a busy host), the clean run,
# and per run two killed agents and the one that converges (12 min a run at 10,000 Services).
exec e2e/vm/run --timeout $(( (30 + services / 200 + runs * 15) * 60 )) --modules ip_vs,ip_vs_rr,dummy,ipip,ip6_tunnel,fou,fou6 -- \
  /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx768m -cp "$cp" io.kubedsr.e2e.faults.CrashBenchmark "$@"
