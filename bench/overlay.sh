#!/usr/bin/env bash
# Overlay benchmark in the real-kernel VM: N simulated peer nodes on another subnet (each a tunnel and a pod
# CIDR route) converge from Node objects; a full sync without changes; one node changed, removed and added
# beside the others; the same links and routes through `ip -batch`.
# Usage: bench/overlay.sh [nodes=1000] [ipip|fou]   (as root; BENCH_JVM_OPTS replaces the JVM options)
set -euo pipefail
cd "$(dirname "$0")/.."
# package, not install: the reactor resolves the sibling modules from their target/ directories.
mvn -o -B -q -pl proxy -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="proxy/target/test-classes:proxy/target/classes:$(cat proxy/target/bench.classpath)"
# The DaemonSets' JVM options: what a node's agent compiles with matters here, the first convergence runs cold code.
. bench/daemonset-jvm-opts.sh
exec e2e/vm/run --modules ipip,fou -- /usr/lib/jvm/java-17-openjdk-amd64/bin/java -XX:+UseSerialGC $opts \
  -cp "$cp" io.kubedsr.proxy.bench.OverlayBenchmark "$@"
