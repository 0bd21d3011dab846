#!/usr/bin/env bash
# Agent sync benchmark in the real-kernel VM: a full sync of S Services x 10 endpoints from API objects to
# the kernel vs `ipvsadm -R` of the same IPVS table, an unchanged resync, a restart adopting the state, one
# endpoint added beside them, and the JVM's RSS.
# Usage: bench/sync.sh [services=10000]   (as root; BENCH_JVM_OPTS replaces the JVM options; BENCH_PROPS adds system
# properties: -Dkubedsr.bench.nft=false leaves nftables out, -Dkubedsr.bench.histogram=30 prints the live heap's classes)
set -euo pipefail
cd "$(dirname "$0")/.."
# package, not install: the reactor resolves the sibling modules from their target/ directories (nothing is
# written to ~/.m2, and the benchmark runs this checkout's code, not whatever was installed last).
mvn -o -B -q -pl proxy -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="proxy/target/test-classes:proxy/target/classes:$(cat proxy/target/bench.classpath)"
. bench/daemonset-jvm-opts.sh
exec e2e/vm/run --modules ip_vs,ip_vs_rr -- /usr/lib/jvm/java-17-openjdk-amd64/bin/java -XX:+UseSerialGC $opts ${BENCH_PROPS:-} \
  -cp "$cp" io.kubedsr.proxy.bench.SyncBenchmark "$@"
