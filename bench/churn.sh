#!/usr/bin/env bash
# Network programming latency under churn, in the real-kernel VM, through the agent's own sync loop: S Services x 10
# endpoints synced, then R endpoint changes a second for T seconds (a Service picked at random gains or loses one
# endpoint), each decoded as an informer does and synced by ServiceSync/SyncLoop/SyncEngine against the kernel.
# Prints p50/p99/max from the API object's change to the kernel write, split into informer, waiting, kernel-thread
# queue, planning and kernel work; IPVS operations, netlink requests and CPU per change.
# Usage: bench/churn.sh [services=10000] [rate=50] [seconds=360]   (as root; the DaemonSets' JVM options; the default
# --ipvs-sync-period of 5m, so a 360 s run includes one periodic full resync; -Dkubedsr.bench.period=10m in
# BENCH_PROPS leaves it out)
set -euo pipefail
cd "$(dirname "$0")/.."
# package, not install: the reactor resolves the sibling modules from their target/ directories.
mvn -o -B -q -pl proxy -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="proxy/target/test-classes:proxy/target/classes:$(cat proxy/target/bench.classpath)"
. bench/daemonset-jvm-opts.sh
exec e2e/vm/run --modules ip_vs,ip_vs_rr -- /usr/lib/jvm/java-17-openjdk-amd64/bin/java -XX:+UseSerialGC $opts ${BENCH_PROPS:-} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.kubedsr.proxy.bench.ChurnBenchmark "$@"
