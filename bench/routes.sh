#!/usr/bin/env bash
# Route programming benchmark: this library vs `ip -batch`, N routes added then deleted in a fresh namespace.
# Usage: bench/routes.sh [routes=10000] [rounds=5]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl netlink -am test-compile -DskipTests
mvn -B -q -pl netlink exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=io.kubedsr.netlink.bench.RouteBenchmark -Dexec.args="${1:-10000} ${2:-5}"
