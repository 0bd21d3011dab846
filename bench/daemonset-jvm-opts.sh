# Sourced by the benchmark scripts: the JVM options of the DaemonSets (deploy/*.yaml, KUBE_DSR_JAVA_OPTS), the heap
# fixed at their 50% of 384Mi, the serial collector given by each script. BENCH_JVM_OPTS replaces them.
opts=${BENCH_JVM_OPTS:--Xss512k -Xmx192m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -XX:TieredStopAtLevel=1}
