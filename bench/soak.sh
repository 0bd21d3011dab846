#!/usr/bin/env bash
# Churn soak in the real-kernel VM: beside S Services x 10 (plus DSR Services, their pods' receivers, GUE tunnels to
# 10 nodes), endpoints churn for M minutes at R updates a second while the agent (bin/kube-dsr, its own process, the
# DaemonSets' JVM options, graceful termination on) serves them; a sample a minute of its memory, GC work, sync
# counters and caches; at the end the churn is undone and every cache must hold what it held at the start.
# Usage: bench/soak.sh [minutes=30] [services=10000] [updates-per-second=10]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
cp_file=$PWD/e2e/target/bench.classpath
# Reactor build without installing: the agent's jar (bin/kube-dsr runs it) and the scenario's classes.
mvn -B -q -o -pl e2e -am package dependency:build-classpath -DskipTests -Djacoco.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file"
cp="e2e/target/test-classes:e2e/target/classes:$(cat "$cp_file")"
minutes=${1:-30}
services=${2:-10000}
# The VM's time: the churn, plus creating the cluster in the stand-in API (22 min for 10,000 Services on a busy host),
# the agent's start and the undoing of the churn.
exec e2e/vm/run --timeout $(( (minutes + 40 + services / 200) * 60 )) --modules ip_vs,ip_vs_rr,dummy,ipip,ip6_tunnel,fou,fou6 -- \
  /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx768m -cp "$cp" io.kubedsr.e2e.faults.SoakBenchmark "$@"
