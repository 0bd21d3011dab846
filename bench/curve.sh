#!/usr/bin/env bash
# The full sync's time and the agent's memory as the cluster grows: bench/sync.sh's benchmark at S Services x 10
# endpoints for each size given (default 1000 10000 30000), one JVM each, all in one VM run (so their ratios to
# ipvsadm -R compare), then a table of time and memory per Service.
# Usage: bench/curve.sh [sizes...]   (as root; the DaemonSets' JVM options)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -B -q -pl proxy -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="proxy/target/test-classes:proxy/target/classes:$(cat proxy/target/bench.classpath)"
. bench/daemonset-jvm-opts.sh
sizes=${*:-1000 10000 30000}
java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
log=$(mktemp)
e2e/vm/run --modules ip_vs,ip_vs_rr -- bash -c "for s in $sizes; do $java -XX:+UseSerialGC $opts \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '$cp' io.kubedsr.proxy.bench.SyncBenchmark \$s || exit 1; done" | tee "$log"
echo
echo "services | full sync | ipvsadm -R | ratio | ms per Service | RSS | heap used | KB of heap per Service"
grep '^CURVE' "$log" | sed 's/[a-z_]*=//g' | while read -r _ s full ipvsadm ratio rss heap _ _; do
  awk -v s="$s" -v f="$full" -v i="$ipvsadm" -v r="$ratio" -v rss="$rss" -v h="$heap" \
    'BEGIN { printf "%d | %.2f s | %.2f s | %.3f | %.2f | %d MB | %.1f MB | %.2f\n", s, f, i, r, f * 1000 / s, rss, h, h * 1000 / s }'
done
rm -f "$log"
