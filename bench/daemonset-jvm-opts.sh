# Sourced by the benchmark scripts: the JVM options of the DaemonSets (deploy/*.yaml, KUBE_DSR_JAVA_OPTS), the heap
# at their 50% of 384Mi (initially the JVM's default 1/64 of it), the serial collector given by each script. BENCH_JVM_OPTS replaces them.
opts=${BENCH_JVM_OPTS:--Xss512k -Xmx192m -Xms6m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -XX:TieredStopAtLevel=1 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps}
