#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every *FuzzTarget class of the modules: N inputs per target (default
# 1,000,000), one after the other, each in its own JVM; prints per target the inputs run, seconds, executions
# per second and new corpus units, and fails when any target had a finding (the crashing input and a Java
# reproducer are kept under MODULE/target/fuzz-bench/TARGET/). The build runs the same targets a few seconds
# each (NetlinkFuzzTest, IpvsFuzzTest, TunnelFuzzTest, ProxyFuzzTest). docs/reliability.md has the figures.
# Usage: bench/fuzz.sh [inputs=1000000] [target-name-filter]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl netlink,ipvs,tunnel,proxy test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath io.kubedsr.netlink.fuzz.FuzzBench ${1:-1000000} ${2:-}"
