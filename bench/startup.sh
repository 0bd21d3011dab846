#!/usr/bin/env bash
# Start-up benchmark: from an agent process's start to ready (informers synced, first full sync done) with S
# Services x 10 endpoints, split into JVM start, set-up, API list, kernel opening, planning and kernel work. In the
# real-kernel VM: bin/kube-dsr in a node namespace against a canned API over the lab's network (a fresh node, then
# restarts adopting the state: with the JDK's class-data sharing, without it, with an AppCDS archive of the agent's
# classes). On the host JVM: the same start natively, with the node's kernel in memory (this kernel has no IPVS).
# `memory` instead: in the VM, the ready agent's resident memory, native memory summary, heap and live heap's top
# classes (jcmd), one fresh start per size; BENCH_PROPS='-Dkubedsr.bench.javaOpts=-Xmx128m' tries other agent options.
# Usage: bench/startup.sh [vm|host|both|memory] [sizes...]   (as root; default: both 0 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
where=${1:-both}
(($#)) && shift
sizes=("$@")
((${#sizes[@]})) || sizes=(0 1000 10000)
mvn -B -q -pl e2e -am package -DskipTests dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="e2e/target/test-classes:$(cat e2e/target/bench.classpath)"
java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
if [[ $where == host || $where == both ]]; then
  "$java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.kubedsr.e2e.bench.StartupBenchmark host "${sizes[@]}"
fi
if [[ $where == vm || $where == both || $where == memory ]]; then
  [[ $where == memory ]] || where=vm
  e2e/vm/run --modules ip_vs,ip_vs_rr,dummy,ipip,ip6_tunnel,fou,fou6 -- "$java" ${BENCH_PROPS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$cp" io.kubedsr.e2e.bench.StartupBenchmark "$where" "${sizes[@]}"
fi
