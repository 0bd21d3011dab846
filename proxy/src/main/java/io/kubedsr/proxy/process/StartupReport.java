package io.kubedsr.proxy.process;

import java.time.Duration;
import java.time.Instant;

/**
 * The whole start of the process, from its start (the launcher's exec included) to ready, for the log line
 * {@code bench/startup.sh} reads: the JVM's start up to {@code main}, the set-up before the agent starts (flags,
 * Vert.x, the API client), then the agent's phases ({@link AgentStartup}). The API list and the kernel's opening
 * run at the same time, so the phases do not add up to the total.
 */
public record StartupReport(Duration jvmStart, Duration setup, AgentStartup agent, Duration total) {
    /** {@code processStart}: when the process started; {@code mainEntered}: when main began; {@code agentStarted}: Agent.start. */
    public static StartupReport of(Instant processStart, Instant mainEntered, Instant agentStarted, AgentStartup agent) {
        return new StartupReport(Duration.between(processStart, mainEntered), Duration.between(mainEntered, agentStarted), agent,
                Duration.between(processStart, agentStarted).plus(agent.total()));
    }

    public String line() {
        return "ready in " + total.toMillis() + " ms: jvm_start_ms=" + jvmStart.toMillis() + " setup_ms=" + setup.toMillis()
                + " api_list_ms=" + agent.apiList().toMillis() + " kernel_open_ms=" + agent.kernelOpen().toMillis()
                + " plan_ms=" + agent.planning().toMillis() + " kernel_sync_ms=" + agent.kernelSync().toMillis()
                + " services=" + agent.services();
    }
}
