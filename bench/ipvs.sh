#!/usr/bin/env bash
# IPVS programming benchmark in the real-kernel VM: S services x 10 GUE tunnel real servers through the Java
# client and through `ipvsadm -R`, in one VM run. Usage: bench/ipvs.sh [sizes...] (default 1000 10000). As root.
set -euo pipefail
cd "$(dirname "$0")/.."
# package, not install: the reactor resolves the sibling modules from their target/ directories.
mvn -o -B -q -pl ipvs -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="ipvs/target/test-classes:ipvs/target/classes:$(cat ipvs/target/bench.classpath)"
exec e2e/vm/run --modules ip_vs,ip_vs_rr -- /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx1g -XX:ErrorFile=/dev/stderr ${BENCH_JVM_OPTS:-} -cp "$cp" \
  io.kubedsr.ipvs.bench.IpvsBenchmark "$@"
